import { Config } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
import type { KEBAP_LABELS, OrderObject } from '@internal/plugin-kebap-common';
import { KubernetesClient } from '../kubernetes/KubernetesClient';
import {
  BackoffOptions,
  Informer,
  InformerChange,
} from '../kubernetes/Informer';
import {
  apiVersionOf,
  WATCHED_RESOURCES,
  WatchedResource,
} from './watchedResources';

/** A control-plane cluster the cache watches. */
export interface ClusterConnection {
  /** shown in status answers and entity locations */
  name: string;
  client: KubernetesClient;
}

/** The objects of one order on one cluster. */
export interface CachedOrder {
  cluster: string;
  order: string;
  env: string;
  objects: OrderObject[];
  /** ISO time the cache last saw a change of these objects */
  observedAt?: string;
}

/** Whether the copy of one cluster can be trusted. */
export interface ClusterCacheState {
  cluster: string;
  /** every watched collection is listed and watched */
  synced: boolean;
  /** the last failure, when not synced */
  lastError?: string;
}

/** An order whose objects changed. */
export interface OrderChange {
  cluster: string;
  order: string;
  env: string;
}

/**
 * What the cache keeps of an object: no managedFields, and of a Secret only
 * the `name` and `server` of an Argo CD registration, never its credentials.
 */
export function slimObject(obj: OrderObject): OrderObject {
  const { managedFields: _managed, ...metadata } =
    obj.metadata as OrderObject['metadata'] & { managedFields?: unknown };
  const slim: OrderObject = { ...obj, metadata };
  if (obj.kind === 'Secret') {
    const data = (obj.data ?? {}) as Record<string, string>;
    const kept: Record<string, string> = {};
    for (const k of ['name', 'server']) if (data[k]) kept[k] = data[k];
    slim.data = kept;
    delete slim.stringData;
  }
  return slim;
}

/** Labels that tie an object to its order (typed against kebap-common's). */
const ORDER_LABEL: (typeof KEBAP_LABELS)['order'] = 'kebap.io/order';
const ENV_LABEL: (typeof KEBAP_LABELS)['env'] = 'kebap.io/env';

const orderKey = (order: string, env: string) => `${env}/${order}`;
const objectKey = (o: OrderObject) =>
  [o.apiVersion, o.kind, o.metadata.namespace ?? '', o.metadata.name].join('/');

class ClusterCopy {
  readonly informers: Informer[];
  /** order key → object key → object */
  readonly byOrder = new Map<string, Map<string, OrderObject>>();
  readonly changedAt = new Map<string, string>();

  constructor(
    readonly connection: ClusterConnection,
    options: {
      resources: readonly WatchedResource[];
      argocdNamespace: string;
      logger: LoggerService;
      backoff?: Partial<BackoffOptions>;
      watchTimeoutSeconds?: number;
      onChange: (change: OrderChange) => void;
      onStateChange: () => void;
    },
  ) {
    this.informers = options.resources.map(
      r =>
        new Informer({
          client: connection.client,
          collection: {
            apiVersion: apiVersionOf(r),
            kind: r.kind,
            namespace:
              r.namespaces === 'argocd' ? options.argocdNamespace : undefined,
            labelSelector: r.labelSelector,
          },
          logger: options.logger,
          backoff: options.backoff,
          watchTimeoutSeconds: options.watchTimeoutSeconds,
          transform: slimObject,
          onSyncedChange: () => options.onStateChange(),
          onChange: c => {
            const touched = this.index(c);
            for (const t of touched)
              options.onChange({ cluster: connection.name, ...t });
          },
        }),
    );
  }

  private index(c: InformerChange): Array<{ order: string; env: string }> {
    const touched: Array<{ order: string; env: string }> = [];
    const now = new Date().toISOString();
    const labelsOf = (o?: OrderObject) => {
      const l = o?.metadata.labels ?? {};
      const order = l[ORDER_LABEL];
      const env = l[ENV_LABEL];
      return order && env ? { order, env } : undefined;
    };
    const key = objectKey(c.object);
    const before = labelsOf(c.previous);
    if (before) {
      const k = orderKey(before.order, before.env);
      const objects = this.byOrder.get(k);
      objects?.delete(key);
      if (objects?.size === 0) this.byOrder.delete(k);
      this.changedAt.set(k, now);
      touched.push(before);
    }
    const after = c.type === 'DELETED' ? undefined : labelsOf(c.object);
    if (after) {
      const k = orderKey(after.order, after.env);
      let objects = this.byOrder.get(k);
      if (!objects) this.byOrder.set(k, (objects = new Map()));
      objects.set(key, c.object);
      this.changedAt.set(k, now);
      if (!before || orderKey(before.order, before.env) !== k)
        touched.push(after);
    }
    // an order whose last object went has no change time to keep
    for (const { order, env } of touched) {
      const k = orderKey(order, env);
      if (!this.byOrder.has(k)) this.changedAt.delete(k);
    }
    return touched;
  }

