/*
 * Benchmark: a platform of ORDERS (10,000) dev-cluster orders in gitops
 * delivery, the orders repository generated (bench/lib/ordersRepo.mts: the
 * files the ordering actions write, 3 per order, one commit per order).
 * Measured in one run, each next to a baseline:
 *
 *  - full read of the repository: the shared CommittedOrdersReader (git
 *    ls-tree + cat-file --batch + YAML parsing; then a restart, which finds
 *    the parsed blobs in the git directory) against the floor (the same
 *    two git commands, nothing parsed) and against today's
 *    readCommittedOrders (isomorphic-git), the baseline, on a repository of
 *    BASELINE_ORDERS (250: it grows faster than linearly, 1,000 orders took
 *    ~13-50 s);
 *  - the catalog's orders provider per new one-order commit (another
 *    replica's, so nothing is in memory yet): HEAD to delta mutation;
 *    baseline: the provider as it was (a full re-read per refresh);
 *  - CPU while nothing changes: the provider refreshing every REFRESH_MS
 *    (5000, the default schedule) plus the status route's and expiry's
 *    reads, over IDLE_SECONDS (30), with the git commands counted; baseline:
 *    the provider as it was on BASELINE_ORDERS;
 *  - the status route (GET /api/kebap/status/..., gitops only, no cluster)
 *    with VIEWERS (50) concurrent viewers for WINDOW_SECONDS (10): HEAD
 *    still, then with a new order committed every second; baseline: the
 *    GitopsOrders of before (bench/lib/GitopsOrdersBaseline.ts) on
 *    BASELINE_ORDERS;
 *  - the expiry scan (GitopsDevClusterOrders.list + DevClusterExpiry.run,
 *    nothing due);
 *  - memory (heap and RSS) the orders take in the reader and its consumers;
 *  - with DELIVERY=1 (default): one dev-cluster order (2 commits) delivered
 *    into the 10,000-order working tree by GitopsDelivery, one after the
 *    other and 20 at once, against the GitopsDelivery of before
 *    (bench/lib/GitopsDeliveryBaseline.ts, isomorphic-git), one order.
 *
 * Run: bash bench/run.sh ordersAtScale
 *      (options: ORDERS=10000 BASELINE_ORDERS=250 VIEWERS=50 WINDOW_SECONDS=10
 *       IDLE_SECONDS=30 REFRESH_MS=5000 COMMITS=10 DELIVERY=1)
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import fs from 'node:fs';
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { AddressInfo } from 'node:net';
import {
  commitFiles,
  devClusterActions,
  generateOrdersRepo,
  orderDevCluster,
  orderFiles,
  orderName,
  owner,
  silent,
} from './lib/ordersRepo.mts';

const require = createRequire(import.meta.url);
v8.setFlagsFromString('--expose-gc');
const gc: () => void = vm.runInNewContext('gc');
const ORDERS = Number(process.env.ORDERS ?? 10_000);
const BASELINE_ORDERS = Number(process.env.BASELINE_ORDERS ?? 250);
const VIEWERS = Number(process.env.VIEWERS ?? 50);
const WINDOW_SECONDS = Number(process.env.WINDOW_SECONDS ?? 10);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
const REFRESH_MS = Number(process.env.REFRESH_MS ?? 5000);
const COMMITS = Number(process.env.COMMITS ?? 10);
const DELIVERY = (process.env.DELIVERY ?? '1') !== '0';

const node = require('../plugins/kebap-node/src/index.ts');
const {
  KebapOrdersEntityProvider,
} = require('../plugins/catalog-backend-module-kebap/src/KebapOrdersEntityProvider.ts');
const {
  orderToEntity,
} = require('../plugins/catalog-backend-module-kebap/src/orderToEntity.ts');
const {
  GitopsOrders,
} = require('../plugins/kebap-backend/src/gitops/GitopsOrders.ts');
const {
  OrderStatusService,
} = require('../plugins/kebap-backend/src/service/OrderStatusService.ts');
const { createRouter } = require('../plugins/kebap-backend/src/router.ts');
const scaffolder = '../plugins/scaffolder-backend-module-kebap/src';
const {
  GitopsDevClusterOrders,
} = require(`${scaffolder}/expiry/DevClusterOrders.ts`);
const {
  DevClusterExpiry,
} = require(`${scaffolder}/expiry/DevClusterExpiry.ts`);
const { GitopsDelivery } = require(`${scaffolder}/delivery/GitopsDelivery.ts`);
const {
  mayOverwriteOrder,
} = require(`${scaffolder}/delivery/createOrderDelivery.ts`);
const { GitopsOrdersBaseline } = require('./lib/GitopsOrdersBaseline.ts');
const { GitopsDeliveryBaseline } = require('./lib/GitopsDeliveryBaseline.ts');
const express = require('express');

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) =>
  x >= 10_000
    ? `${(x / 1000).toFixed(1)} s`
    : `${x.toFixed(x < 10 ? 1 : 0)} ms`;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
};
const sleep = (t: number) => new Promise(r => setTimeout(r, t));
const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;

const rows: { what: string; baseline: string; now: string; ratio: string }[] =
  [];
function row(what: string, baseline: string, now: string, ratio = '') {
  rows.push({ what, baseline, now, ratio });
  console.log(
    `  ${what}: ${now}${baseline ? ` (baseline ${baseline})` : ''}${
      ratio ? `, ${ratio}` : ''
    }`,
  );
}
const times = (a: number, b: number) =>
  `${(a / b).toFixed(a / b < 10 ? 1 : 0)}x`;

let extra = 0;
/** A new order committed as another replica would (no working tree). */
async function commitNewOrder(dir: string) {
  const name = `new-${extra++}`;
  await commitFiles(
    dir,
    `Order dev/${name} (vcluster) for ${owner} by user:default/guest (task task-${name})`,
    (await orderFiles(name)).map(f => ({ file: f.file, text: f.text })),
  );
  return name;
}

