import { mockServices } from '@backstage/backend-test-utils';
import { FakeKubernetesApi } from '../testing/FakeKubernetesApi';
import { KubernetesClient } from '../kubernetes/KubernetesClient';
import { KebapClusterCache, OrderChange } from './KebapClusterCache';

const labels = (order: string) => ({
  'app.kubernetes.io/managed-by': 'kebap-portal',
  'kebap.io/order': order,
  'kebap.io/env': 'dev',
});

async function until(check: () => boolean, what: string) {
  const end = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

describe('KebapClusterCache', () => {
  let api: FakeKubernetesApi;
  let cache: KebapClusterCache;
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    for (const name of ['argocd', 'other', 'orders'])
      api.seed(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { manager: 'test' },
      );
    cache = new KebapClusterCache({
      clusters: [
        {
          name: 'hub',
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
      argocdNamespace: 'argocd',
    });
  });
  afterEach(async () => {
    await cache.stop();
    await api.stop();
  });

  const secret = (namespace: string, order: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `cluster-dev-${order}`,
      namespace,
      labels: { ...labels(order), 'argocd.argoproj.io/secret-type': 'cluster' },
    },
    data: {
      name: Buffer.from(`dev-${order}`).toString('base64'),
      server: Buffer.from('https://x').toString('base64'),
      config: Buffer.from('{"bearerToken":"t0ken"}').toString('base64'),
    },
  });

  it('indexes by order and never lists or watches a Secret, labelled like the portal’s or not', async () => {
    api.seed(secret('argocd', 'alpha'), { manager: 'eso' });
    // the registration is read from the ExternalSecret that keeps the Secret
    api.seed(
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          name: 'cluster-dev-alpha',
          namespace: 'argocd',
          labels: labels('alpha'),
        },
        spec: { target: { name: 'cluster-dev-alpha' } },
      },
      { manager: 'kebap-portal' },
    );
    cache.start();
    expect(await cache.waitForSync(3000)).toBe(true);
    expect(cache.state()).toEqual([{ cluster: 'hub', synced: true }]);
    const [alpha] = cache.order('alpha', 'dev');
    expect(alpha.cluster).toBe('hub');
    expect(alpha.objects.map(o => o.kind)).toEqual(['ExternalSecret']);
    expect(JSON.stringify(cache.orders())).not.toContain(
      Buffer.from('{"bearerToken":"t0ken"}').toString('base64'),
    );
    expect(api.calls.filter(c => /\/secrets(\?|\/|$)/.test(c.path))).toEqual(
      [],
    );
  });

  it('moves an object between orders when its labels change, and tells listeners', async () => {
    const changes: OrderChange[] = [];
    cache.onChange(c => changes.push(c));
    cache.start();
    await cache.waitForSync(3000);
    const stack = (order: string) => ({
      apiVersion: 'pulumi.com/v1',
      kind: 'Stack',
      metadata: { name: 's', namespace: 'orders', labels: labels(order) },
    });
    api.seed(stack('a'), { manager: 'kebap-portal' });
    await until(() => cache.order('a', 'dev').length === 1, 'a');
    api.seed(stack('b'), { manager: 'kebap-portal' });
    await until(() => cache.order('b', 'dev').length === 1, 'b');
    expect(cache.order('a', 'dev')).toEqual([]);
    expect(cache.order('b', 'dev')[0].observedAt).toEqual(expect.any(String));
    expect(changes.map(c => c.order)).toEqual(['a', 'a', 'b']);
  });
});
