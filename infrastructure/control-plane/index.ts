// The Pulumi CLI's entry point (Pulumi.yaml `main: index.ts`): reads the
// stack's configuration and builds the control plane. The program itself is
// src/createControlPlane.ts, which the tests run with Pulumi's mocks.
import * as pulumi from '@pulumi/pulumi';
import { createControlPlane, readControlPlaneConfig } from './src';

const controlPlane = createControlPlane(
  readControlPlaneConfig(new pulumi.Config()),
);

export const clusterName = controlPlane.clusterName;
export const kubeconfig = controlPlane.kubeconfig;
export const argocdNamespace = controlPlane.argocdNamespace;
export const rootApplication = controlPlane.rootApplication;
