import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LoggerService } from '@backstage/backend-plugin-api';
import type { OrderObject } from '@internal/plugin-kebap-common';
import { KubeConfig } from '@kubernetes/client-node';
import { describeRealKubernetes } from '../testing/RealKubernetes';
import { KebapClusterCache } from '../cache/KebapClusterCache';
import {
  KubernetesApiError,
  KubernetesClient,
  RetryOptions,
} from './KubernetesClient';
import { Informer, InformerChange } from './Informer';

const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../../../..');

/** A logger that keeps its lines (warnings and up) for assertions. */
function keptLogger(lines: string[] = []): LoggerService & { lines: string[] } {
  const logger: LoggerService & { lines: string[] } = {
    lines,
    error: m => void lines.push(`error: ${m}`),
    warn: m => void lines.push(`warn: ${m}`),
    info: m => void lines.push(`info: ${m}`),
    debug: () => {},
    child: () => logger,
  };
  return logger;
}

/** Polls `check` every 50 ms until it holds; fails after `ms` naming `what`. */
async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 30_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

const STACK = { apiVersion: 'pulumi.com/v1', kind: 'Stack' };
const stack = (
  namespace: string,
  name: string,
  labels: Record<string, string>,
) =>
  ({
    ...STACK,
    metadata: { name, namespace, labels },
    spec: { stack: `acme/${name}/dev` },
  } as OrderObject);
const stackRef = (namespace: string, name: string) => ({
  ...STACK,
  namespace,
  name,
});
const versionOf = (o: OrderObject) =>
  BigInt((o.metadata as { resourceVersion?: string }).resourceVersion ?? '0');
const statusOf = (o?: OrderObject) => (o as any)?.status;
const names = (informer: Informer) =>
  informer
    .list()
    .map(o => o.metadata.name)
    .sort();
const summary = (changes: InformerChange[]) =>
  changes.map(c => `${c.type} ${c.object.metadata.name}`);

function newInformer(
  client: KubernetesClient,
  options: Partial<ConstructorParameters<typeof Informer>[0]> & {
    collection: ConstructorParameters<typeof Informer>[0]['collection'];
  },
) {
  const changes: InformerChange[] = [];
  const logger = keptLogger();
  const informer = new Informer({
    client,
    logger,
    backoff: { initialMs: 100, maxMs: 1000 },
    onChange: c => changes.push(c),
    ...options,
  });
  return { informer, changes, logger };
}

/** The few things the tests need of a server they started themselves. */
function ownServer(kubeconfigPath: string) {
  const client = (retry: Partial<RetryOptions> = {}) => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    return KubernetesClient.fromKubeConfig(kc, {
      logger: keptLogger(),
      retry: { attempts: 2, baseDelayMs: 50, ...retry },
    });
  };
  return {
    client,
    async ensureNamespaces(...namespaces: string[]) {
      for (const name of namespaces)
        await client().apply(
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name },
          } as OrderObject,
          { fieldManager: 'kebap-test-harness' },
        );
    },
    setStatus(
      ref: ReturnType<typeof stackRef> & { status: Record<string, unknown> },
    ) {
      return client().patchStatus(ref, ref.status);
    },
  };
}

