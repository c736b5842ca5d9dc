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
import { readCommittedOrders } from '@internal/plugin-kebap-node';
import { orderToEntity } from './orderToEntity';

/**
 * Materialises a `Resource` entity for every order in the GitOps orders
 * repository (`orders/<env>/<name>/`), read at the committed HEAD, so an
 * order is in the catalog even when nothing registered it, and disappears
 * when its folder is removed (full mutations).
 */
export class KebapOrdersEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;
  private readonly repoPath: string;
  private readonly logger: LoggerService;
  private readonly taskRunner?: SchedulerServiceTaskRunner;
  private names?: Set<string>;

  constructor(options: {
    repoPath: string;
    logger: LoggerService;
    taskRunner?: SchedulerServiceTaskRunner;
  }) {
    this.repoPath = path.resolve(options.repoPath);
    this.logger = options.logger;
    this.taskRunner = options.taskRunner;
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

  /** Reads every order at HEAD and replaces the provider's entities. */
  async refresh(): Promise<Entity[]> {
    if (!this.connection) throw new Error('not connected');
    const entities = await this.readOrders();
    await this.connection.applyMutation({
      type: 'full',
      entities: entities.map(entity => ({
        entity,
        locationKey: this.getProviderName(),
      })),
    });
    this.names = new Set(entities.map(e => e.metadata.name));
    return entities;
  }

  /** The entities of the orders committed at HEAD (none when there is no repository yet). */
  async readOrders(): Promise<Entity[]> {
    const { orders } = await readCommittedOrders({
      repoPath: this.repoPath,
      logger: this.logger,
    });
    const entities: Entity[] = [];
    for (const order of orders.values()) {
      const entity = orderToEntity(
        order.objects.map(o => o.object),
        `kebap-orders:${path.join(this.repoPath, order.folder)}`,
      );
      if (entity) entities.push(entity);
    }
    return entities;
  }
}
