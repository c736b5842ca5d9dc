/*
 * Benchmark: the status route of ordered resources (kebap-backend,
 * GET /api/kebap/status/...) with 1,000 Stacks on the Kubernetes API test
 * double (simulated round-trip latency) and 50 concurrent viewers. Compares
 * the portal's watch-fed cache (informers list once, then follow watch
 * events) with a baseline measured in the same run that reads the API on
 * every page view (one LIST per watched collection, as the Kubernetes
 * plugin's fan-out does). Prints latency p50/p95, Kubernetes API calls per
 * page view, and the ratios; then how long a status change takes to show.
 *
 * With APPS (default 0), as many dev-cluster Applications of their own
 * orders besides (healthy and synced; no registration is seeded, so their
 * state is `progressing`, "not registered in Argo CD yet"), viewed in turn
 * with the Stacks: e.g. STACKS=10000 APPS=10000 VIEWS=300.
 *
 * Run: bash bench/run.sh statusRoute
 *      (options: STACKS=1000 APPS=0 VIEWERS=50 VIEWS=1000 LATENCY_MS=5)
 */
import { createRequire, registerHooks } from 'node:module';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { pathToFileURL, fileURLToPath } from 'node:url';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const STACKS = Number(process.env.STACKS ?? 1000);
const APPS = Number(process.env.APPS ?? 0);
const VIEWERS = Number(process.env.VIEWERS ?? 50);
const VIEWS = Number(process.env.VIEWS ?? 1000);
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 5);

// --- the built packages (bench/run.sh builds kebap-common and kebap-node) ---
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}
const mtime = (p: string) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);
const backendDir = path.join(root, 'plugins/kebap-backend');
if (
  mtime(path.join(backendDir, 'dist/index.cjs.js')) <
  newest(path.join(backendDir, 'src'))
) {
  // the build takes its type declarations from the root type check's output
  if (
    mtime(path.join(root, 'dist-types/plugins/kebap-backend/src/index.d.ts')) <
    newest(path.join(backendDir, 'src'))
  ) {
    try {
      execFileSync('yarn', ['tsc'], { cwd: root, stdio: 'ignore' });
    } catch {
      // errors elsewhere in the repository do not stop the declarations
    }
  }
  execFileSync('yarn', ['backstage-cli', 'package', 'build'], {
    cwd: backendDir,
    stdio: 'ignore',
  });
}
// the workspace packages point at their TypeScript sources: load their builds
registerHooks({
  resolve(specifier, context, next) {
    const m =
      /^@internal\/plugin-(kebap-common|kebap-node|kebap-backend)(\/testing)?$/.exec(
        specifier,
      );
    if (!m) return next(specifier, context);
    const file = path.join(
      root,
      'plugins',
      m[1],
      'dist',
      m[2] ? 'testing.cjs.js' : 'index.cjs.js',
    );
    return { url: pathToFileURL(file).href, shortCircuit: true };
  },
});
const node = require('@internal/plugin-kebap-node');
const { FakeKubernetesApi } = require('@internal/plugin-kebap-node/testing');
const backend = require('@internal/plugin-kebap-backend');
const common = require('@internal/plugin-kebap-common');
const express = require('express');

const silent = {
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

const stackRef = (i: number) => ({
  apiVersion: 'pulumi.com/v1',
  kind: 'Stack',
  namespace: 'kebap-orders',
  name: `dev-db-${i}-database`,
});

const appRef = (i: number) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  namespace: 'argocd',
  name: `vcluster-vc-${i}`,
});

async function seed(api: any) {
  api.seed(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kebap-orders' } },
    { manager: 'install' },
  );
  if (APPS > 0) {
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
      { manager: 'install' },
    );
  }
  for (let i = 0; i < APPS; i++) {
    const meta = common.orderMetadata({
      orderName: `vc-${i}`,
      owner: 'group:default/team-payments',
      entityRef: `resource:default/dev-vc-${i}`,
      env: 'dev',
      kind: 'vcluster',
    });
    const ref = appRef(i);
    api.seed(
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: {
          name: ref.name,
          namespace: ref.namespace,
          labels: meta.labels,
          annotations: meta.annotations,
        },
        spec: {
          project: 'default',
          source: {
            repoURL: 'https://charts.loft.sh',
            chart: 'vcluster',
            targetRevision: '0.30.0',
          },
          destination: {
            server: 'https://kubernetes.default.svc',
            namespace: `vc-vc-${i}`,
          },
        },
      },
      { manager: 'kebap-portal' },
    );
    api.setStatus(ref, {
      health: { status: 'Healthy' },
      sync: { status: 'Synced' },
    });
  }
  for (let i = 0; i < STACKS; i++) {
    const meta = common.orderMetadata({
      orderName: `db-${i}`,
      owner: 'group:default/team-payments',
      entityRef: `resource:default/dev-db-${i}`,
      env: 'dev',
      kind: 'database',
    });
    const ref = stackRef(i);
    api.seed(
      {
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: {
          name: ref.name,
          namespace: ref.namespace,
          labels: meta.labels,
          annotations: meta.annotations,
        },
        spec: {
          stack: `acme/databases/dev-db-${i}`,
          programRef: { name: 'db' },
        },
      },
      { manager: 'kebap-portal' },
    );
    api.setStatus(ref, {
      lastUpdate: { state: 'succeeded', lastSuccessfulCommit: 'abc' },
      conditions: [{ type: 'Ready', status: 'True' }],
      outputs: { host: `db-${i}.internal`, password: '[secret]' },
    });
  }
}

