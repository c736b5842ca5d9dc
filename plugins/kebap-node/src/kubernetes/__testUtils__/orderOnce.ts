/*
 * One portal process ordering one object, for the cross-process race test:
 * `node -r sucrase/register/ts orderOnce.ts KUBECONFIG NAMESPACE NAME TEAM START_AT_MS`.
 * Waits until START_AT_MS (so that two processes fire together), applies a
 * ServiceAccount of order NAME for TEAM with the portal's applyObjects, and
 * prints one JSON line: {"ok":true} or {"ok":false,"name":…,"message":…}.
 */
import { KubeConfig } from '@kubernetes/client-node';
import {
  isOwnedBy,
  orderMetadata,
  OrderObject,
} from '@internal/plugin-kebap-common';
import { KubernetesClient } from '../KubernetesClient';
import { applyObjects } from '../applyObjects';

async function main() {
  const [kubeconfig, namespace, name, team, startAt] = process.argv.slice(2);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const quiet = {
    error() {},
    warn() {},
    info() {},
    debug() {},
    child: () => quiet,
  } as any;
  const client = KubernetesClient.fromKubeConfig(kc, { logger: quiet });
  const owner = `group:default/${team}`;
  const meta = orderMetadata({
    orderName: name,
    owner,
    entityRef: `resource:default/prod-${name}`,
    env: 'prod',
    kind: 'database',
    taskId: `task-${team}`,
  });
  const obj = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace, ...meta },
  } as OrderObject;
  // connections warmed before the start: the race is between the writes
  await client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  await new Promise(r =>
    setTimeout(r, Math.max(0, Number(startAt) - Date.now())),
  );
  try {
    await applyObjects({
      client,
      objects: [obj],
      fieldManager: 'kebap-portal',
      mayOverwrite: o =>
        isOwnedBy(o.metadata, { orderName: name, ownerRef: owner }),
      logger: quiet,
    });
    process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  } catch (e) {
    const err = e as Error;
    process.stdout.write(
      `${JSON.stringify({
        ok: false,
        name: err.name,
        message: err.message,
      })}\n`,
    );
  }
}

main();
