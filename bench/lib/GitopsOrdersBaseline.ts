// Today's (before issue 15) GitopsOrders, kept as the benchmarks' baseline: the
// whole repository read again with readCommittedOrders (isomorphic-git) on every
// new HEAD, and git.log of historyDepth commits.
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { LoggerService } from '@backstage/backend-plugin-api';
import { readCommittedOrders } from '@internal/plugin-kebap-node';
import type { GitopsView } from '../../plugins/kebap-backend/src/status/buildOrderStatus';

/** One order folder of the repository at HEAD. */
interface GitopsOrder extends GitopsView {
  env: string;
  name: string;
}

const orderMessage =
  /^Order ([a-z0-9-]+)\/([a-z0-9-]+) \([^)]*\) for \S+(?: by (\S+))?/;
const decommissionMessage = /^Decommission ([a-z0-9-]+)\/([a-z0-9-]+)/;

/**
 * The orders of the GitOps orders repository (`orders/<env>/<name>/`), read
 * at the committed HEAD like the catalog module does. The commit that
 * ordered each one (the oldest `Order <env>/<name>` commit since its last
 * `Decommission`) gives the time and the requester. Read again only when
 * HEAD moves: a page view costs two small file reads.
 */
export class GitopsOrdersBaseline {
  private readonly dir: string;
  private readonly logger: LoggerService;
  private readonly historyDepth: number;
  private cached?: { oid: string; orders: Map<string, GitopsOrder> };
  private reading?: Promise<{ oid: string; orders: Map<string, GitopsOrder> }>;

  constructor(options: {
    repoPath: string;
    logger: LoggerService;
    /** commits searched for who ordered what (default 2000) */
    historyDepth?: number;
  }) {
    this.dir = path.resolve(options.repoPath);
    this.logger = options.logger;
    this.historyDepth = options.historyDepth ?? 2000;
  }

  /** The order, or undefined when HEAD does not hold it (or there is no repository). */
  async order(env: string, name: string): Promise<GitopsOrder | undefined> {
    return (await this.all()).get(`${env}/${name}`);
  }

  /** Every order at HEAD, by `env/name`. */
  async all(): Promise<Map<string, GitopsOrder>> {
    if (!fs.existsSync(path.join(this.dir, '.git'))) return new Map();
    let oid: string;
    try {
      oid = await git.resolveRef({ fs, dir: this.dir, ref: 'HEAD' });
    } catch {
      return new Map(); // no commit yet
    }
    if (this.cached?.oid === oid) return this.cached.orders;
    if (!this.reading) {
      this.reading = this.read(oid).finally(() => {
        this.reading = undefined;
      });
    }
    const read = await this.reading;
    this.cached = read;
    return read.orders;
  }

  private async read(
    oid: string,
  ): Promise<{ oid: string; orders: Map<string, GitopsOrder> }> {
    const orders = new Map<string, GitopsOrder>();
    const committed = await readCommittedOrders({
      repoPath: this.dir,
      ref: oid,
      logger: this.logger,
    });
    for (const [key, order] of committed.orders) {
      orders.set(key, {
        env: order.env,
        name: order.name,
        objects: order.objects.map(o => o.object),
      });
    }
    // newest first: the oldest Order commit since the last Decommission
    const commits = await git.log({
      fs,
      dir: this.dir,
      ref: oid,
      depth: this.historyDepth,
    });
    const closed = new Set<string>();
    for (const c of commits) {
      const message = c.commit.message;
      const d = decommissionMessage.exec(message);
      if (d) {
        closed.add(`${d[1]}/${d[2]}`);
        continue;
      }
      const o = orderMessage.exec(message);
      if (!o) continue;
      const key = `${o[1]}/${o[2]}`;
      const order = orders.get(key);
      if (!order || closed.has(key)) continue;
      order.commit = c.oid;
      order.committedAt = new Date(
        c.commit.committer.timestamp * 1000,
      ).toISOString();
      if (o[3]) order.requestedBy = o[3];
      else delete order.requestedBy;
    }
    return { oid, orders };
  }
}
