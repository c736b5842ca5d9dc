import { getEventListeners } from 'node:events';
import { mockServices } from '@backstage/backend-test-utils';
import { FakeKubernetesApi } from '../testing/FakeKubernetesApi';
import { KubernetesClient } from './KubernetesClient';
import { Informer, InformerChange } from './Informer';

const stack = (name: string) => ({
  apiVersion: 'pulumi.com/v1',
  kind: 'Stack',
  metadata: { name, namespace: 'orders', labels: { portal: 'yes' } },
});
const ref = (name: string) => ({
  apiVersion: 'pulumi.com/v1',
  kind: 'Stack',
  namespace: 'orders',
  name,
});

async function until(check: () => boolean, what: string, ms = 3000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

describe('Informer', () => {
  let api: FakeKubernetesApi;
  let informer: Informer;
  let changes: InformerChange[];
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'orders' } },
      { manager: 'm' },
    );
    api.seed(stack('a'), { manager: 'm' });
    changes = [];
    informer = new Informer({
      client: new KubernetesClient({
        baseUrl: api.baseUrl,
        logger: mockServices.logger.mock(),
        retry: { attempts: 1, baseDelayMs: 5, maxDelayMs: 5, timeoutMs: 500 },
      }),
      collection: {
        apiVersion: 'pulumi.com/v1',
        kind: 'Stack',
        labelSelector: 'portal=yes',
      },
      logger: mockServices.logger.mock(),
      backoff: { initialMs: 20, maxMs: 100 },
      onChange: c => changes.push(c),
    });
  });
  afterEach(async () => {
    await informer.stop();
    await api.stop();
  });

  const names = () =>
    informer
      .list()
      .map(o => o.metadata.name)
      .sort();

  it('lists once, then follows watch events without listing again', async () => {
    informer.start();
    expect(await informer.waitForSync(2000)).toBe(true);
    expect(names()).toEqual(['a']);
    api.seed(stack('b'), { manager: 'm' });
    api.setStatus(ref('a'), { lastUpdate: { state: 'succeeded' } });
    await until(
      () =>
        names().length === 2 &&
        (informer.list().find(o => o.metadata.name === 'a') as any)?.status,
      'b and the status of a',
    );
    api.remove(ref('b'));
    await until(() => names().length === 1, 'b to go');
    expect(changes.map(c => `${c.type} ${c.object.metadata.name}`)).toEqual([
      'ADDED a',
      'ADDED b',
      'MODIFIED a',
      'DELETED b',
    ]);
    expect(informer.lists).toBe(1);
    expect(
      api.calls.filter(c => c.method === 'GET' && !/watch=/.test(c.query)),
    ).toHaveLength(1);
  });

  it('resumes from the last version after a dropped watch, re-lists on 410 Gone', async () => {
    informer.start();
    await informer.waitForSync(2000);
    api.closeWatches();
    api.seed(stack('b'), { manager: 'm' });
    await until(() => names().length === 2, 'b after reconnecting');

    // miss changes and lose the history: the watch answers 410, the informer lists
    await informer.stop();
    api.seed(stack('c'), { manager: 'm' });
    api.remove(ref('a'));
    api.compactHistory();
    changes.length = 0;
    informer.start();
    await until(() => names().join() === 'b,c', 'the re-listed copy');
    expect(changes.map(c => `${c.type} ${c.object.metadata.name}`)).toEqual([
      'ADDED c',
      'DELETED a',
    ]);
  });

  it('is not synced while the API fails, and recovers with backoff', async () => {
    api.injectFault({ method: 'GET', times: 3, fault: { status: 503 } });
    informer.start();
    await until(() => informer.lastError !== undefined, 'a failure');
    expect(informer.synced).toBe(false);
    expect(await informer.waitForSync(3000)).toBe(true);
    expect(names()).toEqual(['a']);
    expect(informer.lastError).toBeUndefined();
  });

  it('keeps no abort listener of a backoff that is over (a long outage does not pile them up)', async () => {
    api.injectFault({ method: 'GET', times: 15, fault: { status: 503 } });
    informer.start();
    expect(await informer.waitForSync(5000)).toBe(true);
    await until(() => api.openWatches === 1, 'the watch');
    // the open watch's own listener, nothing of the 15 backoffs before it
    const signal: AbortSignal = (informer as any).abort.signal;
    expect(getEventListeners(signal, 'abort').length).toBeLessThanOrEqual(1);
  });

  it('backs off when every watch fails although listing works', async () => {
    const client = (informer as any).client;
    let lists = 0;
    const list = client.listWithVersion.bind(client);
    client.listWithVersion = async (o: any) => {
      lists++;
      return list(o);
    };
    client.watch = async () => {
      throw new Error('watch forbidden');
    };
    informer.start();
    await new Promise(r => setTimeout(r, 400));
    // 20 ms doubling up to 100 ms: about 6 LISTs in 400 ms, not 20
    expect(lists).toBeGreaterThanOrEqual(2);
    expect(lists).toBeLessThanOrEqual(8);
    expect(informer.synced).toBe(true);
    expect(informer.lastError).toBe('watch forbidden');
  });
});
