import { mockServices } from '@backstage/backend-test-utils';
import { FakeKubernetesApi } from '../testing/FakeKubernetesApi';
import { KubernetesClient } from './KubernetesClient';

const ns = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});

describe('KubernetesClient against the API test double', () => {
  let api: FakeKubernetesApi;
  let client: KubernetesClient;
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    client = new KubernetesClient({
      baseUrl: api.baseUrl,
      logger: mockServices.logger.mock(),
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 200 },
    });
  });
  afterEach(() => api.stop());

  it('applies with server-side apply, reads back, lists by label and deletes', async () => {
    const created = await client.apply(ns('team-a', { tier: 'dev' }), {
      fieldManager: 'kebap-portal',
    });
    expect(created.metadata).toMatchObject({
      name: 'team-a',
      labels: { tier: 'dev' },
    });
    expect(api.calls.at(-1)).toMatchObject({
      method: 'PATCH',
      path: '/api/v1/namespaces/team-a',
      query: '?fieldManager=kebap-portal',
      status: 201,
    });
    await client.apply(ns('team-b', { tier: 'prod' }), {
      fieldManager: 'kebap-portal',
    });
    expect(
      (
        await client.get({
          apiVersion: 'v1',
          kind: 'Namespace',
          name: 'team-a',
        })
      )?.metadata.name,
    ).toBe('team-a');
    expect(
      await client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'nope' }),
    ).toBeUndefined();
    const dev = await client.list({
      apiVersion: 'v1',
      kind: 'Namespace',
      labelSelector: 'tier in (dev,test)',
    });
    expect(dev.map(o => o.metadata.name)).toEqual(['team-a']);
    expect(
      await client.delete({
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'team-a',
      }),
    ).toBeDefined();
    // gone: a second delete finds nothing
    expect(
      await client.delete({
        apiVersion: 'v1',
        kind: 'Namespace',
        name: 'team-a',
      }),
    ).toBeUndefined();
  });

  it('maps a missing namespace to NotFoundError and a bad name to InputError', async () => {
    const quota = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'q', namespace: 'missing' },
    };
    await expect(
      client.apply(quota, { fieldManager: 'm' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining('namespaces "missing" not found'),
    });
    await expect(
      client.apply(ns('Bad_Name'), { fieldManager: 'm' }),
    ).rejects.toMatchObject({ name: 'InputError' });
  });

  it('maps a field-ownership conflict to ConflictError and does not retry it', async () => {
    api.seed(
      {
        ...ns('team-a'),
        metadata: { name: 'team-a', labels: { owner: 'someone' } },
      },
      { manager: 'kubectl' },
    );
    await expect(
      client.apply(ns('team-a', { owner: 'portal' }), {
        fieldManager: 'kebap-portal',
      }),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining(
        'conflict with "kubectl": .metadata.labels.owner',
      ),
    });
    expect(api.calls.filter(c => c.method === 'PATCH')).toHaveLength(1);
  });

  it.each([
    ['a 503', { status: 503 }],
    ['a 429 with Retry-After', { status: 429, retryAfterSeconds: 0 }],
    ['a connection reset', 'reset' as const],
    ['a timeout', 'timeout' as const],
  ])('retries after %s and succeeds', async (_name, fault) => {
    api.injectFault({ method: 'PATCH', times: 2, fault: fault as any });
    await client.apply(ns('team-a'), { fieldManager: 'kebap-portal' });
    expect(
      api.calls.filter(c => c.method === 'PATCH').map(c => c.status),
    ).toEqual([
      typeof fault === 'string' ? fault : fault.status,
      typeof fault === 'string' ? fault : fault.status,
      201,
    ]);
  });

  it('gives up after the configured attempts with a clear message', async () => {
    api.injectFault({ method: 'PATCH', times: 5, fault: { status: 500 } });
    await expect(
      client.apply(ns('team-a'), { fieldManager: 'kebap-portal' }),
    ).rejects.toThrow('apply v1/Namespace/team-a: injected fault (HTTP 500)');
    expect(api.calls.filter(c => c.method === 'PATCH')).toHaveLength(3);
    api.reset();
    api.injectFault({ method: 'GET', times: 5, fault: 'reset' });
    await expect(
      client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'x' }),
    ).rejects.toThrow(/GET \/api\/v1\/namespaces\/x failed after 3 attempts/);
  });

  it('refuses kinds the portal does not write', async () => {
    await expect(
      client.apply(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'x', namespace: 'y' },
        },
        { fieldManager: 'm' },
      ),
    ).rejects.toThrow('kind: the portal does not write apps/v1 Deployment');
    expect(api.calls).toEqual([]);
  });
});
