import path from 'node:path';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  KEBAP_ANNOTATIONS,
  KEBAP_LABELS,
  KEBAP_MANAGER,
} from '@internal/plugin-kebap-common';
import {
  changedOrders,
  CommittedOrder,
  CommittedOrdersReader,
  KubernetesClient,
  listOrderObjects,
} from '@internal/plugin-kebap-node';
import { OrderDelivery, OrderObject } from '../delivery/OrderDelivery';

/**
 * The annotation that records which expiry the owner was warned about (its
 * value is the `kebap.io/expires-at` it warned of), so a restart or another
 * replica does not warn twice, and an extension (a new expiry) warns again.
 */
export const EXPIRY_WARNED_ANNOTATION = 'kebap.io/expiry-warned';

/** A dev cluster the portal ordered, as its delivered objects say. */
export interface DevClusterOrder {
  env: string;
  /** the order name, e.g. `alpha` */
  name: string;
  /** the owning group, from `kebap.io/owner-ref` */
  ownerRef: string;
  /** e.g. `resource:default/dev-alpha` */
  entityRef: string;
  /** ISO 8601, from `kebap.io/expires-at`; undefined when it never expires */
  expiresAt?: string;
  /** the expiry the owner was warned about, from {@link EXPIRY_WARNED_ANNOTATION} */
  warnedFor?: string;
  /** the order's objects by part (gitops folder; `vcluster` in kubernetes delivery) */
  parts: { part: string; objects: OrderObject[] }[];
}

/** Lists the dev clusters the portal ordered. */
export interface DevClusterOrderSource {
  list(): Promise<DevClusterOrder[]>;
}

const isManagedVCluster = (o: OrderObject) =>
  o?.metadata?.labels?.[KEBAP_LABELS.managedBy] === KEBAP_MANAGER &&
  o.metadata.labels?.[KEBAP_LABELS.kind] === 'vcluster';

function toOrder(
  env: string,
  name: string,
  parts: Map<string, OrderObject[]>,
): DevClusterOrder | undefined {
  const all = [...parts.values()].flat();
  const main = all.find(isManagedVCluster);
  if (!main) return undefined;
  const annotations = main.metadata.annotations ?? {};
  const ownerRef = annotations[KEBAP_ANNOTATIONS.ownerRef];
  if (!ownerRef) return undefined;
  const first = (key: string) =>
    all.map(o => o.metadata.annotations?.[key]).find(Boolean);
  return {
    env,
    name,
    ownerRef,
    entityRef:
      annotations[KEBAP_ANNOTATIONS.entityRef] ??
      `resource:default/${env}-${name}`,
    expiresAt: first(KEBAP_ANNOTATIONS.expiresAt),
    warnedFor: first(EXPIRY_WARNED_ANNOTATION),
    parts: [...parts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([part, objects]) => ({ part, objects })),
  };
}

/**
 * The dev clusters in the GitOps orders repository, read at the committed
 * HEAD through the process's shared {@link CommittedOrdersReader} (the one
 * the catalog's entity provider and the status route read):
 * `orders/dev/<name>/<part>/*.yaml` whose objects are the portal's and
 * labelled `kebap.io/kind=vcluster`. A scan while HEAD has not moved costs
 * no git command; a new HEAD, what changed. With a remote orders repository
 * this is the working clone as of this replica's last sync (fetched every
 * `kebap.delivery.gitops.remote.fetchIntervalSeconds`).
 */
const byName = new Intl.Collator().compare;

export class GitopsDevClusterOrders implements DevClusterOrderSource {
  private readonly reader: CommittedOrdersReader;
  private last?: {
    oid?: string;
    source: ReadonlyMap<string, CommittedOrder>;
    byKey: Map<string, DevClusterOrder>;
    orders: DevClusterOrder[];
  };

  constructor(options: {
    repoPath: string;
    logger?: LoggerService;
    /** default: the shared reader of `repoPath` */
    reader?: CommittedOrdersReader;
  }) {
    this.reader =
      options.reader ??
      CommittedOrdersReader.forPath(path.resolve(options.repoPath), {
        logger: options.logger,
      });
  }

  /** The dev clusters at HEAD, by name (the objects are shared: do not change them). */
  async list(): Promise<DevClusterOrder[]> {
    const snapshot = await this.reader.read();
    if (!this.last || this.last.oid !== snapshot.oid) {
      // only the orders that changed since the last list are looked at again
      const byKey = new Map(this.last?.byKey ?? []);
      const { changed, removed } = changedOrders(
        this.last?.source,
        snapshot.orders,
      );
      for (const key of removed) byKey.delete(key);
      for (const key of changed) {
        const order = snapshot.orders.get(key)!;
        const dev = order.env === 'dev' ? devClusterOf(order) : undefined;
        if (dev) byKey.set(key, dev);
        else byKey.delete(key);
      }
      this.last = {
        oid: snapshot.oid,
        source: snapshot.orders,
        byKey,
        orders: [...byKey.values()].sort((a, b) => byName(a.name, b.name)),
      };
    }
    return [...this.last.orders];
  }
}


