import { mockServices } from '@backstage/backend-test-utils';
import { orderMetadata } from '@internal/plugin-kebap-common';
import {
  KebapClusterCache,
  KubernetesClient,
} from '@internal/plugin-kebap-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { KebapClusterEntityProvider } from './KebapClusterEntityProvider';

const meta = (name: string, kind: string) =>
  orderMetadata({
    orderName: name,
    owner: 'group:default/team-payments',
    entityRef: `resource:default/dev-${name}`,
    env: 'dev',
    kind,
  });

const stack = (name: string) => {
  const m = meta(name, 'database');
  return {
    apiVersion: 'pulumi.com/v1',
    kind: 'Stack',
    metadata: {
      name: `dev-${name}-database`,
      namespace: 'kebap-orders',
      labels: m.labels,
      annotations: m.annotations,
    },
    spec: { stack: `acme/db/dev-${name}` },
  };
};
const stackRef = (name: string) => ({
  apiVersion: 'pulumi.com/v1',
  kind: 'Stack',
  namespace: 'kebap-orders',
  name: `dev-${name}-database`,
});

describe('KebapClusterEntityProvider (against the API test double)', () => {
  let api: FakeKubernetesApi;
  let cache: KebapClusterCache;
  let mutations: any[];
  let provider: KebapClusterEntityProvider;

  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    for (const name of ['kebap-orders', 'argocd'])
      api.seed(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { manager: 'test' },
      );
    cache = new KebapClusterCache({
      clusters: [
        {
          name: 'control-plane',
          client: new KubernetesClient({
            baseUrl: api.baseUrl,
            logger: mockServices.logger.mock(),
            retry: {
              attempts: 1,
              baseDelayMs: 5,
              maxDelayMs: 5,
              timeoutMs: 500,
            },
          }),
        },
      ],
      logger: mockServices.logger.mock(),
      backoff: { initialMs: 20, maxMs: 50 },
    });
    mutations = [];
  });
  afterEach(async () => {
    provider?.close();
    await cache.stop();
    await api.stop();
  });

  async function connect(skip?: () => ReadonlySet<string> | undefined) {
    provider = new KebapClusterEntityProvider({
      cache,
      logger: mockServices.logger.mock(),
      skip,
      debounceMs: 10,
    });
    await provider.connect({
      applyMutation: async m => void mutations.push(m),
      refresh: async () => {},
    });
  }
  const names = (m: any) => m.entities.map((e: any) => e.entity.metadata.name);
  async function until(check: () => boolean, what: string) {
    const end = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise(r => setTimeout(r, 10));
    }
  }

  it('emits an entity per labelled order; a status change emits nothing; a deletion removes it', async () => {
    api.seed(stack('orders'), { manager: 'kebap-portal' });
    // a dev cluster whose registration exists but whose Application is gone
    // (the registration's ExternalSecret: the cache watches no Secret)
    const vc = meta('alpha', 'vcluster');
    api.seed(
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          name: 'cluster-dev-alpha',
          namespace: 'argocd',
          labels: vc.labels,
          annotations: vc.annotations,
        },
        spec: {
          target: {
            name: 'cluster-dev-alpha',
            template: {
              metadata: {
                labels: {
                  ...vc.labels,
                  'argocd.argoproj.io/secret-type': 'cluster',
                },
              },
              data: {
                name: 'dev-alpha',
                server: 'https://alpha.vc-alpha.svc:443',
              },
            },
          },
        },
      },
      { manager: 'kebap-portal' },
    );
    // not the portal's: ignored
    api.seed(
      {
        ...stack('other'),
        metadata: { ...stack('other').metadata, labels: {} },
      },
      { manager: 'kubectl' },
    );
    cache.start();
    await connect();
    await until(() => mutations.length === 1, 'the first mutation');
    expect(mutations[0].type).toBe('full');
    expect(names(mutations[0])).toEqual(['dev-alpha', 'dev-orders']);
    const orders = mutations[0].entities[1];
    expect(orders.locationKey).toBe('kebap-orders');
    expect(orders.entity).toMatchObject({
      kind: 'Resource',
      metadata: {
        annotations: {
          'backstage.io/managed-by-location':
            'kebap-cluster:control-plane/dev/orders',
          'kebap.io/order': 'orders',
          'kebap.io/env': 'dev',
          'backstage.io/kubernetes-id': 'dev-orders',
        },
      },
      spec: { type: 'database', owner: 'group:default/team-payments' },
    });
    expect(JSON.stringify(mutations)).not.toContain('bearerToken');

    api.setStatus(stackRef('orders'), { lastUpdate: { state: 'succeeded' } });
    api.seed(stack('beta'), { manager: 'kebap-portal' });
    await until(() => mutations.length === 2, 'beta');
    expect(names(mutations[1])).toEqual([
      'dev-alpha',
      'dev-beta',
      'dev-orders',
    ]);

    api.remove(stackRef('orders'));
    await until(() => mutations.length === 3, 'the deletion');
    expect(names(mutations[2])).toEqual(['dev-alpha', 'dev-beta']);
    // the status write alone never produced a mutation
    expect(mutations).toHaveLength(3);
  });

  it('leaves out what the orders repository emits, and waits until it has read', async () => {
    api.seed(stack('orders'), { manager: 'kebap-portal' });
    api.seed(stack('stray'), { manager: 'kebap-portal' });
    const skip: { names?: Set<string> } = {};
    cache.start();
    await cache.waitForSync(3000);
    await connect(() => skip.names);
    expect(await provider.refresh()).toBeUndefined();
    skip.names = new Set(['dev-orders']);
    const emitted = await provider.refresh();
    expect(emitted?.map(e => e.metadata.name)).toEqual(['dev-stray']);
  });

  it('emits nothing while the cluster cannot be read', async () => {
    api.injectFault({ method: 'GET', times: 1000, fault: { status: 503 } });
    cache.start();
    await connect();
    await until(() => cache.state()[0].lastError !== undefined, 'a failure');
    expect(await provider.refresh()).toBeUndefined();
    expect(mutations).toHaveLength(0);
  });
});
