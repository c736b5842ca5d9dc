import { ConflictError, InputError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import type { OrderObject } from '@internal/plugin-kebap-common';
import { KubernetesClient } from './KubernetesClient';
import {
  ObjectRef,
  orderResources,
  refString,
  resourceOf,
  resourcePath,
} from './kubernetesResources';

/** What applying an order did. */
export interface ApplyResult {
  applied: string[];
  created: string[];
  updated: string[];
  /** applied with no change: the API server kept their resourceVersion */
  unchanged: string[];
}

type Stored = OrderObject & {
  metadata: OrderObject['metadata'] & { resourceVersion?: string };
};

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

/** The API server's answer to a write whose `resourceVersion` is stale. */
const isStale = (e: unknown) =>
  (e as Error).name === 'ConflictError' &&
  /has been modified|changed right after/.test((e as Error).message);

/** The API server's answer to a create of a name that exists. */
const isTaken = (e: unknown) =>
  (e as Error).name === 'ConflictError' &&
  /already exists/.test((e as Error).message);

/** Whether `fieldManager` still holds fields of `obj` as an `Update` (a create). */
const unclaimed = (obj: Stored, fieldManager: string) =>
  ((obj.metadata as any).managedFields ?? []).some(
    (f: { manager?: string; operation?: string }) =>
      f.manager === fieldManager && f.operation === 'Update',
  );

/** How often one object is read again when it changes under a write. */
const ATTEMPTS = 4;

/**
 * Namespaces the objects are in that neither exist nor are created by the
 * objects themselves, with the objects that need each.
 */
async function missingNamespaces(
  client: KubernetesClient,
  objects: OrderObject[],
): Promise<Map<string, string[]>> {
  const created = new Set(
    objects.filter(o => o.kind === 'Namespace').map(o => o.metadata.name),
  );
  const needed = new Map<string, string[]>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (!ns || created.has(ns)) continue;
    if (!resourceOf(o.apiVersion, o.kind).namespaced) continue;
    needed.set(ns, [...(needed.get(ns) ?? []), refString(refOf(o))]);
  }
  const missing = new Map<string, string[]>();
  await Promise.all(
    [...needed].map(async ([ns, refs]) => {
      const found = await client.get({
        apiVersion: 'v1',
        kind: 'Namespace',
        name: ns,
      });
      if (!found) missing.set(ns, refs);
    }),
  );
  return missing;
}

/**
 * Applies an order's objects, with ownership enforced by the API server:
 * 1. pre-flight, before anything is written: every object is read at once;
 *    every namespace the objects go to must exist or be one of the objects
 *    (InputError otherwise); an existing object `mayOverwrite` refuses is a
 *    ConflictError naming every such object;
 * 2. cluster-scoped objects first (Namespaces, bindings), then the rest
 *    concurrently. An absent object is created (POST: of two creators of a
 *    name the API server lets exactly one win; the loser reads the winner's
 *    object and asks `mayOverwrite` again), its create's `Update` entry
 *    claimed as the field manager's `Apply` entry and the object applied
 *    once (server-side apply), so that later applies of it change nothing;
 *    an existing one is server-side applied with
 *    the `resourceVersion` its verdict was made on (the API server refuses
 *    the write when the object changed since: it is read, judged and written
 *    again, a bounded number of times). Never `force`: a field another
 *    manager owns is a ConflictError;
 * 3. when a write fails for good, the error names what was applied and what
 *    was not (an object created whose claim or first apply failed is "created,
 *    not finished": a re-run claims and applies it); when nothing was written,
 *    it says so.
 * Applying the same objects again converges: nothing changes, and the
 * objects keep their resourceVersion (reported as `unchanged`).
 * `dryRun` sends every write with the API server's `dryRun=All`: validated
 * and admitted by the server, nothing stored.
 */