  state(): ClusterCacheState {
    const failing = this.informers.find(i => !i.synced);
    return {
      cluster: this.connection.name,
      synced: !failing,
      ...(failing ? { lastError: failing.lastError ?? 'not listed yet' } : {}),
    };
  }

  cached(k: string, order: string, env: string): CachedOrder | undefined {
    const objects = this.byOrder.get(k);
    if (!objects) return undefined;
    return {
      cluster: this.connection.name,
      order,
      env,
      objects: [...objects.values()],
      observedAt: this.changedAt.get(k),
    };
  }
}

/**
 * A watch-fed copy of the portal's objects on each control-plane cluster
 * (the collections of {@link WATCHED_RESOURCES}), indexed by order
 * (`kebap.io/order` + `kebap.io/env`). Reading it costs no API call; the
 * informers keep it fresh within the latency of a watch event.
 */
export class KebapClusterCache {
  /**
   * The clusters of the config: the one `kebap.kubernetes` names (the same
   * connection the scaffolder module uses), when the portal may reach a
   * cluster (kubernetes delivery, or gitops delivery with
   * `kebap.kubernetes` set); none on the embedded defaults.
   */
  static fromConfig(
    config: Config,
    options: {
      logger: LoggerService;
      backoff?: Partial<BackoffOptions>;
    },
  ): KebapClusterCache {
    const mode = config.getOptionalString('kebap.delivery.mode') ?? 'gitops';
    const clusters: ClusterConnection[] = [];
    if (mode === 'kubernetes' || config.has('kebap.kubernetes')) {
      clusters.push({
        name:
          config.getOptionalString('kebap.kubernetes.clusterName') ??
          'control-plane',
        client: KubernetesClient.fromConfig(config, {
          logger: options.logger,
        }),
      });
    }
    return new KebapClusterCache({
      clusters,
      logger: options.logger,
      argocdNamespace:
        config.getOptionalString('kebap.argocd.namespace') ?? 'argocd',
      backoff: options.backoff,
    });
  }

  private readonly copies: ClusterCopy[];
  private readonly listeners = new Set<(change: OrderChange) => void>();
  private readonly stateListeners = new Set<() => void>();
  private started = false;

  constructor(options: {
    clusters: ClusterConnection[];
    logger: LoggerService;
    argocdNamespace?: string;
    resources?: readonly WatchedResource[];
    backoff?: Partial<BackoffOptions>;
    watchTimeoutSeconds?: number;
  }) {
    this.copies = options.clusters.map(
      connection =>
        new ClusterCopy(connection, {
          resources: options.resources ?? WATCHED_RESOURCES,
          argocdNamespace: options.argocdNamespace ?? 'argocd',
          logger: options.logger.child({ cluster: connection.name }),
          backoff: options.backoff,
          watchTimeoutSeconds: options.watchTimeoutSeconds,
          onChange: change => {
            for (const l of this.listeners) {
              try {
                l(change);
              } catch (e) {
                options.logger.warn(`Cluster cache listener failed: ${e}`);
              }
            }
          },
          onStateChange: () => {
            for (const l of this.stateListeners) {
              try {
                l();
              } catch (e) {
                options.logger.warn(`Cluster cache listener failed: ${e}`);
              }
            }
          },
        }),
    );
  }

  /** Whether any cluster is configured. */
  get configured(): boolean {
    return this.copies.length > 0;
  }

  /** Starts every informer (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const c of this.copies) for (const i of c.informers) i.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.copies.flatMap(c => c.informers.map(i => i.stop())));
    this.started = false;
  }

  /** Resolves true once every cluster is synced, false after `timeoutMs`. */
  async waitForSync(timeoutMs: number): Promise<boolean> {
    const all = await Promise.all(
      this.copies.flatMap(c => c.informers.map(i => i.waitForSync(timeoutMs))),
    );
    return all.every(Boolean);
  }

  state(): ClusterCacheState[] {
    return this.copies.map(c => c.state());
  }

  /** The order's objects on each cluster that holds some. */
  order(order: string, env: string): CachedOrder[] {
    const k = orderKey(order, env);
    return this.copies
      .map(c => c.cached(k, order, env))
      .filter((x): x is CachedOrder => Boolean(x));
  }

  /** Every order on every cluster. */
  orders(): CachedOrder[] {
    return this.copies.flatMap(c =>
      [...c.byOrder.keys()].map(k => {
        const [env, order] = k.split('/');
        return c.cached(k, order, env)!;
      }),
    );
  }

  /** LISTs and WATCHes sent so far, over all clusters. */
  requestCounts(): { lists: number; watches: number } {
    const informers = this.copies.flatMap(c => c.informers);
    return {
      lists: informers.reduce((n, i) => n + i.lists, 0),
      watches: informers.reduce((n, i) => n + i.watches, 0),
    };
  }

  /** Calls `listener` for every order whose objects change; returns an unsubscribe. */
  onChange(listener: (change: OrderChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` when a collection becomes synced or stops being synced
   * (see {@link KebapClusterCache.state}); returns an unsubscribe.
   */
  onStateChange(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }
}
