import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { OrderObject } from '@internal/plugin-kebap-common';

/** One object file of an order folder. */
export interface CommittedObject {
  /** the part folder (`orders/<env>/<name>/<part>/…`), when the file is in one */
  part?: string;
  /** the file's path in the repository */
  file: string;
  object: OrderObject;
}

/** One order folder `orders/<env>/<name>/` of the orders repository. */
export interface CommittedOrder {
  env: string;
  name: string;
  /** `orders/<env>/<name>` */
  folder: string;
  objects: CommittedObject[];
}

/**
 * Every order of the GitOps orders repository as committed at `ref` (default
 * HEAD): the YAML objects under `orders/<env>/<name>/`, by `env/name`. Files
 * that are not YAML objects are skipped with a warning. No repository, or no
 * commit yet: no orders.
 *
 * The reference implementation, with isomorphic-git, reading everything on
 * every call (its time grows faster than the repository: each file is found
 * from the root tree): the tests of `CommittedOrdersReader` compare
 * with it and the benchmarks use it as their baseline. The catalog's orders
 * provider, the status route and dev-cluster expiry read through the shared
 * `CommittedOrdersReader` instead.
 */
export async function readCommittedOrders(options: {
  repoPath: string;
  ref?: string;
  logger?: LoggerService;
}): Promise<{ oid?: string; orders: Map<string, CommittedOrder> }> {
  const dir = path.resolve(options.repoPath);
  const orders = new Map<string, CommittedOrder>();
  if (!fs.existsSync(path.join(dir, '.git'))) return { orders };
  let oid: string;
  try {
    oid = await git.resolveRef({ fs, dir, ref: options.ref ?? 'HEAD' });
  } catch {
    return { orders }; // no commit yet
  }
  for (const file of await git.listFiles({ fs, dir, ref: oid })) {
    const m =
      /^orders\/([a-z0-9-]+)\/([a-z0-9-]+)\/(?:([a-z0-9-]+)\/)?(?:.+\/)?[^/]+\.yaml$/.exec(
        file,
      );
    if (!m) continue;
    const { blob } = await git.readBlob({ fs, dir, oid, filepath: file });
    let object: OrderObject | undefined;
    try {
      object = yaml.parse(Buffer.from(blob).toString('utf8'));
    } catch (e) {
      options.logger?.warn(`Skipping ${file}: not YAML (${e})`);
      continue;
    }
    if (!object?.metadata?.name) continue;
    const [, env, name, part] = m;
    const key = `${env}/${name}`;
    const order = orders.get(key) ?? {
      env,
      name,
      folder: `orders/${env}/${name}`,
      objects: [],
    };
    order.objects.push({ part, file, object });
    orders.set(key, order);
  }
  return { oid, orders };
}
