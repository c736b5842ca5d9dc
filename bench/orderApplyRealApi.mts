/*
 * Benchmark: N dev-cluster orders in kubernetes delivery against a REAL
 * Kubernetes API server (../shared/kube: kube-apiserver 1.26 with the
 * vendored CRDs), the portal against `kubectl apply --server-side` of the
 * same manifests, in the same run. orderApply.mts measures the portal
 * against the in-process API double with a simulated latency; this one has
 * a real server's admission, validation, field management and etcd behind
 * every request, and a real client as the baseline.
 *
 * - portal: KubernetesDelivery.deliver (the delivery the ordering actions
 *   use, loaded from the sources) of the order's two parts, one after the
 *   other like the dev-cluster template: `vcluster` (the Application, and
 *   the Namespace, ResourceQuota and LimitRange while the builder makes
 *   them) then `registration` (SecretStore, ExternalSecret). Round trips:
 *   KubernetesClient.requestCount.
 * - kubectl: `kubectl apply --server-side --field-manager=kebap-bench -f
 *   <order>.yaml` once per order (the same objects, other names), with
 *   its own discovery cache folder; round trips: the request lines of
 *   `-v=6`, split into discovery/OpenAPI requests and object requests. Its
 *   wall time includes starting the kubectl process, as a deploy job pays.
 * The variants alternate order by order, so the server's state and the
 * machine's load drift alike for both. One unmeasured warm-up order each
 * (kubectl's first run fills its discovery cache; reported apart).
 *
 * Server: KEBAP_TEST_KUBECONFIG when set (the objects are removed at the
 * end), else its own: ../shared/kube/up.sh in a temporary state folder and
 * scripts/lib/install-crds.mjs, stopped and purged at the end.
 * Run: bash bench/run.sh orderApplyRealApi   (options: ORDERS=50)
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
require('@backstage/cli-node/config/nodeTransform.cjs');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = '../plugins/scaffolder-backend-module-kebap/src';
const { readKebapSettings } = require(`${src}/KebapSettings.ts`);
const { KubernetesDelivery } = require(`${src}/delivery/KubernetesDelivery.ts`);
const { mayOverwriteOrder } = require(`${src}/delivery/createOrderDelivery.ts`);
const { renderObjects } = require(`${src}/actions/deliverOrder.ts`);
const { ConfigReader } = require('@backstage/config');
const { KubeConfig } = require('@kubernetes/client-node');
const {
  buildVClusterOrder,
  buildVClusterRegistration,
  orderMetadata,
} = require('../plugins/kebap-common/src/index.ts');
const { KubernetesClient } = require('../plugins/kebap-node/src/index.ts');

const ORDERS = Number(process.env.ORDERS ?? 50);
const owner = 'group:default/team-payments';
const settings = readKebapSettings(
  new ConfigReader({ kebap: { delivery: { mode: 'kubernetes' } } }),
);

const silent: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silent;
  },
};

/** The two parts of a dev-cluster order, as the template's two actions build them. */
function devClusterOrder(name: string) {
  const metadata = (kind: string) =>
    orderMetadata({
      orderName: name,
      owner,
      template: 'template:default/dev-cluster',
      taskId: `bench-${name}`,
      entityRef: `resource:default/dev-${name}`,
      env: 'dev',
      kind,
    });
  const built = buildVClusterOrder(
    {
      name,
      metadata: metadata('vcluster'),
      size: 'small',
      expiresAt: new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString(),
    },
    {
      sizes: settings.vcluster.sizes,
      chart: settings.vcluster.chart,
      argocdNamespace: settings.argocd.namespace,
      project: settings.argocd.project,
    },
  );
  const registration = buildVClusterRegistration({
    name,
    metadata: metadata('cluster-registration'),
    argocdNamespace: settings.argocd.namespace,
  });
  const part = (p: string, objects: any[]) => ({
    env: 'dev',
    name,
    part: p,
    ownerRef: owner,
    objects,
    requestedBy: 'user:default/bench',
    taskId: `bench-${name}`,
  });
  return [
    // what kebap:vcluster:create delivers: the builder's objects (the
    // Namespace, ResourceQuota and LimitRange where it builds them, and the
    // Application), the same with either shape of its result
    part(
      'vcluster',
      ['namespace', 'resourceQuota', 'limitRange', 'application']
        .map(k => (built as any)[k])
        .filter(o => o && typeof o === 'object' && o.kind),
    ),
    part('registration', registration.objects),
  ];
}

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

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