/** The old orders provider's refresh: a full read and a full mutation. */
async function baselineProviderRefresh(dir: string) {
  const { orders } = await node.readCommittedOrders({ repoPath: dir });
  const entities = [];
  for (const order of orders.values()) {
    const entity = orderToEntity(
      order.objects.map((o: any) => o.object),
      `kebap-orders:${dir}/${order.folder}`,
    );
    if (entity) entities.push({ entity, locationKey: 'kebap-orders' });
  }
  return entities.length;
}

/** Runs fn on a schedule like the Backstage scheduler for `seconds`; CPU used. */
async function cpuOver(seconds: number, fn: () => Promise<unknown>) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let runs = 0;
  while (ms(t0) < seconds * 1000) {
    const s = performance.now();
    await fn();
    runs++;
    const left = REFRESH_MS - ms(s);
    await sleep(Math.max(0, Math.min(left, seconds * 1000 - ms(t0))));
  }
  const c = process.cpuUsage(c0);
  const wall = ms(t0);
  return { cpuMs: (c.user + c.system) / 1000, wall, runs };
}

async function serve(statusService: any) {
  const router = await createRouter({
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
  const get = (name: string) =>
    new Promise<any>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          path: `/api/kebap/status/resource/default/dev-${name}`,
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

/** VIEWERS viewers for WINDOW_SECONDS; with `commits`, a new order every second. */
async function viewers(
  dir: string,
  orders: number,
  statusService: any,
  commits: boolean,
) {
  const { get, close } = await serve(statusService);
  await get(orderName(0)); // the first read is not a page view of the window
  const times: number[] = [];
  let wrong = 0;
  let k = 0;
  let committed = 0;
  const t0 = performance.now();
  const end = t0 + WINDOW_SECONDS * 1000;
  const committer = commits
    ? (async () => {
        while (performance.now() < end - 1000) {
          await sleep(1000);
          await commitNewOrder(dir);
          committed++;
        }
      })()
    : Promise.resolve();
  await Promise.all(
    Array.from({ length: VIEWERS }, async () => {
      while (performance.now() < end) {
        const i = (k++ * 7919) % orders;
        const s = performance.now();
        const status = await get(orderName(i));
        times.push(ms(s));
        if (status.state !== 'pending-sync' || !status.order) wrong++;
      }
    }),
  );
  await committer;
  await close();
  return { times, wrong, committed, wall: ms(t0) };
}

async function main() {
  const rss0 = process.memoryUsage().rss;
  console.log(
    `ordersAtScale: ${ORDERS} dev-cluster orders (3 files each, one commit each) in gitops delivery; baselines on ${BASELINE_ORDERS} orders where today's code cannot read ${ORDERS} in minutes`,
  );
  let t = performance.now();
  const big = await generateOrdersRepo({ orders: ORDERS, checkout: DELIVERY });
  const small = await generateOrdersRepo({ orders: BASELINE_ORDERS });
  console.log(`generated in ${fmt(ms(t))}: ${big} and ${small}`);

  // --- delivery into the big working tree --------------------------------
  if (DELIVERY) {
    console.log(
      `\ndelivery of a dev-cluster order (2 commits) into ${ORDERS} orders`,
    );
    const now = new GitopsDelivery({
      repoPath: big,
      mayOverwrite: mayOverwriteOrder,
    });
    const actions = devClusterActions(now);
    const seq: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      await orderDevCluster(actions, `seq-${i}`);
      seq.push(ms(t));
    }
    const per: number[] = [];
    t = performance.now();
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await orderDevCluster(actions, `conc-${i}`);
        per.push(ms(t));
      }),
    );
    const concurrentWall = ms(t);
    const before = new GitopsDeliveryBaseline({
      repoPath: big,
      mayOverwrite: mayOverwriteOrder,
    });
    t = performance.now();
    await orderDevCluster(devClusterActions(before), 'baseline-0');
    const baselineOrder = ms(t);
    const seqMedian = percentile(seq, 50);
    row(
      'one order, one after the other (median of 3)',
      fmt(baselineOrder),
      fmt(seqMedian),
      times(baselineOrder, seqMedian),
    );
    row(
      '20 orders at once: wall, orders/s, p50/p95 per order',
      '',
      `${fmt(concurrentWall)}, ${((20 * 1000) / concurrentWall).toFixed(
        1,
      )}/s, ${fmt(percentile(per, 50))} / ${fmt(percentile(per, 95))}`,
      `${((20 * seqMedian) / concurrentWall).toFixed(
        1,
      )}x the one-after-the-other rate`,
    );
  }

  // --- full read -----------------------------------------------------------
  console.log('\nfull read of the repository');
  const floor = async (dir: string) => {
    const t0 = performance.now();
    const { stdout } = await node.runGit(dir, [
      'ls-tree',
      '-r',
      '-z',
      'HEAD',
      '--',
      'orders',
    ]);
    const oids = stdout
      .toString()
      .split('\0')
      .filter(Boolean)
      .map((l: string) => l.split(/\s/)[2]);
    await node.readBlobs(dir, oids);
    return ms(t0);
  };
  const floorBig = await floor(big);
  const reader = node.CommittedOrdersReader.forPath(big);
  gc();
  const mem0 = process.memoryUsage();
  t = performance.now();
  const snapshot = await reader.read();
  const readBig = ms(t);
  const floorSmall = await floor(small);
  t = performance.now();
  await new node.CommittedOrdersReader({ repoPath: small }).read();
  const readSmall = ms(t);
  t = performance.now();
  const baseline = await node.readCommittedOrders({ repoPath: small });
  const baselineSmall = ms(t);
  if (baseline.orders.size !== BASELINE_ORDERS)
    throw new Error('baseline read');
  row(
    `${BASELINE_ORDERS} orders`,
    fmt(baselineSmall),
    fmt(readSmall),
    `${times(
      baselineSmall,
      readSmall,
    )}; floor (ls-tree + cat-file, no parsing) ${fmt(floorSmall)}`,
  );
  row(
    `${snapshot.orders.size} orders`,
    `not measured (${fmt(
      baselineSmall,
    )} at ${BASELINE_ORDERS}, faster than linear growth)`,
    fmt(readBig),
    `floor ${fmt(floorBig)}, so YAML parsing is ${(
      ((readBig - floorBig) / readBig) *
      100
    ).toFixed(0)}%`,
  );

  // --- the catalog provider per new one-order commit -----------------------
  console.log('\ncatalog orders provider');
  const mutations: any[] = [];
  const provider = new KebapOrdersEntityProvider({
    repoPath: big,
    logger: silent,
  });
  await provider.connect({
    applyMutation: async (m: any) => void mutations.push(m),
    refresh: async () => {},
  });
  t = performance.now();
  await provider.refresh();
  const startUp = ms(t);
  const perCommit: number[] = [];
  for (let i = 0; i < COMMITS; i++) {
    await commitNewOrder(big);
    t = performance.now();
    await provider.refresh();
    perCommit.push(ms(t));
    const m = mutations[mutations.length - 1];
    if (m.type !== 'delta' || m.added.length !== 1 || m.removed.length) {
      throw new Error(`expected a delta of one order, got ${m.type}`);
    }
  }
  t = performance.now();
  await baselineProviderRefresh(small);
  const baselineRefresh = ms(t);
  row(
    `start-up: full mutation of ${mutations[0].entities.length} entities (reader already warm)`,
    '',
    fmt(startUp),
  );
  row(
    `new one-order commit: HEAD to delta mutation, p50 / max of ${COMMITS}`,
    `${fmt(baselineRefresh)} full re-read at ${BASELINE_ORDERS} orders`,
    `${fmt(percentile(perCommit, 50))} / ${fmt(Math.max(...perCommit))}`,
    times(baselineRefresh, percentile(perCommit, 50)),
  );

  // --- idle -------------------------------------------------------------
  console.log(
    `\nidle: ${IDLE_SECONDS} s, HEAD unchanged, a refresh every ${REFRESH_MS} ms`,
  );
  // as the plugin wires it for the route: a view waits at most 20 ms for a new HEAD
  const status = new GitopsOrders({
    repoPath: big,
    logger: silent,
    maxWaitMs: 20,
  });
  const expirySource = new GitopsDevClusterOrders({ repoPath: big });
  await status.all();
  await expirySource.list();
  gc();
  const mem1 = process.memoryUsage();
  const commands0 = reader.stats.gitCommands;
  const idle = await cpuOver(IDLE_SECONDS, async () => {
    await provider.refresh();
    await status.all();
    await expirySource.list();
  });
  const idleCommands = reader.stats.gitCommands - commands0;
  const baselineIdle = await cpuOver(IDLE_SECONDS, () =>
    baselineProviderRefresh(small),
  );
  const pct = (r: { cpuMs: number; wall: number }) =>
    `${((r.cpuMs / r.wall) * 100).toFixed(2)}% of a core (${r.cpuMs.toFixed(
      0,
    )} ms CPU)`;
  row(
    `CPU, provider + status route + expiry reads, ${idle.runs} refreshes`,
    `${pct(baselineIdle)}, ${
      baselineIdle.runs
    } refreshes at ${BASELINE_ORDERS} orders`,
    `${pct(idle)}, ${idleCommands} git commands`,
  );

  // --- the status route -----------------------------------------------------
  console.log(
    `\nstatus route: ${VIEWERS} concurrent viewers, ${WINDOW_SECONDS} s per variant`,
  );
  const service = new OrderStatusService({
    gitops: status,
    links: { pulumiCloudUrl: 'https://app.pulumi.com' },
  });
  const baselineService = new OrderStatusService({
    gitops: new GitopsOrdersBaseline({ repoPath: small, logger: silent }),
    links: { pulumiCloudUrl: 'https://app.pulumi.com' },
  });
  for (const commits of [false, true]) {
    const r = await viewers(big, ORDERS, service, commits);
    const b = await viewers(small, BASELINE_ORDERS, baselineService, commits);
    const line = (x: typeof r) =>
      `p50 ${fmt(percentile(x.times, 50))}, p95 ${fmt(
        percentile(x.times, 95),
      )}, max ${fmt(Math.max(...x.times))}, ${(
        x.times.length /
        (x.wall / 1000)
      ).toFixed(0)} views/s${x.wrong ? `, ${x.wrong} wrong` : ''}`;
    row(
      commits
        ? `with a new order every second (${r.committed} commits)`
        : 'HEAD still',
      `${line(b)} at ${BASELINE_ORDERS} orders`,
      line(r),
      times(percentile(b.times, 95), percentile(r.times, 95)) + ' at p95',
    );
  }

  // --- expiry ------------------------------------------------------------
  console.log('\nexpiry scan');
  const noDelivery = {
    mode: 'gitops',
    deliver: async () => {
      throw new Error('nothing is due');
    },
    remove: async () => {
      throw new Error('nothing is due');
    },
  };
  const expiry = new DevClusterExpiry({
    source: expirySource,
    delivery: noDelivery,
    logger: silent,
    warnDaysBefore: 2,
    maxLifetimeDays: 30,
  });
  await commitNewOrder(big);
  t = performance.now();
  const listed = await expirySource.list();
  const afterCommit = ms(t);
  t = performance.now();
  const run = await expiry.run();
  const scan = ms(t);
  if (run.failed.length || run.warned.length)
    throw new Error('expiry did something');
  row(
    `list of ${listed.length} dev clusters after a new commit / a run with nothing due`,
    `${fmt(baselineSmall)} (a full read at ${BASELINE_ORDERS} orders)`,
    `${fmt(afterCommit)} / ${fmt(scan)}`,
  );

  // --- memory ------------------------------------------------------------
  row(
    `memory of the ${ORDERS} orders held by the reader, the catalog provider's entities, the status route's views and expiry's list`,
    '',
    `heap +${mb(mem1.heapUsed - mem0.heapUsed)} (RSS of the process ${mb(
      mem1.rss,
    )}; ${mb(rss0)} with the sources loaded, before any repository)`,
  );

  // --- restart -----------------------------------------------------------
  await reader.cacheWritten();
  // another reader (a restarted process) finds what the blobs parse to in
  // the git directory and parses nothing
  t = performance.now();
  const restarted = new node.CommittedOrdersReader({ repoPath: big });
  await restarted.read();
  const restartBig = ms(t);
  row(
    `full read of ${ORDERS} orders after a restart (parsed blobs kept in .git/kebap-parsed-orders.v1)`,
    '',
    fmt(restartBig),
    `floor ${fmt(floorBig)}; first read ${fmt(readBig)}; ${
      restarted.stats.filesParsed
    } blobs parsed (the file is written from 1,000 parsed blobs on)`,
  );

  console.log('\nsummary');
  console.log('| what | baseline | now | ratio / note |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.what} | ${r.baseline || '—'} | ${r.now} | ${r.ratio || ''} |`,
    );
  }
  await fs.promises.rm(big, { recursive: true, force: true });
  await fs.promises.rm(small, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
