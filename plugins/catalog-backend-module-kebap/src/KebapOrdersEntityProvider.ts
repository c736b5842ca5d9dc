import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import {
  LoggerService,
  SchedulerServiceTaskRunner,
} from '@backstage/backend-plugin-api';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { Entity } from '@backstage/catalog-model';
import { OrderedObject, orderToEntity } from './orderToEntity';

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
    if (!fs.existsSync(path.join(this.repoPath, '.git'))) return [];
    const oid = await git.resolveRef({ fs, dir: this.repoPath, ref: 'HEAD' });
    const files = await git.listFiles({ fs, dir: this.repoPath, ref: oid });
    const byOrder = new Map<string, OrderedObject[]>();
    for (const file of files) {
      const m = /^orders\/([a-z0-9-]+)\/([a-z0-9-]+)\/.+\.yaml$/.exec(file);
      if (!m) continue;
      const { blob } = await git.readBlob({
        fs,
        dir: this.repoPath,
        oid,
        filepath: file,
      });
      const folder = `orders/${m[1]}/${m[2]}`;
      try {
        const obj = yaml.parse(
          Buffer.from(blob).toString('utf8'),
        ) as OrderedObject;
        if (obj?.metadata?.name)
          byOrder.set(folder, [...(byOrder.get(folder) ?? []), obj]);
      } catch (e) {
        this.logger.warn(`Skipping ${file}: not YAML (${e})`);
      }
    }
    const entities: Entity[] = [];
    for (const [folder, objects] of byOrder) {
      const entity = orderToEntity(
        objects,
        `kebap-orders:${path.join(this.repoPath, folder)}`,
      );
      if (entity) entities.push(entity);
    }
    return entities;
  }
}