function kubectlPath(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v kubectl'], {
    encoding: 'utf8',
  });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

/** Request lines of kubectl -v=6 (`round_trippers.go:NNN] GET https://… 200 OK in 3 milliseconds`). */
function kubectlRequests(stderr: string) {
  const urls = stderr
    .split('\n')
    .map(l => l.match(/round_trippers\.go:\d+\]\s+"?([A-Z]+) (https?:\S+)/))
    .filter((m): m is RegExpMatchArray => Boolean(m))
    .map(m => ({ method: m[1], path: new URL(m[2]).pathname }));
  // discovery and OpenAPI: /api, /apis, /apis/<group>/<version>, /openapi/...
  const discovery = urls.filter(u =>
    /^\/(api|apis|api\/v1|apis\/[^/]+\/[^/]+|openapi(\/.*)?)$/.test(u.path),
  ).length;
  return { total: urls.length, discovery, objects: urls.length - discovery };
}

/** Removes what the run wrote, on a server that is not ours alone. */
async function cleanUp(
  client: any,
  written: Array<{ obj: any; manager: string }>,
) {
  // without Argo CD's controller nothing would ever clear the Application's
  // finalizer: the manager that set it drops it (server-side apply), then delete
  for (const { obj, manager } of written) {
    if (!obj.metadata.finalizers?.length) continue;
    const { finalizers: _dropped, ...metadata } = obj.metadata;
    await client.apply(
      { ...obj, metadata },
      { fieldManager: manager, force: true },
    );
  }
  const ref = (o: any) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
  });
  // namespaced objects first, the Namespaces (and what is left in them) last
  const ordered = [...written].sort(
    (a, b) =>
      Number(a.obj.kind === 'Namespace') - Number(b.obj.kind === 'Namespace'),
  );
  for (const { obj } of ordered)
    await client.delete(ref(obj), { propagationPolicy: 'Background' });
}