export async function applyObjects(options: {
  client: KubernetesClient;
  objects: OrderObject[];
  fieldManager: string;
  mayOverwrite: (existing: OrderObject) => true | string;
  logger: LoggerService;
  concurrency?: number;
  dryRun?: boolean;
}): Promise<ApplyResult> {
  const { client, objects, fieldManager, logger, dryRun } = options;
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
  const existing = new Map<string, Stored | undefined>();
  let missing: Map<string, string[]>;
  try {
    [missing] = await Promise.all([
      missingNamespaces(client, objects),
      pool(objects, concurrency, async o => {
        existing.set(refString(refOf(o)), await client.get(refOf(o)));
      }),
    ]);
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
  if (missing.size > 0) {
    throw new InputError(
      `namespace: ${[...missing]
        .map(
          ([ns, refs]) => `${ns} does not exist (needed by ${refs.join(', ')})`,
        )
        .join(
          '; ',
        )}; nothing was written. Order into a namespace that exists, or ask the platform team to create it.`,
    );
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

  /** created, but its claim or first apply has not succeeded (yet) */
  const unfinished = new Set<string>();
  /** One object: create or apply, judged on the version it writes over. */
  const write = async (
    o: OrderObject,
  ): Promise<'created' | 'updated' | 'unchanged'> => {
    const ref = refString(refOf(o));
    let current = existing.get(ref);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (attempt > 1) current = (await client.get(refOf(o))) as Stored;
      if (!current) {
        try {
          // the create claims the name (of two creators, one wins); the
          // claim makes its fields the manager's apply set, and the apply
          // puts that set in the API server's own form
          const made = (await client.create(o, {
            fieldManager,
            dryRun,
          })) as Stored;
          if (dryRun) return 'created';
          unfinished.add(ref);
          const claimed = (await client.claimForApply(made, {
            fieldManager,
          })) as Stored;
          await client.apply(
            {
              ...o,
              metadata: {
                ...o.metadata,
                resourceVersion: claimed.metadata.resourceVersion,
              },
            } as OrderObject,
            { fieldManager },
          );
          return 'created';
        } catch (e) {
          if (isTaken(e) || isStale(e)) continue;
          throw e;
        }
      }
      if (attempt > 1) {
        const verdict = options.mayOverwrite(current);
        if (verdict !== true)
          throw new ConflictError(
            `${ref}: ${verdict} (written meanwhile by someone else)`,
          );
      }
      try {
        // created by an earlier run that stopped before claiming it
        if (!dryRun && unclaimed(current, fieldManager))
          current = (await client.claimForApply(current, {
            fieldManager,
          })) as Stored;
        const applied = (await client.apply(
          {
            ...o,
            metadata: {
              ...o.metadata,
              resourceVersion: current.metadata.resourceVersion,
            },
          } as OrderObject,
          { fieldManager, dryRun },
        )) as Stored;
        return applied.metadata.resourceVersion ===
          current.metadata.resourceVersion
          ? 'unchanged'
          : 'updated';
      } catch (e) {
        if (isStale(e)) continue;
        throw e;
      }
    }
    throw new ConflictError(
      `${ref} kept changing while it was written (${ATTEMPTS} attempts); nothing more of it was written`,
    );
  };

  const result: ApplyResult = {
    applied: [],
    created: [],
    updated: [],
    unchanged: [],
  };
  const waves = [
    objects.filter(o => !resourceOf(o.apiVersion, o.kind).namespaced),
    objects.filter(o => resourceOf(o.apiVersion, o.kind).namespaced),
  ];
  try {
    for (const wave of waves) {
      await pool(wave, concurrency, async o => {
        const ref = refString(refOf(o));
        const outcome = await write(o);
        unfinished.delete(ref);
        result.applied.push(ref);
        result[outcome].push(ref);
        logger.info(
          `${dryRun ? 'Dry run: ' : ''}${
            { created: 'Created', updated: 'Updated', unchanged: 'Unchanged' }[
              outcome
            ]
          } ${ref}`,
        );
      });
    }
  } catch (e) {
    const notApplied = objects
      .map(o => refString(refOf(o)))
      .filter(r => !result.applied.includes(r))
      .map(r => (unfinished.has(r) ? `${r} (created but not finished)` : r));
    const cause = (e as Error).message;
    const err = new Error(
      result.applied.length === 0 && unfinished.size === 0
        ? `Order not applied: nothing was written; not applied: ${notApplied.join(
            ', ',
          )}; cause: ${cause}. Run the task again to complete it.`
        : `Order partly applied. applied: ${
            result.applied.join(', ') || 'nothing'
          }; not applied: ${notApplied.join(
            ', ',
          )}; cause: ${cause}. Run the task again to complete it.`,
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

/** Where one object of an order stands after a removal. */
export interface PendingRemoval {
  ref: string;
  /**
   * `deleting`: marked for deletion, held by its finalizers (their
   * controllers are still cleaning up); `waiting`: not deleted yet, because
   * objects of an earlier phase are still deleting
   */
  state: 'deleting' | 'waiting';
  finalizers?: string[];
  /**
   * `waiting` objects in the namespace of a held object: they carry an
   * ownerReference to it now, so the API server's garbage collector deletes
   * them once it is gone (these refs); no further removal is needed
   */
  until?: string[];
}

/** What removing an order's objects did. */
export interface RemoveResult {
  /** gone now, by this removal */
  deleted: string[];
  /** still there: deleting (with finalizers) or waiting for an earlier phase */
  pending: PendingRemoval[];
}

/**
 * The order in which an order's objects are deleted: first the objects
 * whose controllers clean up real infrastructure behind finalizers (a
 * Stack's `destroyOnFinalize` destroy, an Argo CD Application's pruning),
 * then, once those are gone, what they needed while cleaning up (the
 * Stack's Program, its credentials' ExternalSecret and SecretStore, its
 * ServiceAccount), and cluster-scoped objects last.
 */
export function deletionPhase(ref: {
  apiVersion: string;
  kind: string;
}): number {
  if (ref.kind === 'Stack' || ref.kind === 'Application') return 0;
  return resourceOf(ref.apiVersion, ref.kind).namespaced ? 1 : 2;
}

const finalizersOf = (o: any): string[] => [
  ...(o?.metadata?.finalizers ?? []),
  // a Namespace's own finalizer (the namespace controller empties it)
  ...(o?.kind === 'Namespace' ? o?.spec?.finalizers ?? [] : []),
];

type Meta = {
  uid?: string;
  resourceVersion?: string;
  deletionTimestamp?: string;
  ownerReferences?: Array<{ uid?: string }>;
};
const metaOf = (o: OrderObject) =>
  (o.metadata ?? {}) as OrderObject['metadata'] & Meta;

/**
 * Deletes an order's objects phase by phase ({@link deletionPhase}), each
 * with background propagation (a Stack's Workspace must outlive the start
 * of its destroy): refuses (ConflictError, nothing deleted) objects
 * `mayDelete` refuses; a missing object is fine. An object held by
 * finalizers stays `deleting`; the next phase starts once every object of
 * the phase before is gone, waited for up to `waitMs` (polling every
 * `pollMs`). When the wait is over and objects are still held, what a held
 * object may still need (the later objects in its namespace) is handed to
 * the API server: each gets an ownerReference to the held objects of its
 * namespace, so the garbage collector deletes it once they are gone
 * (`waiting`, with `until`); later objects elsewhere are deleted at once,
 * cluster-scoped ones wait for a later removal. A second removal deletes
 * nothing twice: it reports what is still deleting and carries on.
 */
export async function deleteObjects(options: {
  client: KubernetesClient;
  refs: ObjectRef[];
  mayDelete: (existing: OrderObject) => true | string;
  /** how long to wait for a phase's objects to be gone (default 0) */
  waitMs?: number;
  pollMs?: number;
  logger?: LoggerService;
}): Promise<RemoveResult> {
  const { client, refs } = options;
  const waitMs = options.waitMs ?? 0;
  const pollMs = options.pollMs ?? 1000;
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
  const present = found.filter(([, o]) => o) as Array<
    readonly [ObjectRef, OrderObject]
  >;
  const result: RemoveResult = { deleted: [], pending: [] };
  const done = new Set<string>();

  /** Deletes objects; returns those still there, held by finalizers. */
  const remove = async (
    members: ReadonlyArray<readonly [ObjectRef, OrderObject]>,
  ) => {
    const held = new Map<string, { ref: ObjectRef; obj: OrderObject }>();
    for (const [r, o] of members) {
      const ref = refString(r);
      if (metaOf(o).deletionTimestamp) {
        // deleted before (an earlier removal): not deleted twice
        held.set(ref, { ref: r, obj: o });
        continue;
      }
      const after = await client.delete(r, { propagationPolicy: 'Background' });
      done.add(ref);
      if (after && metaOf(after).deletionTimestamp)
        held.set(ref, { ref: r, obj: after });
      else result.deleted.push(ref);
    }
    return held;
  };

  /** Waits, bounded, for held objects to go; keeps the rest in `held`. */
  const waitFor = async (
    held: Map<string, { ref: ObjectRef; obj: OrderObject }>,
  ) => {
    const deadline = Date.now() + waitMs;
    while (held.size > 0) {
      for (const [ref, h] of [...held]) {
        const now = await client.get(h.ref);
        if (!now) {
          held.delete(ref);
          result.deleted.push(ref);
        } else held.set(ref, { ref: h.ref, obj: now });
      }
      if (held.size === 0 || Date.now() >= deadline) break;
      await new Promise(res => setTimeout(res, pollMs));
    }
  };

  /** Makes `o` a dependent of `owners` (JSON patch, optimistic lock). */
  const handOver = async (
    r: ObjectRef,
    o: OrderObject,
    owners: OrderObject[],
  ) => {
    const existing = metaOf(o).ownerReferences ?? [];
    const add = owners
      .filter(w => !existing.some(e => e.uid === metaOf(w).uid))
      .map(w => ({
        apiVersion: w.apiVersion,
        kind: w.kind,
        name: w.metadata.name,
        uid: metaOf(w).uid,
        blockOwnerDeletion: false,
      }));
    if (!add.length) return;
    await client.request(
      'PATCH',
      `${resourcePath(r)}?fieldManager=kebap-portal`,
      [
        {
          op: 'replace',
          path: '/metadata/resourceVersion',
          value: metaOf(o).resourceVersion,
        },
        existing.length
          ? {
              op: 'replace',
              path: '/metadata/ownerReferences',
              value: [...existing, ...add],
            }
          : { op: 'add', path: '/metadata/ownerReferences', value: add },
      ],
      'application/json-patch+json',
    );
  };

  try {
    const phases = [...new Set(present.map(([r]) => deletionPhase(r)))].sort();
    for (const [i, phase] of phases.entries()) {
      const members = present.filter(([r]) => deletionPhase(r) === phase);
      const held = await remove(members);
      await waitFor(held);
      if (held.size === 0) continue;
      for (const [ref, h] of held)
        result.pending.push({
          ref,
          state: 'deleting',
          finalizers: finalizersOf(h.obj),
        });
      const later = present.filter(
        ([r]) => phases.indexOf(deletionPhase(r)) > i,
      );
      const heldIn = (ns?: string) =>
        [...held.values()]
          .filter(h => ns && h.ref.namespace === ns)
          .map(h => h.obj);
      // what a held object may need: the API server deletes it after it
      for (const [r, o] of later) {
        const owners = heldIn(r.namespace);
        if (!owners.length) continue;
        await handOver(r, o, owners);
        done.add(refString(r));
        result.pending.push({
          ref: refString(r),
          state: 'waiting',
          until: owners.map(w =>
            refString({
              apiVersion: w.apiVersion,
              kind: w.kind,
              namespace: w.metadata.namespace,
              name: w.metadata.name,
            }),
          ),
        });
      }
      // the rest no held object needs: namespaced ones go now, cluster-scoped
      // ones (no namespaced owner can hold them) wait for a later removal
      const rest = later.filter(([r]) => !heldIn(r.namespace).length);
      const namespaced = rest.filter(
        ([r]) => resourceOf(r.apiVersion, r.kind).namespaced,
      );
      const restHeld = await remove(namespaced);
      for (const [ref, h] of restHeld)
        result.pending.push({
          ref,
          state: 'deleting',
          finalizers: finalizersOf(h.obj),
        });
      for (const [r] of rest.filter(
        ([m]) => !resourceOf(m.apiVersion, m.kind).namespaced,
      ))
        result.pending.push({ ref: refString(r), state: 'waiting' });
      break;
    }
  } catch (e) {
    const notDeleted = present
      .map(([r]) => refString(r))
      .filter(r => !done.has(r) && !result.deleted.includes(r));
    const err = new Error(
      `Order partly removed. deleted: ${
        result.deleted.join(', ') || 'nothing'
      }; not deleted: ${notDeleted.join(', ')}; cause: ${
        (e as Error).message
      }. Run the task again to complete it.`,
    );
    err.name = (e as Error).name;
    throw err;
  }
  return result;
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
