// Today's (before issue 15) GitopsDelivery, kept as the benchmarks' baseline:
// isomorphic-git writes (git.add per file, statusMatrix, git.commit of the
// whole index), one commit at a time.
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { ConflictError, InputError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import { KEBAP_LABELS } from '@internal/plugin-kebap-common';
import {
  DeliveryResult,
  Order,
  OrderDelivery,
  OrderObject,
  refOf,
} from '../../plugins/scaffolder-backend-module-kebap/src/delivery/OrderDelivery';

/** Decides whether an existing object may be replaced by this order. */
export type MayOverwrite = (
  existing: OrderObject,
  order: Pick<Order, 'name' | 'ownerRef'> & Partial<Pick<Order, 'objects'>>,
) => true | string;

const author = { name: 'KEBAP portal', email: 'kebap-portal@localhost' };
const locks = new Map<string, Promise<unknown>>();

/**
 * GitOps delivery into a Git repository on the backend's disk: each order is
 * a folder `orders/<env>/<name>/` with one YAML file per object, committed;
 * Argo CD syncs the repository. The repository is created on first use, so
 * ordering works on a fresh machine with no cluster and no Git host.
 *
 * Writes to one repository are serialised inside this process.
 */
export class GitopsDeliveryBaseline implements OrderDelivery {
  readonly mode = 'gitops' as const;
  private readonly dir: string;
  private readonly mayOverwrite: MayOverwrite;

  constructor(options: { repoPath: string; mayOverwrite: MayOverwrite }) {
    this.dir = path.resolve(options.repoPath);
    this.mayOverwrite = options.mayOverwrite;
  }

  get repoPath(): string {
    return this.dir;
  }

  static orderFolder(env: string, name: string): string {
    for (const [field, value] of [
      ['env', env],
      ['name', name],
    ]) {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
        throw new InputError(
          `${field}: '${value}' is not a DNS-1123 label, refusing to use it as a folder name`,
        );
      }
    }
    return `orders/${env}/${name}`;
  }

  static fileName(obj: OrderObject): string {
    const ns = obj.metadata.namespace ? `${obj.metadata.namespace}.` : '';
    return `${obj.kind.toLowerCase()}-${ns}${obj.metadata.name}.yaml`;
  }

  async deliver(
    order: Order,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    const folder = GitopsDeliveryBaseline.orderFolder(order.env, order.name);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(order.part)) {
      throw new InputError(`part: '${order.part}' is not a DNS-1123 label`);
    }
    const partFolder = `${folder}/${order.part}`;
    return this.locked(() =>
      this.orRestore(partFolder, () =>
        this.write(order, folder, partFolder, options),
      ),
    );
  }

  private async write(
    order: Order,
    folder: string,
    partFolder: string,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    await this.ensureRepo();
    this.checkOwnership(await this.readFolder(folder), order);
    const existing = await this.readFolder(partFolder);
    this.checkSameKind(existing, order);

    const abs = path.join(this.dir, partFolder);
    await fs.promises.mkdir(abs, { recursive: true });
    const wanted = new Map(
      order.objects.map(o => [GitopsDeliveryBaseline.fileName(o), o] as const),
    );
    for (const [file, obj] of wanted) {
      await fs.promises.writeFile(
        path.join(abs, file),
        yaml.stringify(obj, { lineWidth: 0 }),
      );
      await git.add({ fs, dir: this.dir, filepath: `${partFolder}/${file}` });
    }
    for (const file of existing.keys()) {
      if (!wanted.has(file)) {
        await fs.promises.rm(path.join(abs, file));
        await git.remove({
          fs,
          dir: this.dir,
          filepath: `${partFolder}/${file}`,
        });
      }
    }
    const commit = await this.commitIfChanged(
      folder,
      `Order ${order.env}/${order.name} (${order.part}) for ${order.ownerRef}${
        order.requestedBy ? ` by ${order.requestedBy}` : ''
      }${order.taskId ? ` (task ${order.taskId})` : ''}`,
    );
    options.logger.info(
      commit.changed
        ? `Committed ${
            wanted.size
          } manifests to ${partFolder} (${commit.oid.slice(0, 12)})`
        : `${partFolder} already holds these manifests (${commit.oid.slice(
            0,
            12,
          )}): nothing to commit`,
    );
    return {
      mode: this.mode,
      refs: order.objects.map(refOf),
      commit: commit.oid,
      folder: partFolder,
      changed: commit.changed,
    };
  }

  /**
   * Runs a write to a folder; when it fails, puts the folder back as HEAD
   * has it, in the index and on disk, so that a half-written order is never
   * carried into the next commit (which commits the whole index).
   */
  private async orRestore<T>(folder: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      try {
        const head = await git.resolveRef({ fs, dir: this.dir, ref: 'HEAD' });
        const rows = await git.statusMatrix({
          fs,
          dir: this.dir,
          filepaths: [folder],
        });
        for (const [file, inHead] of rows) {
          await git.resetIndex({ fs, dir: this.dir, filepath: file });
          const abs = path.join(this.dir, file);
          if (inHead) {
            const { blob } = await git.readBlob({
              fs,
              dir: this.dir,
              oid: head,
              filepath: file,
            });
            await fs.promises.mkdir(path.dirname(abs), { recursive: true });
            await fs.promises.writeFile(abs, blob);
          } else {
            await fs.promises.rm(abs, { force: true });
          }
        }
      } catch {
        // best effort: the index reset is what keeps the next commit clean
      }
      throw e;
    }
  }

  async remove(
    order: Pick<Order, 'env' | 'name' | 'ownerRef' | 'requestedBy' | 'taskId'>,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    const folder = GitopsDeliveryBaseline.orderFolder(order.env, order.name);
    return this.locked(() =>
      this.orRestore(folder, async () => {
        await this.ensureRepo();
        const existing = await this.readFolder(folder);
        this.checkOwnership(existing, order);
        for (const file of existing.keys()) {
          await git.remove({
            fs,
            dir: this.dir,
            filepath: `${folder}/${file}`,
          });
        }
        await fs.promises.rm(path.join(this.dir, folder), {
          recursive: true,
          force: true,
        });
        const commit = await this.commitIfChanged(
          folder,
          `Decommission ${order.env}/${order.name}${
            order.requestedBy ? ` by ${order.requestedBy}` : ''
          }${order.taskId ? ` (task ${order.taskId})` : ''}`,
        );
        options.logger.info(
          commit.changed
            ? `Removed ${folder} (${commit.oid.slice(0, 12)})`
            : `${folder} does not exist: nothing to remove`,
        );
        return {
          mode: this.mode,
          refs: [...existing.values()].map(refOf),
          commit: commit.oid,
          folder,
          changed: commit.changed,
        };
      }),
    );
  }

  /** The objects a folder holds, recursively, by path relative to it. */
  async readFolder(folder: string): Promise<Map<string, OrderObject>> {
    const out = new Map<string, OrderObject>();
    const walk = async (rel: string) => {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(path.join(this.dir, folder, rel), {
          withFileTypes: true,
        });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const child = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(child);
        else if (e.name.endsWith('.yaml')) {
          const text = await fs.promises.readFile(
            path.join(this.dir, folder, child),
            'utf8',
          );
          out.set(child, yaml.parse(text) as OrderObject);
        }
      }
    };
    await walk('');
    return out;
  }

  /**
   * A part is replaced whole, so what it holds must be of the same kind of
   * order: a database named like a prod cluster of the same team must not
   * replace the cluster's Stack.
   */
  private checkSameKind(existing: Map<string, OrderObject>, order: Order) {
    const kinds = new Set(
      order.objects.map(o => o.metadata.labels?.[KEBAP_LABELS.kind]),
    );
    for (const obj of existing.values()) {
      const kind = obj.metadata.labels?.[KEBAP_LABELS.kind];
      if (kind && !kinds.has(kind)) {
        throw new ConflictError(
          `Order ${order.env}/${order.name} is a ${kind} order; a ${[
            ...kinds,
          ].join(
            ', ',
          )} order cannot take its name (choose another name); nothing was written. ${refOf(
            obj,
          )}`,
        );
      }
    }
  }

  private checkOwnership(
    existing: Map<string, OrderObject>,
    order: Pick<Order, 'name' | 'ownerRef' | 'env'>,
  ) {
    const problems: string[] = [];
    for (const obj of existing.values()) {
      const verdict = this.mayOverwrite(obj, order);
      if (verdict !== true) problems.push(`${refOf(obj)}: ${verdict}`);
    }
    if (problems.length > 0) {
      throw new ConflictError(
        `Order ${order.env}/${
          order.name
        } already exists and is not yours to change; nothing was written. ${problems.join(
          '; ',
        )}`,
      );
    }
  }

  private async ensureRepo() {
    if (fs.existsSync(path.join(this.dir, '.git'))) return;
    await fs.promises.mkdir(this.dir, { recursive: true });
    await git.init({ fs, dir: this.dir, defaultBranch: 'main' });
    await fs.promises.writeFile(
      path.join(this.dir, 'README.md'),
      '# KEBAP orders\n\nWritten by the KEBAP portal: one folder per order, `orders/<env>/<name>/`, synced by Argo CD.\n',
    );
    await git.add({ fs, dir: this.dir, filepath: 'README.md' });
    await git.commit({
      fs,
      dir: this.dir,
      message: 'Create the orders repository',
      author,
    });
  }

  private async commitIfChanged(
    folder: string,
    message: string,
  ): Promise<{ oid: string; changed: boolean }> {
    const rows = await git.statusMatrix({
      fs,
      dir: this.dir,
      filepaths: [folder],
    });
    // [file, HEAD, WORKDIR, STAGE]; [1, 1, 1] is a file the commit would not change
    const changed = rows.some(
      ([, head, , stage]) => !(head === 1 && stage === 1),
    );
    if (!changed) {
      return {
        oid: await git.resolveRef({ fs, dir: this.dir, ref: 'HEAD' }),
        changed: false,
      };
    }
    const oid = await git.commit({ fs, dir: this.dir, message, author });
    return { oid, changed: true };
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const previous = locks.get(this.dir) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    locks.set(
      this.dir,
      next.catch(() => undefined),
    );
    return next;
  }
}
