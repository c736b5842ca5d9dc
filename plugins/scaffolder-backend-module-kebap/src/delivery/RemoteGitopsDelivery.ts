import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import {
  BatchQueue,
  GitopsChange,
  GitopsDelivery,
  GitopsOutcome,
  MayOverwrite,
  OrderToRemove,
} from './GitopsDelivery';
import { DeliveryResult, Order, OrderDelivery } from './OrderDelivery';

const exec = promisify(execFile);

/**
 * GitOps delivery into a remote Git repository (the one Argo CD syncs): a
 * working clone on the backend's disk is reset to the remote branch, the
 * order is written and committed exactly as {@link GitopsDelivery} does,
 * then pushed. The orders that arrive while a push is under way go together
 * in the next one (one commit each, one push). When another writer pushed
 * first, it syncs and tries again, checking every order again against what
 * the remote now holds (6 attempts, jittered backoff). Credentials come from the Backstage SCM integration of the
 * repository's host and reach git through environment variables, never
 * through command-line arguments or logs. Needs the `git` CLI.
 */
export class RemoteGitopsDelivery implements OrderDelivery {
  readonly mode = 'gitops' as const;
  /** pushes tried before giving up */
  static readonly attempts = 6;
  private readonly url: string;
  private readonly branch: string;
  private readonly clonePath: string;
  private readonly token?: string;
  private readonly local: GitopsDelivery;
  private readonly mayOverwrite: MayOverwrite;
  private readonly batches: BatchQueue;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: {
    url: string;
    branch?: string;
    clonePath: string;
    /** a token of the SCM integration (sent as HTTP basic auth) */
    token?: string;
    mayOverwrite: MayOverwrite;
  }) {
    this.url = options.url;
    this.branch = options.branch ?? 'main';
    this.clonePath = path.resolve(options.clonePath);
    this.token = options.token;
    this.mayOverwrite = options.mayOverwrite;
    this.local = new GitopsDelivery({
      repoPath: this.clonePath,
      mayOverwrite: options.mayOverwrite,
    });
    this.batches = new BatchQueue(changes =>
      this.serialised(() => this.withRetries(changes)),
    );
  }

  deliver(
    order: Order,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    return this.validated(order, () =>
      this.batches.push({
        kind: 'deliver',
        order,
        logger: options.logger,
        mayOverwrite: this.mayOverwrite,
      }),
    );
  }

  remove(order: OrderToRemove, options: { logger: LoggerService }) {
    return this.validated(order, () =>
      this.batches.push({
        kind: 'remove',
        order,
        logger: options.logger,
        mayOverwrite: this.mayOverwrite,
      }),
    );
  }

  /**
   * Brings the working clone to the remote branch (a fetch; the reset only
   * when the branch moved), between deliveries. Scheduled every
   * `kebap.delivery.gitops.remote.fetchIntervalSeconds` (see
   * {@link scheduleOrdersFetch}), and run before expiry and extend read.
   */
  refresh(): Promise<void> {
    return this.serialised(() => this.sync({ onlyIfMoved: true }));
  }

  private async validated(
    order: Pick<Order, 'env' | 'name'> & Partial<Pick<Order, 'part'>>,
    push: () => Promise<DeliveryResult>,
  ): Promise<DeliveryResult> {
    GitopsDelivery.validate(order);
    return push();
  }

  private async withRetries(changes: GitopsChange[]): Promise<GitopsOutcome[]> {
    const logger = changes[0].logger;
    for (let attempt = 1; ; attempt++) {
      await this.sync();
      const outcomes = await this.local.applyBatch(changes);
      const pushed = outcomes.filter(o => o.ok && o.result.changed);
      if (pushed.length === 0) return outcomes;
      try {
        await this.git(['push', 'origin', `HEAD:refs/heads/${this.branch}`]);
        for (const [i, o] of outcomes.entries()) {
          if (o.ok && o.result.changed) {
            changes[i].logger.info(
              `Pushed ${o.result.commit?.slice(0, 12)} to ${this.url} (${
                this.branch
              })`,
            );
          }
        }
        return outcomes;
      } catch (e) {
        if (attempt >= RemoteGitopsDelivery.attempts) {
          const error = new Error(
            `Could not push the order to ${
              this.url
            } after ${attempt} attempts: ${(e as Error).message}`,
          );
          return outcomes.map(o =>
            o.ok && o.result.changed ? { ok: false, error } : o,
          );
        }
        // jittered backoff, so replicas racing for the branch spread out
        await new Promise(r =>
          setTimeout(r, (50 + Math.random() * 200) * attempt),
        );
        logger.warn(
          `Push to ${this.url} was rejected (another writer?); syncing and trying again`,
        );
      }
    }
  }

  /** Makes the working clone equal to the remote branch. */
  private async sync(options: { onlyIfMoved?: boolean } = {}) {
    if (!fs.existsSync(path.join(this.clonePath, '.git'))) {
      await fs.promises.mkdir(this.clonePath, { recursive: true });
      await this.git(['init', '--initial-branch', this.branch]);
      await this.git(['remote', 'add', 'origin', this.url]);
    }
    try {
      await this.git(['fetch', '--quiet', 'origin', this.branch]);
    } catch (e) {
      if (
        /couldn't find remote ref|could not find remote ref/i.test(
          (e as Error).message,
        )
      )
        return; // empty remote
      throw e;
    }
    if (options.onlyIfMoved) {
      // a reset stats every file of the working tree: skipped while the
      // branch has not moved (between deliveries the clone is clean)
      const [head, fetched] = (
        await this.git(['rev-parse', 'HEAD', 'FETCH_HEAD'], {
          okCodes: [128],
        })
      )
        .trim()
        .split('\n');
      if (/^[0-9a-f]{40,64}$/.test(head) && head === fetched) return;
    }
    await this.git(['reset', '--quiet', '--hard', 'FETCH_HEAD']);
    await this.git(['clean', '--quiet', '-fd']);
  }

  private async git(
    args: string[],
    options: { okCodes?: number[] } = {},
  ): Promise<string> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'KEBAP portal',
      GIT_AUTHOR_EMAIL: 'kebap-portal@localhost',
      GIT_COMMITTER_NAME: 'KEBAP portal',
      GIT_COMMITTER_EMAIL: 'kebap-portal@localhost',
    };
    if (this.token) {
      const basic = Buffer.from(`x-access-token:${this.token}`).toString(
        'base64',
      );
      env.GIT_CONFIG_COUNT = '1';
      env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
      env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
    }
    try {
      const { stdout } = await exec('git', args, {
        cwd: this.clonePath,
        env,
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'number' && options.okCodes?.includes(code)) {
        return String((e as { stdout?: string }).stdout ?? '');
      }
      const stderr = String((e as { stderr?: string }).stderr ?? '').trim();
      const safe = this.token
        ? stderr.split(this.token).join('[secret]')
        : stderr;
      throw new Error(`git ${args[0]} failed: ${safe || (e as Error).message}`);
    }
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * Fetches the remote orders repository on every replica
 * (`kebap.delivery.gitops.remote.fetchIntervalSeconds`, default 30; 0: off),
 * so each one sees the orders the others pushed within that time, whether
 * or not it delivered any itself: the catalog, the status route and expiry
 * read the working clone. A local task (each replica fetches its own clone).
 */
export async function scheduleOrdersFetch(options: {
  scheduler: SchedulerService;
  delivery: OrderDelivery;
  seconds: number;
  logger: LoggerService;
}): Promise<void> {
  const { scheduler, delivery, seconds, logger } = options;
  if (!delivery.refresh || !(seconds > 0)) return;
  const refresh = delivery.refresh.bind(delivery);
  await scheduler.scheduleTask({
    id: 'kebap-orders-fetch',
    scope: 'local',
    frequency: { seconds },
    timeout: { seconds: Math.max(60, seconds * 4) },
    fn: async () => {
      try {
        await refresh();
      } catch (e) {
        logger.warn(`Could not fetch the orders repository: ${e}`);
      }
    },
  });
}
