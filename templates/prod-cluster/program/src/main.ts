/*
 * The Pulumi entry point (Pulumi.yaml `main`): reads the stack's config and
 * creates the prod cluster. The functions it calls are unit-tested with
 * Pulumi's runtime mocks.
 */
import * as pulumi from '@pulumi/pulumi';
import { createProdCluster } from './createProdCluster';

const config = new pulumi.Config();
const result = createProdCluster(config.require('cloud'), {
  clusterName: config.require('clusterName'),
  region: config.require('region'),
  kubernetesVersion: config.require('kubernetesVersion'),
  nodeSize: config.require('nodeSize'),
  minNodes: config.requireNumber('minNodes'),
  maxNodes: config.requireNumber('maxNodes'),
  argocdNamespace: config.get('argocdNamespace') ?? 'argocd',
  argocdRoleArn: config.get('argocdRoleArn') || undefined,
});

export const clusterName = result.clusterName;
export const server = result.server;
export const argocdCluster = result.argocdCluster;
export const kubeconfig = result.kubeconfig;
