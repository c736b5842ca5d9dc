import type { Entity } from '@backstage/catalog-model';
import type { OrderStatus } from '@internal/plugin-kebap-common';

/** Test fixtures: an ordered dev cluster's entity and statuses it can have. */
export const orderedEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'dev-alpha',
    namespace: 'default',
    title: 'alpha (dev vCluster)',
    annotations: {
      'kebap.io/order': 'alpha',
      'kebap.io/env': 'dev',
      'kebap.io/kind': 'vcluster',
      'backstage.io/kubernetes-id': 'dev-alpha',
    },
  },
  spec: { type: 'kubernetes-cluster', owner: 'group:default/team-payments' },
};

const DAY = 24 * 60 * 60 * 1000;

export function inDays(days: number, extraMs = 60 * 60 * 1000): string {
  return new Date(Date.now() + days * DAY + extraMs).toISOString();
}

export const vclusterOrder = {
  name: 'alpha',
  env: 'dev',
  kind: 'vcluster',
  owner: 'group:default/team-payments',
  requestedBy: 'user:default/guest',
  orderedAt: '2026-11-20T08:15:00Z',
  template: 'template:default/dev-cluster',
  taskId: 'task-123',
  expiresAt: inDays(5),
};

export function pendingSyncStatus(): OrderStatus {
  return {
    entityRef: 'resource:default/dev-alpha',
    state: 'pending-sync',
    summary: 'Committed to Git; not applied yet',
    order: { ...vclusterOrder, expiresAt: inDays(5) },
    // what the backend knows from the orders repository: the name only
    application: { name: 'vcluster-alpha', namespace: 'argocd' },
    source: 'gitops',
  };
}

export function readyVClusterStatus(): OrderStatus {
  return {
    entityRef: 'resource:default/dev-alpha',
    state: 'ready',
    summary: 'The vCluster is installed and registered in Argo CD',
    order: { ...vclusterOrder, expiresAt: inDays(5) },
    application: {
      name: 'vcluster-alpha',
      namespace: 'argocd',
      health: 'Healthy',
      sync: 'Synced',
      revision: '0123456789abcdef0123456789abcdef01234567',
      url: 'https://argocd.example.com/applications/argocd/vcluster-alpha',
    },
    registration: {
      exists: true,
      name: 'cluster-dev-alpha',
      clusterName: 'dev-alpha',
      server: 'https://alpha.vc-alpha:443',
      env: 'dev',
    },
    source: 'cluster',
    observedAt: new Date(Date.now() - 3 * 60 * 1000).toISOString(),
  };
}

export function stackStatus(
  overrides: Partial<NonNullable<OrderStatus['stack']>> = {},
  state: OrderStatus['state'] = 'ready',
): OrderStatus {
  return {
    entityRef: 'resource:default/prod-orders-db',
    state,
    summary: 'The stack is up to date',
    order: {
      name: 'orders-db',
      env: 'prod',
      kind: 'database',
      owner: 'group:default/team-payments',
      orderedAt: '2026-11-20T08:15:00Z',
      template: 'template:default/database',
    },
    stack: {
      name: 'prod-orders-db',
      namespace: 'kebap-orders',
      stack: 'kebap/database/prod-orders-db',
      lastUpdateState: 'succeeded',
      lastSuccessfulCommit: 'fedcba9876543210fedcba9876543210fedcba98',
      lastUpdateTime: '2026-11-24T10:00:00Z',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ProcessingCompleted',
          summary: 'Ready: the stack is up to date',
        },
        {
          type: 'Reconciling',
          status: 'False',
          summary: 'Not updating',
        },
        { type: 'Stalled', status: 'False', summary: 'Not stalled' },
      ],
      outputs: [
        { name: 'endpoint', secret: false, value: 'orders-db.example:5432' },
      ],
      url: 'https://app.pulumi.com/kebap/database/prod-orders-db',
      ...overrides,
    },
    source: 'cluster',
  };
}
