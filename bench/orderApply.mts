/*
 * Benchmark: delivering orders by server-side apply against the Kubernetes
 * API test double, with a simulated round-trip latency. Compares the
 * portal's applyObjects (concurrent pre-flight reads, Namespace wave, then
 * the rest concurrently) with a baseline that sends one request at a time,
 * measured in the same run on the same orders. Prints round trips and wall
 * time per order, and the ratio.
 *
 * Run: bash bench/run.sh orderApply   (options: ORDERS=40 LATENCY_MS=5)
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);

// built packages (bench/run.sh builds them first)
const common = require('../plugins/kebap-common/dist/index.cjs.js');
const node = require('../plugins/kebap-node/dist/index.cjs.js');
const {
  FakeKubernetesApi,
} = require('../plugins/kebap-node/dist/testing.cjs.js');

const ORDERS = Number(process.env.ORDERS ?? 40);
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 5);

const settings = {
  sizes: {
    small: { quota: { pods: '30' }, limitRange: { default: { cpu: '500m' } } },
  },
  chart: {
    repoURL: 'https://charts.loft.sh',
    chart: 'vcluster',
    version: '0.30.0',
  },
  argocdNamespace: 'argocd',
  project: 'default',
};

function devClusterOrder(name: string) {
  const metadata = common.orderMetadata({
    orderName: name,
    owner: 'group:default/team-payments',
    entityRef: `resource:default/dev-${name}`,
    env: 'dev',
    kind: 'vcluster',
  });
  const built = common.buildVClusterOrder(
    { name, metadata, size: 'small' },
    settings,
  );
  const registration = common.buildVClusterRegistration({
    name,
    metadata,
    argocdNamespace: 'argocd',
  });
  return [
    built.namespace,
    built.resourceQuota,
    built.limitRange,
    built.application,
    ...registration.objects,
  ];
}

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

async function measure(
  label: string,
  apply: (client: any, objects: any[]) => Promise<void>,
) {
  const api = await FakeKubernetesApi.start({ latencyMs: LATENCY_MS });
  api.seed(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
    { manager: 'install' },
  );
  const client = new node.KubernetesClient({
    baseUrl: api.baseUrl,
    logger: silent,
  });
  const times: number[] = [];
  const start = api.calls.length;
  for (let i = 0; i < ORDERS; i++) {
    const objects = devClusterOrder(`bench-${label}-${i}`);
    const t0 = performance.now();
    await apply(client, objects);
    times.push(performance.now() - t0);
  }
  const calls = api.calls.length - start;
  await api.stop();
  return {
    label,
    roundTrips: calls / ORDERS,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
  };
}

async function main() {
  const mayOverwrite = () => true as const;
  const baseline = await measure('sequential', (client, objects) =>
    node.applyObjectsSequentially({
      client,
      objects,
      fieldManager: 'kebap-portal',
      mayOverwrite,
    }),
  );
  const portal = await measure('portal', async (client, objects) => {
    await node.applyObjects({
      client,
      objects,
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger: silent,
    });
  });
  console.log(
    `orderApply: ${ORDERS} dev-cluster orders of 6 objects, ${LATENCY_MS} ms simulated latency per API call`,
  );
  console.log('variant      round trips/order   p50 ms/order   p95 ms/order');
  for (const r of [baseline, portal]) {
    console.log(
      `${r.label.padEnd(12)} ${r.roundTrips.toFixed(1).padStart(17)}   ${r.p50
        .toFixed(1)
        .padStart(12)}   ${r.p95.toFixed(1).padStart(12)}`,
    );
  }
  console.log(
    `ratio (sequential / portal) p50 wall time: ${(
      baseline.p50 / portal.p50
    ).toFixed(2)}x; round trips: ${(
      baseline.roundTrips / portal.roundTrips
    ).toFixed(2)}x`,
  );
}

main().catch(e => {
  console.error(e);
  process.exit(1);
});
