import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

/**
 * The Argo CD cluster Secret of a prod cluster, in the control-plane
 * cluster (the workspace's in-cluster credentials): labelled
 * `argocd.argoproj.io/secret-type: cluster` and `env: prod`, with the string
 * data Argo CD reads (`name`, `server`, `config`). It holds no credential:
 * `config` tells Argo CD how to authenticate with its own identity.
 */
export function argocdClusterSecret(
  args: {
    clusterName: string;
    cloud: string;
    argocdNamespace: string;
    server: pulumi.Input<string>;
    config: pulumi.Input<Record<string, unknown>>;
  },
  opts?: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    'argocdCluster',
    {
      metadata: {
        name: `cluster-prod-${args.clusterName}`,
        namespace: args.argocdNamespace,
        labels: {
          'argocd.argoproj.io/secret-type': 'cluster',
          env: 'prod',
          'kebap.io/order': args.clusterName,
          'kebap.io/env': 'prod',
          'kebap.io/cloud': args.cloud,
        },
      },
      type: 'Opaque',
      stringData: {
        name: `prod-${args.clusterName}`,
        server: args.server,
        config: pulumi.output(args.config).apply(c => JSON.stringify(c)),
      },
    },
    opts,
  );
}

/** A kubeconfig that authenticates through an exec plugin, as a secret output. */
export function execKubeconfig(args: {
  name: pulumi.Input<string>;
  server: pulumi.Input<string>;
  caData: pulumi.Input<string>;
  exec: pulumi.Input<Record<string, unknown>>;
}): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .all([args.name, args.server, args.caData, args.exec])
      .apply(([name, server, caData, exec]) =>
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name,
              cluster: { server, 'certificate-authority-data': caData },
            },
          ],
          contexts: [{ name, context: { cluster: name, user: name } }],
          'current-context': name,
          users: [{ name, user: { exec } }],
        }),
      ),
  );
}
