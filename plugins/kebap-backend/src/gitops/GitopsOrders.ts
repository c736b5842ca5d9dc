import path from 'node:path';
import { LoggerService } from '@backstage/backend-plugin-api';
import {
  CommittedOrder,
  CommittedOrdersReader,
  OrdersCommit,
} from '@internal/plugin-kebap-node';
import { GitopsView } from '../status/buildOrderStatus';

/** One order folder of the repository at HEAD. */
export interface GitopsOrder extends GitopsView {
  env: string;
  name: string;
}

/** The commit that ordered an order (since its last decommission). */
interface Ordering {
  commit: string;
  committedAt: string;
  requestedBy?: string;
}

interface State {
  oid: string;
  /** the reader's orders this was built from */
  source: ReadonlyMap<string, CommittedOrder>;
  /** by `env/name`, of every order ordered and not decommissioned since */
  ordering: Map<string, Ordering>;
  orders: Map<string, GitopsOrder>;
}

const orderLine =
  /^Order ([a-z0-9-]+)\/([a-z0-9-]+) \([^)]*\) for \S+(?: by (\S+))?/;
const decommissionLine = /^Decommission ([a-z0-9-]+)\/([a-z0-9-]+)/;

/**
 * The orders of the GitOps orders repository (`orders/<env>/<name>/`), read
 * at the committed HEAD through the process's shared
 * {@link CommittedOrdersReader} (the catalog module and expiry read the same
 * one). The commit that ordered each one (the oldest `Order <env>/<name>`
 * line since its last `Decommission`; a commit of several orders has one
 * line each) gives the time and the requester. A page view costs a look at
 * HEAD (a few small file reads); a new HEAD costs the commits and files that
 * changed since the last one.
 */
export class GitopsOrders {
  private readonly dir: string;
  private readonly historyDepth: number;
  private readonly reader: CommittedOrdersReader;
  private state?: State;
  private building?: { oid: string; promise: Promise<State> };
  private readonly maxWaitMs?: number;

  constructor(options: {
    repoPath: string;
    logger: LoggerService;
    /** commits searched for who ordered what on a full read (default 100,000) */
    historyDepth?: number;
    /** default: the shared reader of `repoPath` */
    reader?: CommittedOrdersReader;
    /**
     * How long `order()` waits for a new HEAD to be read before it answers
     * from the orders as of the previous one (which it then catches up on in
     * the background); default: until it is read. The status route sets it,
     * so a page view never waits for git.
     */
    maxWaitMs?: number;
  }) {
    this.dir = path.resolve(options.repoPath);
    this.maxWaitMs = options.maxWaitMs;
    this.historyDepth = options.historyDepth ?? 100_000;
    this.reader =
      options.reader ??
      CommittedOrdersReader.forPath(this.dir, { logger: options.logger });
  }

  /**
   * The order, or undefined when HEAD does not hold it (or there is no
   * repository). With `maxWaitMs`, as of the previous HEAD when the new one
   * takes longer to read.
   */
  async order(env: string, name: string): Promise<GitopsOrder | undefined> {
    const key = `${env}/${name}`;
    const previous = this.state;
    if (this.maxWaitMs === undefined || !previous) {
      return (await this.all()).get(key);
    }
    const fresh = this.all();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>(resolve => {
      timer = setTimeout(() => resolve(undefined), this.maxWaitMs);
    });
    try {
      const orders = await Promise.race([fresh, late]);
      if (orders) return orders.get(key);
      fresh.catch(() => undefined); // caught up on, or failed, later
      return previous.orders.get(key);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every order at HEAD, by `env/name`. */
  async all(): Promise<Map<string, GitopsOrder>> {
    const snapshot = await this.reader.read();
    const oid = snapshot.oid;
    if (!oid) return new Map(); // no repository, or no commit yet
    if (this.state?.oid === oid) return this.state.orders;
    if (this.building?.oid !== oid) {
      const promise = (this.building?.promise ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => this.build(oid, snapshot.orders, snapshot.since))
        .finally(() => {
          if (this.building?.promise === promise) this.building = undefined;
        });
      this.building = { oid, promise };
    }
    const state = await this.building.promise;
    return state.orders;
  }

  private async build(
    oid: string,
    source: ReadonlyMap<string, CommittedOrder>,
    since?: { oid: string; commits: OrdersCommit[] },
  ): Promise<State> {
    if (this.state?.oid === oid) return this.state;
    const previous = this.state;
    let ordering: Map<string, Ordering>;
    let commits: OrdersCommit[];
    // the reader read this HEAD from the one built last: its commits are known
    const known = !!previous && since?.oid === previous.oid;
    const incremental =
      known ||
      (!!previous && (await this.reader.isAncestor(previous.oid, oid)));
    if (known) {
      ordering = new Map(previous!.ordering);
      commits = since!.commits;
    } else if (incremental) {
      ordering = new Map(previous!.ordering);
      commits = await this.reader.commits({ from: previous!.oid, to: oid });
    } else {
      ordering = new Map();
      commits = await this.reader.commits({ to: oid, max: this.historyDepth });
    }
    // oldest first: an order is dated by its first Order line since the
    // last Decommission line
    const touched = new Set<string>();
    for (const c of commits) {
      for (const line of c.message.split('\n')) {
        const d = decommissionLine.exec(line);
        if (d) {
          ordering.delete(`${d[1]}/${d[2]}`);
          touched.add(`${d[1]}/${d[2]}`);
          continue;
        }
        const o = orderLine.exec(line);
        if (!o) continue;
        const key = `${o[1]}/${o[2]}`;
        if (ordering.has(key)) continue;
        ordering.set(key, {
          commit: c.oid,
          committedAt: c.committedAt,
          ...(o[3] ? { requestedBy: o[3] } : {}),
        });
        touched.add(key);
      }
    }
    const orders = new Map<string, GitopsOrder>();
    for (const [key, order] of source) {
      const kept = previous?.orders.get(key);
      if (
        incremental &&
        kept &&
        previous!.source.get(key) === order &&
        !touched.has(key)
      ) {
        orders.set(key, kept);
        continue;
      }
      const view: GitopsOrder = {
        env: order.env,
        name: order.name,
        objects: order.objects.map(o => o.object),
      };
      const by = ordering.get(key);
      if (by) {
        view.commit = by.commit;
        view.committedAt = by.committedAt;
        if (by.requestedBy) view.requestedBy = by.requestedBy;
      }
      orders.set(key, view);
    }
    const state = { oid, source, ordering, orders };
    this.state = state;
    return state;
  }
}
