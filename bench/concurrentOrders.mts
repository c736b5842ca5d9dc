/*
 * Benchmark: throughput of 20 dev-cluster orders (kebap:vcluster:create then
 * kebap:argocd:cluster, like the template) run through the ordering actions
 * all at once, against the same 20 orders one after the other, measured in
 * the same run on fresh targets: gitops delivery into a temporary
 * repository (the orders that arrive while a write runs are checked one by
 * one and committed together by one git fast-import, one commit each), and
 * kubernetes delivery against the Kubernetes API test double with a
 * simulated round-trip latency; `gitops-before` is the GitopsDelivery of
 * before (bench/lib/GitopsDeliveryBaseline.ts: isomorphic-git, one commit
 * at a time). Prints orders/s, the ratio, and each order's time p50/p95
 * (from the moment all were submitted until it completed; one after the
 * other: its own time).
 *
 * The actions are loaded from their TypeScript sources with Backstage's node
 * transform (the one `backstage-cli package start` uses), so nothing needs
 * building. Run: bash bench/run.sh concurrentOrders
 * (options: ORDERS=20 LATENCY_MS=5 ROUNDS=5)
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
require('@backstage/cli-node/config/nodeTransform.cjs');

const src = '../plugins/scaffolder-backend-module-kebap/src';
const { readKebapSettings } = require(`${src}/KebapSettings.ts`);
const {
  createVClusterCreateAction,
} = require(`${src}/actions/vcluster/create.ts`);
const {
  createArgoCdClusterAction,
} = require(`${src}/actions/argocd/cluster.ts`);
const { GitopsDelivery } = require(`${src}/delivery/GitopsDelivery.ts`);
// the GitopsDelivery of before (isomorphic-git, one commit at a time)
const { GitopsDeliveryBaseline } = require('./lib/GitopsDeliveryBaseline.ts');
const { KubernetesDelivery } = require(`${src}/delivery/KubernetesDelivery.ts`);
const { mayOverwriteOrder } = require(`${src}/delivery/createOrderDelivery.ts`);
const { ConfigReader } = require('@backstage/config');
const { KubernetesClient } = require('../plugins/kebap-node/src/index.ts');
const {
  FakeKubernetesApi,
} = require('../plugins/kebap-node/src/testing/index.ts');

const ORDERS = Number(process.env.ORDERS ?? 20);
const LATENCY_MS = Number(process.env.LATENCY_MS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const owner = 'group:default/team-payments';

const silent: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silent;
  },
};

/** Runs an action's handler as a task step would (checkpoints kept per task). */
async function step(action: any, input: object, taskId: string) {
  const checkpoints = new Map<string, unknown>();
  await action.handler({
    input,
    logger: silent,
    workspacePath: os.tmpdir(),
    isDryRun: false,
    task: { id: taskId },
    user: { ref: 'user:default/guest' },
    output() {},
    async checkpoint({ key, fn }: { key: string; fn: () => unknown }) {
      if (!checkpoints.has(key)) checkpoints.set(key, await fn());
      return checkpoints.get(key);
    },
    createTemporaryDirectory: async () => os.tmpdir(),
  });
}

async function order(actions: any, name: string) {
  await step(actions.vcluster, { name, owner, size: 'small' }, `task-${name}`);
  await step(actions.register, { name, owner }, `task-${name}`);
}

type Mode = 'gitops' | 'gitops-before' | 'kubernetes';

async function target(mode: Mode) {
  const settings = readKebapSettings(
    new ConfigReader({
      kebap: { delivery: { mode: mode === 'kubernetes' ? mode : 'gitops' } },
    }),
  );
  let delivery: any;
  let stop = async () => {};
  if (mode !== 'kubernetes') {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'bench-'));
    delivery = new (
      mode === 'gitops' ? GitopsDelivery : GitopsDeliveryBaseline
    )({
      repoPath: path.join(dir, 'gitops'),
      mayOverwrite: mayOverwriteOrder,
    });
    stop = () => fs.promises.rm(dir, { recursive: true, force: true });
  } else {
    const api = await FakeKubernetesApi.start({ latencyMs: LATENCY_MS });
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
      { manager: 'install' },
    );
    delivery = new KubernetesDelivery({
      client: new KubernetesClient({
        baseUrl: api.baseUrl,
        logger: silent,
        retry: { timeoutMs: 30_000 },
      }),
      mayOverwrite: mayOverwriteOrder,
    });
    stop = () => api.stop();
  }
  const deps = { delivery, settings };
  return {
    actions: {
      vcluster: createVClusterCreateAction(deps),
      register: createArgoCdClusterAction(deps),
    },
    stop,
  };
}

async function measure(mode: Mode, variant: 'sequential' | 'concurrent') {
  const { actions, stop } = await target(mode);
  const names = Array.from({ length: ORDERS }, (_, i) => `bench-${i}`);
  // one order first, so that creating the repository is not measured
  await order(actions, 'warm-up');
  const perOrder: number[] = [];
  const t0 = performance.now();
  if (variant === 'sequential') {
    for (const name of names) {
      const s = performance.now();
      await order(actions, name);
      perOrder.push(performance.now() - s);
    }
  } else {
    await Promise.all(
      names.map(async name => {
        await order(actions, name);
        perOrder.push(performance.now() - t0);
      }),
    );
  }
  const ms = performance.now() - t0;
  await stop();
  return { ms, perOrder };
}

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function main() {
  console.log(
    `concurrentOrders: ${ORDERS} dev-cluster orders (vcluster + registration), median of ${ROUNDS} rounds; kubernetes: ${LATENCY_MS} ms simulated latency per API call`,
  );
  console.log(
    'delivery       variant       wall ms   orders/s   p50 ms/order   p95 ms/order   ratio (concurrent / sequential orders/s)',
  );
  for (const mode of ['gitops', 'gitops-before', 'kubernetes'] as const) {
    // the variants alternate round by round, so that a change in the
    // machine's load during the run hits both alike
    const times: Record<string, number[]> = { sequential: [], concurrent: [] };
    const perOrder: Record<string, number[]> = {
      sequential: [],
      concurrent: [],
    };
    for (let r = 0; r < ROUNDS; r++) {
      for (const variant of ['sequential', 'concurrent'] as const) {
        const m = await measure(mode, variant);
        times[variant].push(m.ms);
        perOrder[variant].push(...m.perOrder);
      }
    }
    const rows: Record<string, number> = {
      sequential: median(times.sequential),
      concurrent: median(times.concurrent),
    };
    const rate = (ms: number) => (ORDERS * 1000) / ms;
    for (const variant of ['sequential', 'concurrent'] as const) {
      console.log(
        `${mode.padEnd(14)} ${variant.padEnd(12)} ${rows[variant]
          .toFixed(0)
          .padStart(8)}   ${rate(rows[variant])
          .toFixed(1)
          .padStart(8)}   ${percentile(perOrder[variant], 50)
          .toFixed(0)
          .padStart(12)}   ${percentile(perOrder[variant], 95)
          .toFixed(0)
          .padStart(12)}${
          variant === 'concurrent'
            ? `   ${(rate(rows.concurrent) / rate(rows.sequential)).toFixed(
                2,
              )}x`
            : ''
        }`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
