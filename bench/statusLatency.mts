/*
 * Benchmark: how long a Stack's status, written by its operator (the
 * `/status` subresource), takes to show on the kebap status route
 * (GET /api/kebap/status/...) against a REAL Kubernetes API server
 * (../shared/kube: kube-apiserver 1.26 with the vendored CRDs). statusRoute
 * measures the route's latency on the API test double; this one measures
 * freshness with a real server's watch (etcd, the watch cache, HTTP
 * chunking) behind it.
 *
 * STACKS Stacks of as many orders (default 100); WRITES status writes
 * (default 100), one at a time, each flipping one Stack between `ready` and
 * `failed`. For each write, in the same run and for the same change:
 * - watch-cache: the route served from KebapClusterCache (the portal: list
 *   once, then follow watch events); the time from sending the PATCH until
 *   the route answers the new state (the route is asked when the cache
 *   reports a change of the order, so no polling load);
 * - poll-100ms (baseline): the same route reading the API on every view
 *   (apiOrderReader: one LIST per watched collection), asked every POLL_MS
 *   (default 100 ms) from a random phase, as a page that polls would; the
 *   time until an answer shows the new state;
 * - the PATCH round trip itself (the write's answer: the floor for both).
 * Prints p50/p95/max and the ratios; no assertions.
 *
 * Server: KEBAP_TEST_KUBECONFIG when set (its namespace is removed at the
 * end), else its own: ../shared/kube/up.sh in a temporary state folder and
 * scripts/lib/install-crds.mjs, stopped and purged at the end.
 * Run: bash bench/run.sh statusLatency  (options: STACKS=100 WRITES=100 POLL_MS=100)
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);
require('@backstage/cli-node/config/nodeTransform.cjs');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { KubeConfig } = require('@kubernetes/client-node');
const express = require('express');
const {
  KebapClusterCache,
  KubernetesClient,
} = require('../plugins/kebap-node/src/index.ts');
const backend = require('../plugins/kebap-backend/src/index.ts');
const { orderMetadata } = require('../plugins/kebap-common/src/index.ts');

const STACKS = Number(process.env.STACKS ?? 100);
const WRITES = Number(process.env.WRITES ?? 100);
const POLL_MS = Number(process.env.POLL_MS ?? 100);

const silent: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silent;
  },
};

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** The server: KEBAP_TEST_KUBECONFIG's, or one of ../shared/kube of our own. */
function startServer(): { kubeconfig: string; own?: string; stop(): void } {
  const given = process.env.KEBAP_TEST_KUBECONFIG;
  if (given) return { kubeconfig: given, stop() {} };
  const shared = path.resolve(root, '..', 'shared', 'kube');
  if (!fs.existsSync(path.join(shared, 'up.sh')))
    throw new Error(
      `no ${shared}/up.sh and no KEBAP_TEST_KUBECONFIG: no API server to measure against`,
    );
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'kebap-bench-kube-'));
  const stop = () => {
    spawnSync(path.join(shared, 'down.sh'), [state, '--purge'], {
      stdio: 'ignore',
    });
  };
  try {
    execFileSync(path.join(shared, 'up.sh'), [state], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const kubeconfig = path.join(state, 'kubeconfig');
    execFileSync(
      process.execPath,
      [path.join(root, 'scripts/lib/install-crds.mjs'), kubeconfig],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    return { kubeconfig, own: state, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

/** The route as the backend mounts it; the catalog knows every entity at once. */
async function serve(statusService: any, orderOf: (entity: string) => string) {
  const router = await backend.createRouter({
    httpAuth: {
      credentials: async () => ({
        $$type: '@backstage/BackstageCredentials',
        principal: { type: 'user', userEntityRef: 'user:default/guest' },
      }),
    },
    catalog: {
      getEntityByRef: async (ref: string) => {
        const name = ref.split('/').pop()!;
        return {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Resource',
          metadata: {
            name,
            namespace: 'default',
            annotations: {
              'kebap.io/order': orderOf(name),
              'kebap.io/env': 'dev',
            },
          },
          spec: {},
        };
      },
    },
    statusService,
  });
  const app = express();
  app.use('/api/kebap', router);
  const server = http.createServer(app);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const get = (entity: string) =>
    new Promise<any>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          path: `/api/kebap/status/resource/default/${entity}`,
          agent,
        },
        res => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', c => (body += c));
          res.on('end', () => resolve(JSON.parse(body)));
        },
      );
      req.on('error', reject);
    });
  return {
    get,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    },
  };
}