describeRealKubernetes('Informer against the real API server', kube => {
  const started: Informer[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map(i => i.stop()));
  });
  const start = (i: Informer) => {
    started.push(i);
    i.start();
    return i;
  };

  it('follows ADDED, MODIFIED (a /status write, a label change) and DELETED of Stacks from a real watch, listing once', async () => {
    const ns = kube().uniqueName();
    const sel = kube().uniqueName('sel');
    await kube().ensureNamespaces(ns);
    const client = kube().client();
    const labels = { 'kt-informer': sel };
    await client.apply(stack(ns, 'a', labels), {
      fieldManager: 'kebap-portal',
    });
    const { informer, changes } = newInformer(client, {
      collection: {
        ...STACK,
        namespace: ns,
        labelSelector: `kt-informer=${sel}`,
      },
    });
    start(informer);
    expect(await informer.waitForSync(10_000)).toBe(true);
    expect(names(informer)).toEqual(['a']);

    await client.apply(stack(ns, 'b', labels), {
      fieldManager: 'kebap-portal',
    });
    await kube().setStatus({
      ...stackRef(ns, 'a'),
      status: { lastUpdate: { state: 'succeeded', generation: 1 } },
    });
    await until(
      () =>
        names(informer).join() === 'a,b' &&
        statusOf(informer.list().find(o => o.metadata.name === 'a'))?.lastUpdate
          ?.state === 'succeeded',
      'b and the status of a',
    );
    // labels that stop matching the selector: the watch says DELETED
    await client.apply(stack(ns, 'b', { 'kt-informer': 'other' }), {
      fieldManager: 'kebap-portal',
    });
    await until(
      () => names(informer).join() === 'a',
      'b to leave the selection',
    );
    // a real deletion (Foreground: a finalizer first, removed by the garbage collector)
    await client.delete(stackRef(ns, 'a'));
    await until(() => names(informer).length === 0, 'a to be deleted');

    const seen = summary(changes);
    expect(seen[0]).toBe('ADDED a');
    expect(seen).toContain('ADDED b');
    expect(seen.indexOf('MODIFIED a')).toBeGreaterThan(0);
    expect(seen.slice(-1)).toEqual(['DELETED a']);
    expect(seen.filter(s => s === 'DELETED b')).toHaveLength(1);
    const modified = changes.find(
      c => c.type === 'MODIFIED' && statusOf(c.object),
    );
    expect(statusOf(modified?.previous)).toBeUndefined();
    expect(informer.lists).toBe(1);
    // resourceVersions of what the watch delivered only grow
    const versions = changes.map(c => versionOf(c.object));
    expect(versions.every((v, i) => i === 0 || versions[i - 1] < v)).toBe(true);
  });

  it('follows a built-in kind (Secret) in one namespace', async () => {
    const ns = kube().uniqueName();
    await kube().ensureNamespaces(ns);
    const client = kube().client();
    const secret = (name: string, value: string) =>
      ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name,
          namespace: ns,
          labels: { 'kt-informer': 'selected' },
        },
        stringData: { value },
      } as OrderObject);
    const { informer, changes } = newInformer(client, {
      collection: {
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: ns,
        labelSelector: 'kt-informer=selected',
      },
    });
    start(informer);
    expect(await informer.waitForSync(10_000)).toBe(true);
    expect(names(informer)).toEqual([]);
    await client.apply(secret('s', 'one'), { fieldManager: 'kebap-portal' });
    await until(() => names(informer).join() === 's', 's');
    await client.apply(secret('s', 'two'), { fieldManager: 'kebap-portal' });
    const value = () =>
      Buffer.from(
        String((informer.list()[0]?.data as any)?.value ?? ''),
        'base64',
      ).toString();
    await until(() => value() === 'two', 'the new value of s');
    await client.delete({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: ns,
      name: 's',
    });
    await until(() => names(informer).length === 0, 's to go');
    expect(summary(changes)).toEqual(['ADDED s', 'MODIFIED s', 'DELETED s']);
  });

  it('asks for bookmarks and moves its resourceVersion on with them, telling no listener', async () => {
    const ns = kube().uniqueName();
    await kube().ensureNamespaces(ns);
    const client = kube().client();
    const watchedFrom: string[] = [];
    const realWatch = client.watch.bind(client);
    client.watch = (options, onEvent) => {
      watchedFrom.push(options.resourceVersion ?? '');
      return realWatch(options, onEvent);
    };
    const { informer, changes } = newInformer(client, {
      collection: {
        ...STACK,
        namespace: ns,
        labelSelector: 'kt-informer=bookmarked',
      },
      // the API server sends a bookmark 2 s before a watch's timeout (else once a minute)
      watchTimeoutSeconds: 5,
    });
    start(informer);
    expect(await informer.waitForSync(10_000)).toBe(true);
    const listedAt = BigInt(informer.resourceVersion!);
    // a Stack the selection does not hold: the watch sends nothing for it,
    // but the server's watch cache moves on, and a bookmark says so
    const other = await client.apply(
      stack(ns, 'unselected', { 'kt-informer': 'unselected' }),
      {
        fieldManager: 'kebap-portal',
      },
    );
    expect(versionOf(other)).toBeGreaterThan(listedAt);
    await until(
      () =>
        informer.bookmarks > 0 &&
        BigInt(informer.resourceVersion!) >= versionOf(other),
      'a bookmark at or after the unselected Stack',
      20_000,
    );
    // the next watch resumes from the bookmark's version, not the LIST's
    await until(
      () => watchedFrom.slice(1).some(v => BigInt(v) >= versionOf(other)),
      'a watch from the bookmark’s version',
      20_000,
    );
    expect(changes).toEqual([]);
    expect(informer.list()).toEqual([]);
    expect(informer.lists).toBe(1);
  });

  // Only with the shared control plane's scripts (KEBAP_TEST_KUBE_UP): a
  // user's own cluster (KEBAP_TEST_KUBECONFIG) cannot be restarted.
  const up = process.env.KEBAP_TEST_KUBE_UP;
  const down = process.env.KEBAP_TEST_KUBE_DOWN;
  if ((!up || !down) && process.env.KEBAP_TEST_KUBECONFIG)
    // eslint-disable-next-line no-console
    console.warn(
      'Skipping the 410 Gone and restart tests of the Informer: KEBAP_TEST_KUBE_UP/KEBAP_TEST_KUBE_DOWN are not set (the harness did not start ../shared/kube; a cluster of KEBAP_TEST_KUBECONFIG is not restarted)',
    );
  // eslint-disable-next-line jest/no-disabled-tests
  const describeOwnServer = up && down ? describe : describe.skip;
  describeOwnServer(
    'on an API server of its own (Secrets watched from etcd, compacted every 2 s; restarted)',
    () => {
      let state: string | undefined;
      let own: ReturnType<typeof ownServer>;
      const env = {
        ...process.env,
        // Secrets skip the watch cache: their watches are served by etcd, which
        // forgets versions older than the last compaction (410 Gone). Stacks
        // keep the watch cache, as on any cluster.
        KUBE_APISERVER_EXTRA_ARGS:
          '--etcd-compaction-interval=2s --watch-cache-sizes=secrets#0',
      };
      const startServer = () => run(up!, [state!], { env, timeout: 180_000 });
      const stopServer = (...args: string[]) =>
        run(down!, [state!, ...args], { env, timeout: 60_000 });

      beforeAll(async () => {
        state = fs.mkdtempSync(path.join(os.tmpdir(), 'kebap-informer-kube-'));
        await startServer();
        await run(
          process.execPath,
          [
            path.join(repoRoot, 'scripts/lib/install-crds.mjs'),
            path.join(state, 'kubeconfig'),
          ],
          { timeout: 120_000 },
        );
        own = ownServer(path.join(state, 'kubeconfig'));
      }, 300_000);
      afterAll(async () => {
        if (state) await stopServer('--purge');
      }, 120_000);

      /** Holds a client's calls of `method` while closed. */
      function gateOf<M extends 'watch' | 'listWithVersion'>(
        client: KubernetesClient,
        method: M,
      ) {
        let release = () => {};
        let closed: Promise<void> | undefined;
        const calledWith: Array<Parameters<KubernetesClient[M]>[0]> = [];
        const real = (client[method] as (...a: unknown[]) => unknown).bind(
          client,
        );
        (client as any)[method] = async (...args: any[]) => {
          await closed;
          calledWith.push(args[0]);
          return real(...args);
        };
        return {
          calledWith,
          close() {
            closed = new Promise<void>(r => (release = r));
          },
          open() {
            release();
            closed = undefined;
          },
        };
      }

      const secret = (namespace: string, name: string, value: string) =>
        ({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace, labels: { 'kt-informer': 'gone' } },
          stringData: { value },
        } as OrderObject);
      const secretRef = (namespace: string, name: string) => ({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace,
        name,
      });

      /** Writes a Secret elsewhere until a watch from `version` is refused with 410. */
      async function compactPast(version: string) {
        const client = own.client();
        await own.ensureNamespaces('kt-churn');
        let n = 0;
        await until(
          async () => {
            await client.apply(secret('kt-churn', 'churn', String(n++)), {
              fieldManager: 'kebap-test',
            });
            const error = await client
              .watch(
                {
                  apiVersion: 'v1',
                  kind: 'Secret',
                  resourceVersion: version,
                  timeoutSeconds: 1,
                },
                () => {},
              )
              .then(
                () => undefined,
                e => e,
              );
            return error instanceof KubernetesApiError && error.status === 410;
          },
          `etcd to compact past version ${version}`,
          60_000,
        );
      }

      it('re-lists after a real 410 Gone (a watch resuming from a version etcd compacted) and is right afterwards', async () => {
        const ns = kube().uniqueName();
        await own.ensureNamespaces(ns);
        const client = own.client();
        for (const name of ['a', 'b'])
          await client.apply(secret(ns, name, 'one'), {
            fieldManager: 'kebap-portal',
          });
        const watches = gateOf(client, 'watch');
        const { informer, changes, logger } = newInformer(client, {
          collection: {
            apiVersion: 'v1',
            kind: 'Secret',
            namespace: ns,
            labelSelector: 'kt-informer=gone',
          },
          watchTimeoutSeconds: 2,
        });
        start(informer);
        expect(await informer.waitForSync(10_000)).toBe(true);
        expect(names(informer)).toEqual(['a', 'b']);

        // the informer's next watch (from the version it holds) waits at the gate
        watches.close();
        const watchesBefore = informer.watches;
        await until(
          () => informer.watches > watchesBefore,
          'the informer to be at the gate',
        );
        const held = informer.resourceVersion!;
        // meanwhile: a deleted, b changed, c created; then etcd compacts
        try {
          await client.delete(secretRef(ns, 'a'), {
            propagationPolicy: 'Background',
          });
          await client.apply(secret(ns, 'b', 'two'), {
            fieldManager: 'kebap-portal',
          });
          await client.apply(secret(ns, 'c', 'one'), {
            fieldManager: 'kebap-portal',
          });
          await compactPast(held);
        } finally {
          changes.length = 0;
          watches.open();
        }

        await until(
          () => names(informer).join() === 'b,c',
          'the re-listed copy',
        );
        expect(watches.calledWith.map(o => o.resourceVersion)).toContain(held);
        expect(logger.lines.join('\n')).toContain(`expired at version ${held}`);
        expect(informer.lists).toBe(2);
        const value = (name: string) =>
          Buffer.from(
            String(
              (informer.list().find(o => o.metadata.name === name)?.data as any)
                ?.value,
            ),
            'base64',
          ).toString();
        expect(value('b')).toBe('two');
        expect(summary(changes).sort()).toEqual([
          'ADDED c',
          'DELETED a',
          'MODIFIED b',
        ]);
        expect(informer.synced).toBe(true);
        // and it watches again, from the new LIST
        await client.apply(secret(ns, 'd', 'one'), {
          fieldManager: 'kebap-portal',
        });
        await until(
          () => names(informer).join() === 'b,c,d',
          'd from the new watch',
        );
        expect(informer.lists).toBe(2);
      });

      it('recovers by itself from an API server restart; the cache then holds what changed while it was cut off', async () => {
        const ns = kube().uniqueName();
        await own.ensureNamespaces(ns);
        const orderLabels = (order: string) => ({
          'app.kubernetes.io/managed-by': 'kebap-portal',
          'kebap.io/order': order,
          'kebap.io/env': 'dev',
        });
        const writer = own.client();
        for (const name of ['one', 'three'])
          await writer.apply(stack(ns, name, orderLabels(name)), {
            fieldManager: 'kebap-portal',
          });

        // the cache: its informers' LISTs wait at a gate while it is closed
        const client = own.client({ timeoutMs: 2000 });
        const lists = gateOf(client, 'listWithVersion');
        const cache = new KebapClusterCache({
          clusters: [{ name: 'own', client }],
          logger: keptLogger(),
          argocdNamespace: ns,
          backoff: { initialMs: 200, maxMs: 2000 },
        });
        const synced: boolean[] = [];
        cache.onStateChange(() => {
          const now = cache.state()[0].synced;
          if (synced[synced.length - 1] !== now) synced.push(now);
        });
        const cachedState = (order: string) =>
          cache
            .order(order, 'dev')[0]
            ?.objects.map(o => statusOf(o)?.lastUpdate?.state ?? 'none')
            .join();
        // and one informer whose next watch waits across the restart
        const other = own.client();
        const watches = gateOf(other, 'watch');
        const { informer, logger } = newInformer(other, {
          collection: { ...STACK, namespace: ns },
          watchTimeoutSeconds: 2,
        });
        cache.start();
        start(informer);
        try {
          expect(await cache.waitForSync(20_000)).toBe(true);
          expect(await informer.waitForSync(20_000)).toBe(true);
          await own.setStatus({
            ...stackRef(ns, 'one'),
            status: { lastUpdate: { state: 'running' } },
          });
          await until(() => cachedState('one') === 'running', 'one’s status');
          await until(
            () =>
              statusOf(informer.list().find(o => o.metadata.name === 'one')) !==
              undefined,
            'one’s status in the informer',
          );
          watches.close();
          const watchesBefore = informer.watches;
          await until(
            () => informer.watches > watchesBefore,
            'the informer at its gate',
          );
          const held = informer.resourceVersion!;
          const listsBefore = cache.requestCounts().lists;

          await stopServer();
          await until(() => !cache.state()[0].synced, 'the cache to notice');
          expect(cache.state()[0].lastError).toMatch(
            /ECONNREFUSED|closed|reset/,
          );
          // cut off until the changes below are made (the informers keep
          // trying on their own; their next LIST waits here)
          lists.close();
          await startServer();
          await own.setStatus({
            ...stackRef(ns, 'one'),
            status: { lastUpdate: { state: 'succeeded' } },
          });
          await writer.apply(stack(ns, 'two', orderLabels('two')), {
            fieldManager: 'kebap-portal',
          });
          await writer.delete(stackRef(ns, 'three'), {
            propagationPolicy: 'Background',
          });
          expect(cache.state()[0].synced).toBe(false);
          expect(cachedState('one')).toBe('running');
          lists.open();
          watches.open();

          await until(
            () =>
              cache.state()[0].synced &&
              cachedState('one') === 'succeeded' &&
              cachedState('two') === 'none' &&
              cachedState('three') === undefined,
            'the cache to recover with the changes',
            60_000,
          );
          expect(synced).toEqual([false, true, false, true]);
          expect(cache.requestCounts().lists).toBeGreaterThan(listsBefore);
          // the restarted server's watch cache starts after the version the
          // other informer held: its watch gets 410 Gone, and it lists again
          await until(
            () => names(informer).join() === 'one,two',
            'the informer’s re-listed copy',
          );
          expect(logger.lines.join('\n')).toContain(
            `expired at version ${held}`,
          );
          expect(informer.lists).toBe(2);
          // and the cache follows the watch again
          await own.setStatus({
            ...stackRef(ns, 'two'),
            status: { lastUpdate: { state: 'failed' } },
          });
          await until(
            () => cachedState('two') === 'failed',
            'two’s status from the new watch',
          );
          // every failed attempt while the server was down waited a backoff;
          // none of them left a listener on the informer's signal
          for (const i of (cache as any).copies[0].informers as Informer[])
            expect(
              getEventListeners((i as any).abort.signal, 'abort').length,
            ).toBeLessThanOrEqual(1);
        } finally {
          lists.open();
          watches.open();
          await cache.stop();
        }
      }, 180_000);
    },
  );
});