function devClusterOf(order: CommittedOrder): DevClusterOrder | undefined {
  const parts = new Map<string, OrderObject[]>();
  for (const { part, object } of order.objects) {
    if (part) parts.set(part, [...(parts.get(part) ?? []), object]);
  }
  return toOrder(order.env, order.name, parts);
}

/** Fields the API server writes, left out when an object is applied again. */
const serverMetadata = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
];

/**
 * An object read from the cluster as the portal would apply it: without
 * what the API server or a controller writes (server metadata, `status`,
 * Argo CD's `operation`, a Namespace's `spec.finalizers`).
 */
export function toAppliable(obj: OrderObject): OrderObject {
  const {
    status: _s,
    operation: _o,
    ...rest
  } = obj as OrderObject & {
    status?: unknown;
    operation?: unknown;
  };
  const metadata = { ...(obj.metadata as Record<string, unknown>) };
  for (const key of serverMetadata) delete metadata[key];
  const out: OrderObject = {
    ...rest,
    metadata: metadata as OrderObject['metadata'],
  };
  if (obj.kind === 'Namespace' && obj.apiVersion === 'v1') delete out.spec;
  return out;
}

/**
 * The dev clusters on the control-plane cluster (kubernetes delivery): the
 * objects labelled `kebap.io/kind=vcluster` and managed by the portal,
 * grouped by their `kebap.io/order` and `kebap.io/env` labels.
 */
export class KubernetesDevClusterOrders implements DevClusterOrderSource {
  private readonly client: KubernetesClient;

  constructor(options: { client: KubernetesClient }) {
    this.client = options.client;
  }

  async list(): Promise<DevClusterOrder[]> {
    const selector = `${KEBAP_LABELS.kind}=vcluster,${KEBAP_LABELS.managedBy}=${KEBAP_MANAGER}`;
    const found = await listOrderObjects({
      client: this.client,
      labelSelector: selector,
    });
    const byOrder = new Map<string, OrderObject[]>();
    for (const obj of found) {
      const labels = obj.metadata.labels ?? {};
      const key = `${labels[KEBAP_LABELS.env]}/${labels[KEBAP_LABELS.order]}`;
      byOrder.set(key, [...(byOrder.get(key) ?? []), toAppliable(obj)]);
    }
    return [...byOrder]
      .map(([key, objects]) => {
        const [env, name] = key.split('/');
        return toOrder(env, name, new Map([['vcluster', objects]]));
      })
      .filter((o): o is DevClusterOrder => !!o)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** The source that matches the delivery mode. */
export function createDevClusterOrderSource(options: {
  mode: 'gitops' | 'kubernetes';
  repoPath: string;
  client?: KubernetesClient;
  logger?: LoggerService;
}): DevClusterOrderSource {
  if (options.mode === 'kubernetes') {
    if (!options.client)
      throw new Error('kubernetes delivery needs a Kubernetes client');
    return new KubernetesDevClusterOrders({ client: options.client });
  }
  return new GitopsDevClusterOrders(options);
}

/**
 * Rewrites annotations of the order's objects that carry an expiry, through
 * the delivery (gitops: one commit per part; kubernetes: server-side apply
 * as the portal). `undefined` removes an annotation. The delivery checks
 * ownership as for any order.
 */
export async function rewriteExpiryAnnotations(options: {
  delivery: OrderDelivery;
  order: DevClusterOrder;
  annotations: Record<string, string | undefined>;
  requestedBy?: string;
  taskId?: string;
  logger: LoggerService;
}): Promise<{ commit?: string; refs: string[] }> {
  const { delivery, order } = options;
  let commit: string | undefined;
  const refs: string[] = [];
  for (const { part, objects } of order.parts) {
    if (
      !objects.some(o => o.metadata.annotations?.[KEBAP_ANNOTATIONS.expiresAt])
    )
      continue;
    const rewritten = objects.map(o => {
      const current = o.metadata.annotations ?? {};
      if (!current[KEBAP_ANNOTATIONS.expiresAt]) return o;
      const annotations: Record<string, string> = { ...current };
      for (const [key, value] of Object.entries(options.annotations)) {
        if (value === undefined) delete annotations[key];
        else annotations[key] = value;
      }
      return { ...o, metadata: { ...o.metadata, annotations } };
    });
    const result = await delivery.deliver(
      {
        env: order.env,
        name: order.name,
        part,
        ownerRef: order.ownerRef,
        objects: rewritten,
        requestedBy: options.requestedBy,
        taskId: options.taskId,
      },
      { logger: options.logger },
    );
    commit = result.commit ?? commit;
    refs.push(...result.refs);
  }
  return { commit, refs };
}
