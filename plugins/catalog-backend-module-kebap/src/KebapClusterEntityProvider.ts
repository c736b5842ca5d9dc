import {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { Entity } from '@backstage/catalog-model';
import { KebapClusterCache } from '@internal/plugin-kebap-node';
import { orderToEntity } from './orderToEntity';

/**
 * The location key both KEBAP providers give their entities, so an order
 * can pass from one to the other (committed → only on the cluster) without
 * a catalog conflict.
 */
export const KEBAP_LOCATION_KEY = 'kebap-orders';

/**
 * Materialises a `Resource` entity for every order whose objects the portal
 * labelled on a control-plane cluster (Stacks, vCluster Applications, Argo
 * CD registrations, ...), read from the shared watch-fed cluster cache: no
 * Kubernetes API call per refresh, and a change reaches the catalog within
 * `debounceMs` of its watch event. Something ordered outside a template, or
 * whose registration step failed, is still in the catalog; a deleted order
 * disappears (full mutations).
 *
 * While a cluster's copy is not synced nothing is emitted (an empty copy
 * would delete every entity). Orders `skip()` names (the orders repository
 * holds them: the gitops provider emits those) are left out.
 */
export class KebapClusterEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly cache: KebapClusterCache;
  private readonly logger: LoggerService;
  private readonly skip?: () => ReadonlySet<string> | undefined;
  private readonly debounceMs: number;
  private readonly taskRunner?: SchedulerServiceTaskRunner;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private last?: string;
  private refreshing: Promise<Entity[] | undefined> =
    Promise.resolve(undefined);

  constructor(options: {
    cache: KebapClusterCache;
    logger: LoggerService;
    /**
     * Entity names another provider emits; undefined while it has not read
     * yet (then this provider waits, so it does not claim them first).
     */
    skip?: () => ReadonlySet<string> | undefined;
    /** delay between a watch event and the mutation (default 500 ms) */
    debounceMs?: number;
    /**
     * Also refresh on a schedule (reads memory only), to follow changes of
     * `skip()` and catch up after the cache re-synced.
     */
    taskRunner?: SchedulerServiceTaskRunner;
  }) {
    this.cache = options.cache;
    this.logger = options.logger;
    this.skip = options.skip;
    this.debounceMs = options.debounceMs ?? 500;
    this.taskRunner = options.taskRunner;
  }

  getProviderName(): string {
    return 'kebap-cluster';
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    this.unsubscribe?.();
    const offChange = this.cache.onChange(() => this.schedule());
    const offState = this.cache.onStateChange(() => this.schedule());
    this.unsubscribe = () => {
      offChange();
      offState();
    };
    this.schedule();
    await this.taskRunner?.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        await this.refresh();
      },
    });
  }

  /** Stops following the cache. */
  close(): void {
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  /** A refresh soon, coalescing bursts of watch events. */
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch(e =>
        this.logger.warn(`Could not emit cluster orders: ${e}`),
      );
    }, this.debounceMs);
  }

  /**
   * Emits the entities of the cached orders (a full mutation) when they
   * changed since the last emission; undefined when it did not emit.
   */
  refresh(): Promise<Entity[] | undefined> {
    this.refreshing = this.refreshing.then(() => this.emit());
    return this.refreshing;
  }

  /** The entities of the orders the cache holds now. */
  readOrders(): Entity[] | undefined {
    const unsynced = this.cache.state().filter(s => !s.synced);
    if (unsynced.length > 0) {
      this.logger.debug(
        `Not emitting cluster orders: ${unsynced
          .map(s => `${s.cluster} (${s.lastError ?? 'not synced'})`)
          .join(', ')}`,
      );
      return undefined;
    }
    const skip = this.skip ? this.skip() : new Set<string>();
    if (!skip) return undefined;
    const entities = new Map<string, Entity>();
    for (const order of this.cache.orders()) {
      const entity = orderToEntity(
        order.objects,
        `kebap-cluster:${order.cluster}/${order.env}/${order.order}`,
      );
      if (!entity || skip.has(entity.metadata.name)) continue;
      if (!entities.has(entity.metadata.name))
        entities.set(entity.metadata.name, entity);
    }
    return [...entities.values()].sort((a, b) =>
      a.metadata.name.localeCompare(b.metadata.name),
    );
  }

  private async emit(): Promise<Entity[] | undefined> {
    if (!this.connection) return undefined;
    const entities = this.readOrders();
    if (!entities) return undefined;
    const fingerprint = JSON.stringify(entities);
    if (fingerprint === this.last) return undefined;
    await this.connection.applyMutation({
      type: 'full',
      entities: entities.map(entity => ({
        entity,
        locationKey: KEBAP_LOCATION_KEY,
      })),
    });
    this.last = fingerprint;
    return entities;
  }
}
