import { ConflictError, InputError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import type { OrderObject } from '@internal/plugin-kebap-common';
import { KubernetesClient } from './KubernetesClient';
import {
  ObjectRef,
  orderResources,
  refString,
  resourceOf,
} from './kubernetesResources';

/** What applying an order did. */
export interface ApplyResult {
  applied: string[];
  created: string[];
  updated: string[];
}

const refOf = (o: OrderObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  namespace: o.metadata.namespace,
  name: o.metadata.name,
});

/** Runs at most `limit` of the tasks at once. */
async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
) {
  const queue = [...items];
  const workers = Array.from(
    { length: Math.min(limit, queue.length) },
    async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
        await fn(item);
      }
    },
  );
  await Promise.all(workers);
}

/**
 * Applies an order's objects by server-side apply:
 * 1. pre-flight: reads every object at once; if one exists and
 *    `mayOverwrite` refuses it, throws a ConflictError naming every such
 *    object, and nothing is written;
 * 2. applies cluster-scoped objects first (Namespaces, bindings), then the
 *    rest concurrently;
 * 3. when a write fails for good, the error names what was applied and what
 *    was not.
 * Applying the same objects again converges (server-side apply is idempotent).
 */
export async function applyObjects(options: {
  client: KubernetesClient;
  objects: OrderObject[];
  fieldManager: string;
  mayOverwrite: (existing: OrderObject) => true | string;
  logger: LoggerService;
  concurrency?: number;
}): Promise<ApplyResult> {
  const { client, objects, fieldManager, logger } = options;
  const concurrency = options.concurrency ?? 8;
  for (const o of objects) {
    if (resourceOf(o.apiVersion, o.kind).ordered === false) {
      throw new InputError(
        `kind: orders never contain a ${o.kind} (${refString(
          refOf(o),
        )}); the portal only reads them`,
      );
    }
  }
  const existing = new Map<string, OrderObject | undefined>();
  try {
    await pool(objects, concurrency, async o => {
      existing.set(refString(refOf(o)), await client.get(refOf(o)));
    });
  } catch (e) {
    // an object the portal may not write is the caller's mistake: say so as is
    if ((e as Error).name === 'InputError') throw e;
    // nothing is written before every object has been read
    const err = new Error(
      `Order not applied: the objects could not be read first, so nothing was written; cause: ${
        (e as Error).message
      }. Run the task again to complete it.`,
    );
    err.name = (e as Error).name;
    throw err;
  }
  const conflicts: string[] = [];
  for (const o of objects) {
    const current = existing.get(refString(refOf(o)));
    if (!current) continue;
    const verdict = options.mayOverwrite(current);
    if (verdict !== true) conflicts.push(`${refString(refOf(o))}: ${verdict}`);
  }
  if (conflicts.length > 0) {
    throw new ConflictError(
      `Refusing to write over objects that are not this order's; nothing was written. ${conflicts.join(
        '; ',
      )}`,
    );
  }

  const result: ApplyResult = { applied: [], created: [], updated: [] };
  const waves = [
    objects.filter(o => !resourceOf(o.apiVersion, o.kind).namespaced),
    objects.filter(o => resourceOf(o.apiVersion, o.kind).namespaced),
  ];
  try {
    for (const wave of waves) {
      await pool(wave, concurrency, async o => {
        const ref = refString(refOf(o));
        await client.apply(o, { fieldManager });
        result.applied.push(ref);
        (existing.get(ref) ? result.updated : result.created).push(ref);
        logger.info(`Applied ${ref}`);
      });
    }
  } catch (e) {
    const notApplied = objects
      .map(o => refString(refOf(o)))
      .filter(r => !result.applied.includes(r));
    const err = new Error(
      `Order partly applied. applied: ${
        result.applied.join(', ') || 'nothing'
      }; not applied: ${notApplied.join(', ')}; cause: ${
        (e as Error).message
      }. Run the task again to complete it.`,
    );
    err.name =
      (e as Error).name === 'ConflictError' ? 'ConflictError' : 'Error';
    throw err;
  }
  return result;
}

/** The benchmark baseline: one request at a time, no pre-flight concurrency. */
export async function applyObjectsSequentially(options: {
  client: KubernetesClient;
  objects: OrderObject[];
  fieldManager: string;
  mayOverwrite: (existing: OrderObject) => true | string;
}): Promise<void> {
  for (const o of options.objects) {
    const current = await options.client.get(refOf(o));
    if (current && options.mayOverwrite(current) !== true) {
      throw new ConflictError(`${refString(refOf(o))} is not this order's`);
    }
  }
  for (const o of options.objects) {
    await options.client.apply(o, { fieldManager: options.fieldManager });
  }
}

/**
 * Deletes an order's objects, namespaced ones first; refuses (ConflictError,
 * nothing deleted) objects `mayDelete` refuses; a missing object is fine.
 */
export async function deleteObjects(options: {
  client: KubernetesClient;
  refs: ObjectRef[];
  mayDelete: (existing: OrderObject) => true | string;
}): Promise<string[]> {
  const { client, refs } = options;
  const found = await Promise.all(
    refs.map(async r => [r, await client.get(r)] as const),
  );
  const refused = found
    .filter(([, o]) => o && options.mayDelete(o) !== true)
    .map(([r, o]) => `${refString(r)}: ${options.mayDelete(o!)}`);
  if (refused.length) {
    throw new ConflictError(
      `Refusing to delete objects that are not this order's; nothing was deleted. ${refused.join(
        '; ',
      )}`,
    );
  }
  const deleted: string[] = [];
  const ordered = [...found].sort(
    (a, b) =>
      Number(!resourceOf(a[0].apiVersion, a[0].kind).namespaced) -
      Number(!resourceOf(b[0].apiVersion, b[0].kind).namespaced),
  );
  const done = new Set<string>();
  try {
    for (const [r, o] of ordered) {
      if (o && (await client.delete(r))) deleted.push(refString(r));
      done.add(refString(r));
    }
  } catch (e) {
    const notDeleted = ordered
      .filter(([r, o]) => o && !done.has(refString(r)))
      .map(([r]) => refString(r));
    const err = new Error(
      `Order partly removed. deleted: ${
        deleted.join(', ') || 'nothing'
      }; not deleted: ${notDeleted.join(', ')}; cause: ${
        (e as Error).message
      }. Run the task again to complete it.`,
    );
    err.name = (e as Error).name;
    throw err;
  }
  return deleted;
}

/**
 * Every object of the kinds orders contain (`orderResources`, never Secrets)
 * that matches a label selector, across all namespaces: one LIST per kind,
 * sent at once.
 */
export async function listOrderObjects(options: {
  client: KubernetesClient;
  labelSelector: string;
}): Promise<OrderObject[]> {
  const lists = await Promise.all(
    orderResources.map(r =>
      options.client.list({
        apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
        kind: r.kind,
        labelSelector: options.labelSelector,
      }),
    ),
  );
  return lists.flat();
}