/** The route as the backend mounts it, with the catalog answering at once. */
async function serve(statusService: any) {
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
              'kebap.io/order': name.replace(/^dev-/, ''),
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
  const agent = new http.Agent({ keepAlive: true, maxSockets: VIEWERS });
  const get = (i: number) =>
    new Promise<any>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          path: `/api/kebap/status/resource/default/${
            i < STACKS ? `dev-db-${i}` : `dev-vc-${i - STACKS}`
          }`,
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

async function viewers(get: (i: number) => Promise<any>) {
  const times: number[] = [];
  let next = 0;
  let wrong = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: VIEWERS }, async () => {
      while (next < VIEWS) {
        const i = (next++ * 7919) % (STACKS + APPS);
        const s = performance.now();
        const status = await get(i);
        times.push(performance.now() - s);
        if (status.state !== (i < STACKS ? 'ready' : 'progressing')) wrong++;
      }
    }),
  );
  const wall = performance.now() - t0;
  return { times, wrong, wall };
}

async function main() {
  const api = await FakeKubernetesApi.start({ latencyMs: LATENCY_MS });
  await seed(api);
  const links = { pulumiCloudUrl: 'https://app.pulumi.com' };
  const client = new node.KubernetesClient({
    baseUrl: api.baseUrl,
    logger: silent,
  });

  // baseline: every view reads the API (one LIST per watched collection)
  const live = new backend.OrderStatusService({
    reader: backend.apiOrderReader({ client, cluster: 'control-plane' }),
    links,
  });
  const liveServer = await serve(live);
  let calls = api.calls.length;
  const baseline = await viewers(liveServer.get);
  const baselineCalls = api.calls.length - calls;
  await liveServer.close();

  // the portal: informers list once, then follow watch events
  const cache = new node.KebapClusterCache({
    clusters: [{ name: 'control-plane', client }],
    logger: silent,
  });
  calls = api.calls.length;
  const s0 = performance.now();
  cache.start();
  if (!(await cache.waitForSync(30_000))) throw new Error('cache not synced');
  const syncMs = performance.now() - s0;
  // the informers open their watches right after listing
  while (api.openWatches < node.WATCHED_RESOURCES.length)
    await new Promise(r => setTimeout(r, 5));
  const startupCalls = api.calls.length - calls;
  const cached = new backend.OrderStatusService({
    reader: backend.cacheOrderReader(cache),
    links,
  });
  const cacheServer = await serve(cached);
  calls = api.calls.length;
  const portal = await viewers(cacheServer.get);
  const portalCalls = api.calls.length - calls;

  // freshness: an operator writes a status; how long until the route shows it
  const fresh: number[] = [];
  for (let k = 0; k < 20; k++) {
    const i = k * 37;
    const t = performance.now();
    api.setStatus(stackRef(i), {
      lastUpdate: { state: 'failed', message: `bench ${k}` },
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    while ((await cacheServer.get(i)).state !== 'failed') {
      // poll
    }
    fresh.push(performance.now() - t);
  }
  await cacheServer.close();
  await cache.stop();
  await api.stop();

  const rows = [
    { label: 'api-per-view', r: baseline, calls: baselineCalls },
    { label: 'watch-cache', r: portal, calls: portalCalls },
  ].map(({ label, r, calls: c }) => ({
    label,
    p50: percentile(r.times, 50),
    p95: percentile(r.times, 95),
    perView: c / VIEWS,
    rps: VIEWS / (r.wall / 1000),
    wrong: r.wrong,
  }));
  console.log(
    `statusRoute: ${STACKS} Stacks${
      APPS ? ` and ${APPS} Applications` : ''
    } on the API test double, ${VIEWERS} concurrent viewers, ${VIEWS} page views per variant, ${LATENCY_MS} ms simulated latency per API call`,
  );
  console.log(
    'variant        p50 ms   p95 ms   API calls/view   views/s   wrong answers',
  );
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(13)} ${r.p50.toFixed(1).padStart(7)}  ${r.p95
        .toFixed(1)
        .padStart(7)}  ${r.perView.toFixed(2).padStart(15)}  ${r.rps
        .toFixed(0)
        .padStart(8)}   ${String(r.wrong).padStart(13)}`,
    );
  }
  const [b, p] = rows;
  console.log(
    `ratio (api-per-view / watch-cache): p50 ${(b.p50 / p.p50).toFixed(
      1,
    )}x, p95 ${(b.p95 / p.p95).toFixed(1)}x, throughput ${(
      p.rps / b.rps
    ).toFixed(1)}x; API calls per view ${b.perView.toFixed(
      2,
    )} vs ${p.perView.toFixed(2)}`,
  );
  console.log(
    `watch-cache start-up: ${startupCalls} API calls (one LIST and one WATCH per collection), synced in ${syncMs.toFixed(
      0,
    )} ms; a status change shows on the route after p50 ${percentile(
      fresh,
      50,
    ).toFixed(1)} ms, max ${Math.max(...fresh).toFixed(1)} ms (20 changes)`,
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
