import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { LoggerService } from '@backstage/backend-plugin-api';
import { GitopsDelivery, MayOverwrite } from './GitopsDelivery';
import { DeliveryResult, Order, OrderDelivery } from './OrderDelivery';

const exec = promisify(execFile);

/**
 * GitOps delivery into a remote Git repository (the one Argo CD syncs): a
 * working clone on the backend's disk is reset to the remote branch, the
 * order is written and committed exactly as {@link GitopsDelivery} does,
 * then pushed. When another writer pushed first, it syncs and tries again
 * (6 attempts, jittered backoff). Credentials come from the Backstage SCM integration of the
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
    this.local = new GitopsDelivery({
      repoPath: this.clonePath,
      mayOverwrite: options.mayOverwrite,
    });
  }

  deliver(
    order: Order,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    return this.serialised(() =>
      this.withRetries(options.logger, () =>
        this.local.deliver(order, options),
      ),
    );
  }

  remove(
    order: Pick<Order, 'env' | 'name' | 'ownerRef' | 'requestedBy' | 'taskId'>,
    options: { logger: LoggerService },
  ) {
    return this.serialised(() =>
      this.withRetries(options.logger, () => this.local.remove(order, options)),
    );
  }

  /** Resets the working clone to the remote branch, between deliveries. */
  refresh(): Promise<void> {
    return this.serialised(() => this.sync());
  }

  private async withRetries(
    logger: LoggerService,
    write: () => Promise<DeliveryResult>,
  ): Promise<DeliveryResult> {
    for (let attempt = 1; ; attempt++) {
      await this.sync();
      const result = await write();
      if (!result.changed) return result;
      try {
        await this.git(['push', 'origin', `HEAD:refs/heads/${this.branch}`]);
        logger.info(
          `Pushed ${result.commit?.slice(0, 12)} to ${this.url} (${
            this.branch
          })`,
        );
        return result;
      } catch (e) {
        if (attempt >= RemoteGitopsDelivery.attempts) {
          throw new Error(
            `Could not push the order to ${
              this.url
            } after ${attempt} attempts: ${(e as Error).message}`,
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
  private async sync() {
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
    await this.git(['reset', '--quiet', '--hard', 'FETCH_HEAD']);
    await this.git(['clean', '--quiet', '-fd']);
  }

  private async git(args: string[]) {
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
      await exec('git', args, { cwd: this.clonePath, env });
    } catch (e) {
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
