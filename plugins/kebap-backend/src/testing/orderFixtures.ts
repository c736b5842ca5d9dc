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
    registration: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `cluster-dev-${name}`,
        namespace: 'argocd',
        labels: {
          ...meta.labels,
          'argocd.argoproj.io/secret-type': 'cluster',
          env: 'dev',
        },
      },
      data: {
        name: Buffer.from(`dev-${name}`).toString('base64'),
        server: Buffer.from(`https://vc-${name}.vc-${name}:443`).toString(
          'base64',
        ),
        config: Buffer.from('{"bearerToken":"s3cr3t"}').toString('base64'),
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