async function main() {
  const kubectl = kubectlPath();
  const server = startServer();
  // an interrupted run stops its server too
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      server.stop();
      process.exit(130);
    });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kebap-bench-'));
  const written: Array<{ obj: any; manager: string }> = [];
  let client: any;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(server.kubeconfig);
    client = KubernetesClient.fromKubeConfig(kc, {
      logger: silent,
      retry: { timeoutMs: 30_000 },
    });
    // requests by method, for the breakdown (requestCount is the total)
    const byMethod = new Map<string, number>();
    if (typeof client.send === 'function') {
      const send = client.send.bind(client);
      client.send = (method: string, ...rest: unknown[]) => {
        byMethod.set(method, (byMethod.get(method) ?? 0) + 1);
        return send(method, ...rest);
      };
    }
    const version: any = await client.request('GET', '/version');
    await client.apply(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: settings.argocd.namespace },
      },
      { fieldManager: 'kebap-test-harness' },
    );
    const delivery = new KubernetesDelivery({
      client,
      mayOverwrite: mayOverwriteOrder,
    });
    const run = randomBytes(3).toString('hex');

    const portal = { times: [] as number[], requests: 0, objects: 0 };
    const base = {
      times: [] as number[],
      requests: 0,
      discovery: 0,
      objects: 0,
      cold: undefined as undefined | ReturnType<typeof kubectlRequests>,
    };
    const cacheDir = path.join(tmp, 'kubectl-cache');

    const portalOrder = async (name: string, measured: boolean) => {
      const parts = devClusterOrder(name);
      const before = client.requestCount;
      if (measured && portal.times.length === 0) byMethod.clear();
      const t0 = performance.now();
      for (const part of parts)
        await delivery.deliver(part, { logger: silent });
      const ms = performance.now() - t0;
      for (const part of parts)
        for (const obj of part.objects)
          written.push({ obj, manager: 'kebap-portal' });
      if (!measured) return;
      portal.times.push(ms);
      portal.requests += client.requestCount - before;
      portal.objects += parts.flatMap(p => p.objects).length;
    };
    const kubectlOrder = (name: string, measured: boolean) => {
      const objects = devClusterOrder(name).flatMap(p => p.objects);
      const file = path.join(tmp, `${name}.yaml`);
      fs.writeFileSync(file, renderObjects(objects));
      const t0 = performance.now();
      const out = spawnSync(
        kubectl!,
        [
          '--kubeconfig',
          server.kubeconfig,
          '--cache-dir',
          cacheDir,
          'apply',
          '--server-side',
          '--field-manager=kebap-bench',
          '-f',
          file,
          '-v=6',
        ],
        { encoding: 'utf8' },
      );
      const ms = performance.now() - t0;
      for (const obj of objects) written.push({ obj, manager: 'kebap-bench' });
      if (out.status !== 0)
        throw new Error(`kubectl apply of ${file} failed: ${out.stderr}`);
      const counted = kubectlRequests(out.stderr);
      if (!measured) {
        base.cold = counted;
        return;
      }
      base.times.push(ms);
      base.requests += counted.total;
      base.discovery += counted.discovery;
      base.objects += objects.length;
    };

    await portalOrder(`bp-${run}-w`, false);
    if (kubectl) kubectlOrder(`bk-${run}-w`, false);
    for (let i = 0; i < ORDERS; i++) {
      await portalOrder(`bp-${run}-${i}`, true);
      if (kubectl) kubectlOrder(`bk-${run}-${i}`, true);
    }

    const objectsPerOrder = portal.objects / ORDERS;
    console.log(
      `orderApplyRealApi: ${ORDERS} dev-cluster orders of ${objectsPerOrder} objects (vcluster part ${
        devClusterOrder('x')[0].objects.length
      } + registration part ${
        devClusterOrder('x')[1].objects.length
      }), kubernetes delivery, against kube-apiserver ${version.gitVersion} (${
        server.own
          ? `own ../shared/kube in ${server.own}`
          : 'KEBAP_TEST_KUBECONFIG'
      }), CRDs of upstream/crds installed`,
    );
    console.log(
      'variant                          p50 ms/order   p95 ms/order   round trips/object   round trips/order',
    );
    const row = (
      label: string,
      times: number[],
      requests: number,
      objects: number,
    ) =>
      console.log(
        `${label.padEnd(32)} ${percentile(times, 50)
          .toFixed(1)
          .padStart(12)}   ${percentile(times, 95)
          .toFixed(1)
          .padStart(12)}   ${(requests / objects).toFixed(2).padStart(18)}   ${(
          requests / ORDERS
        )
          .toFixed(1)
          .padStart(17)}`,
      );
    row(
      'portal (KubernetesDelivery)',
      portal.times,
      portal.requests,
      portal.objects,
    );
    if (byMethod.size)
      console.log(
        `portal round trips per order by method: ${[...byMethod]
          .map(([m, n]) => `${m} ${(n / ORDERS).toFixed(1)}`)
          .join(', ')}`,
      );
    if (!kubectl) {
      console.log(
        'kubectl apply --server-side: skipped (no kubectl on PATH): no baseline, no ratios',
      );
      return;
    }
    row('kubectl apply --server-side', base.times, base.requests, base.objects);
    console.log(
      `kubectl round trips per order: ${(base.discovery / ORDERS).toFixed(
        1,
      )} discovery/OpenAPI + ${(
        (base.requests - base.discovery) /
        ORDERS
      ).toFixed(1)} object requests (its warm-up run, discovery cache cold: ${
        base.cold?.discovery
      } + ${
        base.cold?.objects
      }); its wall time includes starting the kubectl process`,
    );
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
    console.log(
      `ratio (kubectl / portal): p50 wall time ${ratio(
        percentile(base.times, 50),
        percentile(portal.times, 50),
      )}, p95 ${ratio(
        percentile(base.times, 95),
        percentile(portal.times, 95),
      )}; round trips per object ${ratio(
        base.requests / base.objects,
        portal.requests / portal.objects,
      )} (object requests alone ${ratio(
        (base.requests - base.discovery) / base.objects,
        portal.requests / portal.objects,
      )})`,
    );
  } finally {
    if (!server.own && client) await cleanUp(client, written);
    server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