/** A Stack's status as the operator writes it (its conditions are metav1.Conditions). */
const statusFor = (state: 'ready' | 'failed', k: number) => {
  const ready = state === 'ready';
  return {
    lastUpdate: {
      state: ready ? 'succeeded' : 'failed',
      message: `bench ${k}`,
    },
    conditions: [
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: ready ? 'ProcessingCompleted' : 'ProcessingFailed',
        message: `bench ${k}`,
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    ],
  };
};

async function main() {
  const server = startServer();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      server.stop();
      process.exit(130);
    });
  const run = randomBytes(3).toString('hex');
  const ns = `kebap-bench-${run}`;
  let client: any;
  let cache: any;
  const closers: Array<() => Promise<unknown>> = [];
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    client = KubernetesClient.fromKubeConfig(kc, {
      logger: silent,
      retry: { timeoutMs: 30_000 },
    });
    const version: any = await client.request('GET', '/version');
    await client.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { fieldManager: 'kebap-test-harness' },
    );
    const entity = (i: number) => `dev-${run}-${i}`;
    const order = (i: number) => `${run}-${i}`;
    const ref = (i: number) => ({
      apiVersion: 'pulumi.com/v1',
      kind: 'Stack',
      namespace: ns,
      name: `db-${i}`,
    });
    const states: Array<'ready' | 'failed'> = [];
    for (let i = 0; i < STACKS; i++) {
      const meta = orderMetadata({
        orderName: order(i),
        owner: 'group:default/team-payments',
        entityRef: `resource:default/${entity(i)}`,
        env: 'dev',
        kind: 'database',
      });
      await client.apply(
        {
          apiVersion: 'pulumi.com/v1',
          kind: 'Stack',
          metadata: {
            name: ref(i).name,
            namespace: ns,
            labels: meta.labels,
            annotations: meta.annotations,
          },
          spec: {
            stack: `acme/databases/${entity(i)}`,
            programRef: { name: 'db' },
          },
        },
        { fieldManager: 'kebap-portal' },
      );
      await client.patchStatus(ref(i), statusFor('ready', -1));
      states.push('ready');
    }

    cache = new KebapClusterCache({
      clusters: [{ name: 'control-plane', client }],
      logger: silent,
    });
    const s0 = performance.now();
    cache.start();
    if (!(await cache.waitForSync(60_000))) throw new Error('cache not synced');
    const syncMs = performance.now() - s0;
    const links = { pulumiCloudUrl: 'https://app.pulumi.com' };
    const orderOf = (name: string) => name.replace(/^dev-/, '');
    const cached = await serve(
      new backend.OrderStatusService({
        reader: backend.cacheOrderReader(cache),
        links,
      }),
      orderOf,
    );
    closers.push(cached.close);
    const live = await serve(
      new backend.OrderStatusService({
        reader: backend.apiOrderReader({ client, cluster: 'control-plane' }),
        links,
      }),
      orderOf,
    );
    closers.push(live.close);
    for (const r of [cached, live]) {
      const first = await r.get(entity(0));
      if (first.state !== 'ready')
        throw new Error(
          `the route answers ${JSON.stringify(first).slice(0, 300)}, not ready`,
        );
    }

    const viaCache: number[] = [];
    const viaPoll: number[] = [];
    const acks: number[] = [];
    const polls: number[] = [];
    const cacheViews: number[] = [];
    const liveViews: number[] = [];
    for (let k = 0; k < WRITES; k++) {
      const i = (k * 37) % STACKS;
      const target = states[i] === 'ready' ? 'failed' : 'ready';
      let done = false;
      const t0 = performance.now();

      // the portal: asked when the cache reports a change of the order
      let unsubscribe = () => {};
      const cacheSeen = new Promise<number>(resolve => {
        const check = async () => {
          const v0 = performance.now();
          const answer = await cached.get(entity(i));
          cacheViews.push(performance.now() - v0);
          if (answer.state === target) resolve(performance.now());
        };
        unsubscribe = cache.onChange((c: any) => {
          if (c.order === order(i)) check().catch(() => {});
        });
      });
      // the baseline: the API-reading route, every POLL_MS from a random phase
      const pollSeen = (async () => {
        let n = 0;
        const start = t0 + Math.random() * POLL_MS;
        for (;;) {
          const wait = start + n * POLL_MS - performance.now();
          if (wait > 0) await sleep(wait);
          n++;
          const v0 = performance.now();
          const answer = await live.get(entity(i));
          liveViews.push(performance.now() - v0);
          if (answer.state === target) {
            polls.push(n);
            return performance.now();
          }
          if (done) throw new Error('poll never saw the change');
        }
      })();

      await client.patchStatus(ref(i), statusFor(target, k));
      acks.push(performance.now() - t0);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const [tc, tp] = await Promise.race([
        Promise.all([cacheSeen, pollSeen]),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`write ${k}: not seen within 30 s`)),
            30_000,
          );
        }),
      ]).finally(() => {
        clearTimeout(timer);
        done = true;
      });
      done = true;
      unsubscribe();
      viaCache.push(tc - t0);
      viaPoll.push(tp - t0);
      states[i] = target;
    }
    const counts = cache.requestCounts();

    console.log(
      `statusLatency: ${STACKS} Stacks, ${WRITES} /status writes one at a time, against kube-apiserver ${
        version.gitVersion
      } (${
        server.own
          ? `own ../shared/kube in ${server.own}`
          : 'KEBAP_TEST_KUBECONFIG'
      }); time from sending the PATCH until the status route answers the new state`,
    );
    console.log(
      'variant                               p50 ms   p95 ms   max ms',
    );
    const row = (label: string, v: number[]) =>
      console.log(
        `${label.padEnd(36)} ${percentile(v, 50)
          .toFixed(1)
          .padStart(7)}  ${percentile(v, 95)
          .toFixed(1)
          .padStart(7)}  ${Math.max(...v)
          .toFixed(1)
          .padStart(7)}`,
      );
    row('watch-cache route', viaCache);
    row(`API-reading route polled every ${POLL_MS} ms`, viaPoll);
    row('(the PATCH round trip alone)', acks);
    console.log(
      `ratio (polled / watch-cache): p50 ${(
        percentile(viaPoll, 50) / percentile(viaCache, 50)
      ).toFixed(1)}x, p95 ${(
        percentile(viaPoll, 95) / percentile(viaCache, 95)
      ).toFixed(1)}x; watch-cache minus the PATCH answer: p50 ${(
        percentile(viaCache, 50) - percentile(acks, 50)
      ).toFixed(1)} ms; the poller asked ${(
        polls.reduce((a, b) => a + b, 0) / polls.length
      ).toFixed(1)} times per change (each view ${
        backend.WATCHED_RESOURCES.length
      } LISTs)`,
    );
    console.log(
      `one view of the route: watch-cache p50 ${percentile(
        cacheViews,
        50,
      ).toFixed(1)} ms, API-reading p50 ${percentile(liveViews, 50).toFixed(
        1,
      )} ms (p95 ${percentile(liveViews, 95).toFixed(1)} ms)`,
    );
    console.log(
      `watch-cache: synced in ${syncMs.toFixed(0)} ms; ${
        counts.lists
      } LISTs and ${counts.watches} WATCHes over the whole run (${
        backend.WATCHED_RESOURCES.length
      } collections)`,
    );
  } finally {
    for (const close of closers) await close().catch(() => {});
    await cache?.stop();
    if (!server.own && client)
      await client
        .delete(
          { apiVersion: 'v1', kind: 'Namespace', name: ns },
          { propagationPolicy: 'Background' },
        )
        .catch(() => {});
    server.stop();
  }
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
