import { mockServices } from '@backstage/backend-test-utils';
import { FakeKubernetesApi } from '../testing/FakeKubernetesApi';
import {
  KubernetesApiError,
  KubernetesClient,
  WatchEvent,
} from './KubernetesClient';

const stack = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'pulumi.com/v1',
  kind: 'Stack',
  metadata: { name, namespace: 'orders', labels },
  spec: { stack: `acme/${name}/dev` },
});
const ref = (name: string) => ({
  apiVersion: 'pulumi.com/v1',
  kind: 'Stack',
  namespace: 'orders',
  name,
});
const stacks = { apiVersion: 'pulumi.com/v1', kind: 'Stack' };

/** Collects watch events until `count` arrived, then aborts the watch. */
async function collect(
  client: KubernetesClient,
  options: Record<string, unknown>,
  count: number,
  act?: () => void | Promise<void>,
): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const abort = new AbortController();
  const done = client.watch(
    { ...stacks, ...options, signal: abort.signal },
    e => {
      events.push(e);
      if (events.length >= count) abort.abort();
    },
  );
  await act?.();
  await done;
  return events;
}

describe('watch (KubernetesClient and the API test double)', () => {
  let api: FakeKubernetesApi;
  let client: KubernetesClient;
  beforeEach(async () => {
    api = await FakeKubernetesApi.start({ historyLimit: 50 });
    client = new KubernetesClient({
      baseUrl: api.baseUrl,
      logger: mockServices.logger.mock(),
      retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 500 },
    });
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'orders' } },
      { manager: 'm' },
    );
  });
  afterEach(() => api.stop());

  it('lists with the collection version, then streams changes after it', async () => {
    api.seed(stack('a', { portal: 'yes' }), { manager: 'm' });
    const listed = await client.listWithVersion({
      ...stacks,
      labelSelector: 'portal=yes',
    });
    expect(listed.items.map(o => o.metadata.name)).toEqual(['a']);
    expect(Number(listed.resourceVersion)).toBeGreaterThan(0);

    const events = await collect(
      client,
      { labelSelector: 'portal=yes', resourceVersion: listed.resourceVersion },
      4,
      async () => {
        // ignored: not selected
        api.seed(stack('other', {}), { manager: 'm' });
        api.seed(stack('b', { portal: 'yes' }), { manager: 'm' });
        api.setStatus(ref('a'), { lastUpdate: { state: 'succeeded' } });
        // labels stop matching: the watch sees a deletion
        api.seed(stack('b', { portal: 'no' }), { manager: 'm' });
        api.remove(ref('a'));
      },
    );
    expect(events.map(e => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED b',
      'MODIFIED a',
      'DELETED b',
      'DELETED a',
    ]);
    expect((events[1].object as any).status.lastUpdate.state).toBe('succeeded');
    const versions = events.map(e => Number(e.object.metadata.resourceVersion));
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
  });

  it('replays what changed since the version a watch resumes from', async () => {
    const { resourceVersion } = await client.listWithVersion(stacks);
    api.seed(stack('a', {}), { manager: 'm' });
    api.setStatus(ref('a'), { conditions: [] });
    const events = await collect(client, { resourceVersion }, 2);
    expect(events.map(e => e.type)).toEqual(['ADDED', 'MODIFIED']);
  });

  it('starts with the current objects when no version is given', async () => {
    api.seed(stack('a', {}), { manager: 'm' });
    const events = await collect(client, {}, 1);
    expect(events.map(e => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED a',
    ]);
  });

  it('answers 410 Gone for a version older than the history', async () => {
    const { resourceVersion } = await client.listWithVersion(stacks);
    api.seed(stack('a', {}), { manager: 'm' });
    api.compactHistory();
    const error = await client
      .watch({ ...stacks, resourceVersion }, () => {})
      .catch(e => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    expect(error.status).toBe(410);
    expect(error.message).toMatch(/too old resource version/);
  });

  it('ends the stream after timeoutSeconds and on a dropped connection', async () => {
    await expect(
      client.watch({ ...stacks, timeoutSeconds: 1 }, () => {}),
    ).resolves.toBeUndefined();
    const watching = client.watch(stacks, () => {});
    await new Promise(r => setTimeout(r, 50));
    expect(api.openWatches).toBe(1);
    api.closeWatches();
    await expect(watching).rejects.toThrow(/aborted|closed|reset|hang up/);
  });

  it('keeps the status an operator wrote when the portal applies again', async () => {
    await client.apply(stack('a', {}), { fieldManager: 'kebap-portal' });
    api.setStatus(ref('a'), { lastUpdate: { state: 'failed' } });
    const again = await client.apply(
      { ...stack('a', {}), spec: { stack: 'acme/a/prod' } },
      { fieldManager: 'kebap-portal' },
    );
    expect((again as any).status).toEqual({ lastUpdate: { state: 'failed' } });
  });
});
