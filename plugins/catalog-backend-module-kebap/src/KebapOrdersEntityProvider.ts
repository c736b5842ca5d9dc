import path from 'node:path';
import {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { Entity } from '@backstage/catalog-model';
import {
  changedOrders,
  CommittedOrder,
  CommittedOrdersReader,
} from '@internal/plugin-kebap-node';
import { orderToEntity } from './orderToEntity';

/**
 * Materialises a `Resource` entity for every order in the GitOps orders
 * repository (`orders/<env>/<name>/`), read at the committed HEAD, so an
 * order is in the catalog even when nothing registered it, and disappears
 * when its folder is removed.
 *
 * The repository is read through the process's shared
 * {@link CommittedOrdersReader} (the status route and expiry read the same
 * one). A refresh while HEAD has not moved does nothing (no git command, no
 * mutation); a new HEAD emits a delta mutation of the orders that changed.
 * A full mutation is sent at start-up and then every `fullResyncMs` (a
 * safety net: the catalog's copy is replaced whole).
 */
export class KebapOrdersEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly repoPath: string;
  private readonly logger: LoggerService;
  private readonly taskRunner?: SchedulerServiceTaskRunner;
  private readonly reader: CommittedOrdersReader;
  private readonly fullResyncMs: number;
  private readonly now: () => number;
  /** what was emitted last: the orders it came from and their entities */
  private emitted?: {
    oid?: string;
    orders: ReadonlyMap<string, CommittedOrder>;
    entities: Map<string, Entity>;
    at: number;
  };
  private names?: Set<string>;
  private refreshing?: Promise<Entity[]>;

  constructor(options: {
    repoPath: string;
    logger: LoggerService;
    taskRunner?: SchedulerServiceTaskRunner;
    /** default: the shared reader of `repoPath` */
    reader?: CommittedOrdersReader;
    /**
     * How often the whole set is sent again as a full mutation (default one
     * hour; 0: every refresh that reads a new HEAD)
     */
    fullResyncMs?: number;
    now?: () => number;
  }) {
    this.repoPath = path.resolve(options.repoPath);
    this.logger = options.logger;
    this.taskRunner = options.taskRunner;
    this.reader =
      options.reader ??
      CommittedOrdersReader.forPath(this.repoPath, { logger: options.logger });
    this.fullResyncMs = options.fullResyncMs ?? 3600_000;
    this.now = options.now ?? Date.now;
  }

  getProviderName(): string {
    return 'kebap-orders';
  }

  /** Names of the entities emitted last; undefined before the first read. */
  emittedNames(): ReadonlySet<string> | undefined {
    return this.names;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.taskRunner?.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        try {
          await this.refresh();
        } catch (e) {
          this.logger.warn(`Could not read orders from ${this.repoPath}: ${e}`);
        }
      },
    });
  }

  /**
   * Brings the catalog to the orders at HEAD: nothing while HEAD has not
   * moved, a delta mutation of what changed, or a full mutation (the first
   * time, and when a resync is due). Resolves with every entity emitted.
   */
  refresh(): Promise<Entity[]> {
    if (!this.connection) return Promise.reject(new Error('not connected'));
    // one refresh at a time: a delta is computed from the last one emitted
    const run = (this.refreshing ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.refreshOnce());
    this.refreshing = run;
    return run;
  }

  private async refreshOnce(): Promise<Entity[]> {
    const connection = this.connection!;
    const snapshot = await this.reader.read();
    const last = this.emitted;
    const now = this.now();
    const full = !last || now - last.at >= this.fullResyncMs;
    if (!full && last.oid === snapshot.oid) {
      return [...last.entities.values()];
    }
    const key = this.getProviderName();
    if (full) {
      const entities = new Map<string, Entity>();
      for (const [orderKey, order] of snapshot.orders) {
        const entity = this.toEntity(order);
        if (entity) entities.set(orderKey, entity);
      }
      await connection.applyMutation({
        type: 'full',
        entities: [...entities.values()].map(entity => ({
          entity,
          locationKey: key,
        })),
      });
      this.remember(snapshot.oid, snapshot.orders, entities, now);
      return [...entities.values()];
    }

    const { changed, removed } = changedOrders(last.orders, snapshot.orders);
    const entities = new Map(last.entities);
    const gone = new Map<string, Entity>();
    const added: Entity[] = [];
    for (const orderKey of removed) {
      const old = entities.get(orderKey);
      if (old) gone.set(old.metadata.name, old);
      entities.delete(orderKey);
    }
    for (const orderKey of changed) {
      const old = entities.get(orderKey);
      const entity = this.toEntity(snapshot.orders.get(orderKey)!);
      if (old && old.metadata.name !== entity?.metadata.name) {
        gone.set(old.metadata.name, old);
      }
      if (entity) {
        entities.set(orderKey, entity);
        added.push(entity);
      } else {
        entities.delete(orderKey);
      }
    }
    // an entity another order still emits (same name) stays
    for (const entity of entities.values()) gone.delete(entity.metadata.name);
    if (added.length || gone.size) {
      await connection.applyMutation({
        type: 'delta',
        added: added.map(entity => ({ entity, locationKey: key })),
        removed: [...gone.values()].map(entity => ({
          entity,
          locationKey: key,
        })),
      });
    }
    this.remember(snapshot.oid, snapshot.orders, entities, last.at);
    return [...entities.values()];
  }

  private remember(
    oid: string | undefined,
    orders: ReadonlyMap<string, CommittedOrder>,
    entities: Map<string, Entity>,
    at: number,
  ) {
    this.emitted = { oid, orders, entities, at };
    this.names = new Set([...entities.values()].map(e => e.metadata.name));
  }

  private toEntity(order: CommittedOrder): Entity | undefined {
    return orderToEntity(
      order.objects.map(o => o.object),
      `kebap-orders:${path.join(this.repoPath, order.folder)}`,
    );
  }

  /** The entities of the orders committed at HEAD (none when there is no repository yet). */
  async readOrders(): Promise<Entity[]> {
    const { orders } = await this.reader.read();
    const entities: Entity[] = [];
    for (const order of orders.values()) {
      const entity = this.toEntity(order);
      if (entity) entities.push(entity);
    }
    return entities;
  }
}
