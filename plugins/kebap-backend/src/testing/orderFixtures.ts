import { orderMetadata, OrderObject } from '@internal/plugin-kebap-common';

/** Objects of orders as the portal delivers them, for tests and the benchmark. */
export function databaseOrder(
  name: string,
  options: { env?: string; owner?: string } = {},
): {
  stack: OrderObject;
  namespace: OrderObject;
  meta: ReturnType<typeof orderMetadata>;
} {
  const env = options.env ?? 'dev';
  const meta = orderMetadata({
    orderName: name,
    owner: options.owner ?? 'group:default/team-payments',
    entityRef: `resource:default/${env}-${name}`,
    env,
    kind: 'database',
    template: 'template:default/database',
    taskId: `task-${name}`,
  });
  return {
    meta,
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'kebap-orders' },
    },
    stack: {
      apiVersion: 'pulumi.com/v1',
      kind: 'Stack',
      metadata: {
        name: `${env}-${name}-database`,
        namespace: 'kebap-orders',
        labels: meta.labels,
        annotations: meta.annotations,
      },
      spec: {
        stack: `acme/databases/${env}-${name}`,
        programRef: { name: 'db' },
      },
    },
  };
}

export function devClusterOrder(name: string): {
  application: OrderObject;
  registration: OrderObject;
  meta: ReturnType<typeof orderMetadata>;
} {
  const meta = orderMetadata({
    orderName: name,
    owner: 'group:default/team-payments',
    entityRef: `resource:default/dev-${name}`,
    env: 'dev',
    kind: 'vcluster',
    template: 'template:default/dev-cluster',
  });
  return {
    meta,
    application: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: `vcluster-${name}`,
        namespace: 'argocd',
        labels: meta.labels,
        annotations: {
          ...meta.annotations,
          'kebap.io/expires-at': '2026-12-01T00:00:00.000Z',
        },
      },
      spec: { project: 'default' },
    },
    // the ExternalSecret of kebap:argocd:cluster, as External Secrets
    // Operator leaves it once it wrote the cluster Secret
    registration: {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: {
        name: `cluster-dev-${name}`,
        namespace: 'argocd',
        labels: meta.labels,
        annotations: meta.annotations,
      },
      spec: {
        secretStoreRef: { kind: 'SecretStore', name: `vc-${name}-kubeconfig` },
        target: {
          name: `cluster-dev-${name}`,
          creationPolicy: 'Owner',
          template: {
            engineVersion: 'v2',
            metadata: {
              labels: {
                ...meta.labels,
                'argocd.argoproj.io/secret-type': 'cluster',
                env: 'dev',
              },
            },
            data: {
              name: `dev-${name}`,
              server: `https://vc-${name}.vc-${name}:443`,
              config:
                '{"tlsClientConfig":{"certData":"{{ index . "client-certificate" | b64enc }}"}}',
            },
          },
        },
      },
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced' }],
        binding: { name: `cluster-dev-${name}` },
      },
    },
  };
}

/** The catalog entity the catalog module makes of an order. */
export function orderEntity(name: string, env = 'dev') {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: `${env}-${name}`,
      namespace: 'default',
      annotations: { 'kebap.io/order': name, 'kebap.io/env': env },
    },
    spec: { type: 'database', owner: 'group:default/team-payments' },
  };
}
