import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { ConflictError, InputError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import { KEBAP_LABELS } from '@internal/plugin-kebap-common';
import { resolveHead, runGit } from '@internal/plugin-kebap-node';
import {
  DeliveryResult,
  Order,
  OrderDelivery,
  OrderObject,
  refOf,
} from './OrderDelivery';

/** Decides whether an existing object may be replaced by this order. */
export type MayOverwrite = (
  existing: OrderObject,
  order: Pick<Order, 'name' | 'ownerRef'> & Partial<Pick<Order, 'objects'>>,
) => true | string;

/** What a decommission needs to know of an order. */
export type OrderToRemove = Pick<
  Order,
  'env' | 'name' | 'ownerRef' | 'requestedBy' | 'taskId'
>;

/** One write to the orders repository: an order's part, or a decommission. */
export type GitopsChange =
  | {
      kind: 'deliver';
      order: Order;
      logger: LoggerService;
      mayOverwrite: MayOverwrite;
    }
  | {
      kind: 'remove';
      order: OrderToRemove;
      logger: LoggerService;
      mayOverwrite: MayOverwrite;
    };

/** The outcome of one change of a batch. */
export type GitopsOutcome =
  | { ok: true; result: DeliveryResult }
  | { ok: false; error: unknown };

const author = 'KEBAP portal <kebap-portal@localhost>';
const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Most changes one batch takes (the rest wait for the next one). */
const MAX_BATCH = 100;

/**
 * Runs the changes that arrive while a batch is running together, as the
 * next batch: the first change starts at once, those that come meanwhile
 * wait for it and then go in one.
 */
export class BatchQueue {
  private pending: {
    change: GitopsChange;
    resolve: (r: DeliveryResult) => void;
    reject: (e: unknown) => void;
  }[] = [];
  private running = false;

  constructor(
    private readonly run: (changes: GitopsChange[]) => Promise<GitopsOutcome[]>,
  ) {}

  push(change: GitopsChange): Promise<DeliveryResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ change, resolve, reject });
      if (!this.running) {
        this.running = true;
        // changes pushed in the same turn of the event loop join the first batch
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain() {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      let outcomes: GitopsOutcome[];
      try {
        outcomes = await this.run(batch.map(b => b.change));
      } catch (error) {
        outcomes = batch.map(() => ({ ok: false, error }));
      }
      batch.forEach((b, i) => {
        const o = outcomes[i];
        if (o.ok) b.resolve(o.result);
        else b.reject(o.error);
      });
    }
    this.running = false;
  }
}

const queues = new Map<string, BatchQueue>();
const gcCounters = new Map<string, number>();

/** A file of an order folder as it is on disk (or will be, within a batch). */
interface FileState {
  text: string;
  object: OrderObject;
}

/**
 * The working tree as the changes of a batch leave it, before any of them
 * is written: each change is checked against what the changes before it
 * wrote, exactly as if they had been committed one by one.
 */
class Overlay {
  /** repository path → new text, or null: removed */
  readonly changes = new Map<string, FileState | null>();
  /** repository path → text on disk before the batch (null: no file) */
  readonly before = new Map<string, string | null>();
  /** folders a decommission removed */
  readonly removedFolders = new Set<string>();

  constructor(private readonly dir: string) {}

  /** The objects a folder holds, recursively, by path relative to it. */
  async read(folder: string): Promise<Map<string, FileState>> {
    const out = await readFolderFiles(this.dir, folder);
    for (const [file, state] of this.changes) {
      if (!file.startsWith(`${folder}/`)) continue;
      const rel = file.slice(folder.length + 1);
      if (state) out.set(rel, state);
      else out.delete(rel);
    }
    return out;
  }

  async set(file: string, state: FileState | null) {
    if (!this.before.has(file)) {
      this.before.set(
        file,
        await fs.promises
          .readFile(path.join(this.dir, file), 'utf8')
          .catch(() => null),
      );
    }
    const before = this.before.get(file);
    if (state ? before === state.text : before === null) {
      this.changes.delete(file); // back to what is on disk
    } else {
      this.changes.set(file, state);
    }
  }
}

async function readFolderFiles(
  dir: string,
  folder: string,
): Promise<Map<string, FileState>> {
  const out = new Map<string, FileState>();
  const walk = async (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(dir, folder, rel), {
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
          path.join(dir, folder, child),
          'utf8',
        );
        out.set(child, { text, object: yaml.parse(text) as OrderObject });
      }
    }
  };
  await walk('');
  return out;
}

/** One commit to make: its message and the files it writes or removes. */
interface PlannedCommit {
  message: string;
  files: Map<string, string | null>;
}

/**
 * GitOps delivery into a Git repository on the backend's disk: each order is
 * a folder `orders/<env>/<name>/` with one YAML file per object, committed;
 * Argo CD syncs the repository. The repository is created on first use, so
 * ordering works on a fresh machine with no cluster and no Git host.
 *
 * Writes to one repository are serialised inside this process and
 * pipelined: the orders that arrive while a write is running are checked
 * one after the other against what the ones before them wrote (ownership,
 * same kind: exactly the sequential rules, so of two orders of one name the
 * first wins and the other gets a ConflictError), then committed together
 * by one `git fast-import` — still one commit per order, with the message
 * it always had — and one index update. Needs the `git` executable.
 */
export class GitopsDelivery implements OrderDelivery {
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
      if (!dnsLabel.test(value)) {
        throw new InputError(
          `${field}: '${value}' is not a DNS-1123 label, refusing to use it as a folder name`,
        );
      }
    }
    return `orders/${env}/${name}`;
  }

  /** Refuses (InputError) an order whose env, name or part cannot be a folder. */
  static validate(
    order: Pick<Order, 'env' | 'name'> & Partial<Pick<Order, 'part'>>,
  ) {
    GitopsDelivery.orderFolder(order.env, order.name);
    if (order.part !== undefined && !dnsLabel.test(order.part)) {
      throw new InputError(`part: '${order.part}' is not a DNS-1123 label`);
    }
  }

  static fileName(obj: OrderObject): string {
    const ns = obj.metadata.namespace ? `${obj.metadata.namespace}.` : '';
    const name = `${obj.kind.toLowerCase()}-${ns}${obj.metadata.name}.yaml`;
    if (/[\n"/\\]/.test(name)) {
      throw new InputError(`'${name}' cannot be a file name of an order`);
    }
    return name;
  }

  async deliver(
    order: Order,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    GitopsDelivery.validate(order);
    return this.queue().push({
      kind: 'deliver',
      order,
      logger: options.logger,
      mayOverwrite: this.mayOverwrite,
    });
  }

  async remove(
    order: OrderToRemove,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    GitopsDelivery.orderFolder(order.env, order.name);
    return this.queue().push({
      kind: 'remove',
      order,
      logger: options.logger,
      mayOverwrite: this.mayOverwrite,
    });
  }

  private queue(): BatchQueue {
    let queue = queues.get(this.dir);
    if (!queue) {
      queue = new BatchQueue(changes => this.applyBatch(changes));
      queues.set(this.dir, queue);
    }
    return queue;
  }

  /**
   * Applies changes in order, each checked against the repository as the
   * ones before it left it, and commits each one that changed something
   * (one commit per change). A change that is refused leaves nothing
   * behind; when writing or committing fails, the working tree is put back
   * as it was and every change that would have been committed fails.
   * Callers serialise batches (the queue; {@link RemoteGitopsDelivery}).
   */
  async applyBatch(changes: GitopsChange[]): Promise<GitopsOutcome[]> {
    await this.ensureRepo();
    const overlay = new Overlay(this.dir);
    const outcomes: (GitopsOutcome | undefined)[] = [];
    const planned: {
      index: number;
      commit: PlannedCommit;
      result: Omit<DeliveryResult, 'commit'>;
      log: (oid: string) => string;
    }[] = [];
    const unchanged: {
      index: number;
      result: Omit<DeliveryResult, 'commit'>;
      log: (oid: string) => string;
    }[] = [];
    for (const [index, change] of changes.entries()) {
      try {
        const step =
          change.kind === 'deliver'
            ? await this.planDelivery(overlay, change)
            : await this.planRemoval(overlay, change);
        if (step.commit) planned.push({ index, ...step, commit: step.commit });
        else unchanged.push({ index, ...step });
      } catch (error) {
        outcomes[index] = { ok: false, error };
      }
    }

    let oids: string[] = [];
    const base = await resolveHead(this.dir);
    if (planned.length > 0) {
      const logger = changes[0].logger;
      try {
        await this.writeFiles(overlay);
        // the commits and the index at once (update-index reads the files
        // just written; fast-import moves the branch only at its end)
        const [imported, indexed] = await Promise.allSettled([
          this.fastImport(
            base,
            planned.map(p => p.commit),
          ),
          this.updateIndex(overlay),
        ]);
        if (imported.status === 'rejected') {
          await this.restore(overlay);
          if (indexed.status === 'fulfilled') {
            await this.updateIndex(overlay).catch(() =>
              runGit(this.dir, ['reset', '--quiet']).catch(() => undefined),
            );
          }
          throw imported.reason;
        }
        oids = imported.value;
        if (indexed.status === 'rejected') {
          // the commits are made; only the index lags behind: reset it to HEAD
          logger.warn(
            `Could not update the index of ${this.dir}: ${indexed.reason}`,
          );
          await runGit(this.dir, ['reset', '--quiet']).catch(() => undefined);
        }
      } catch (error) {
        if (oids.length === 0) {
          await this.restore(overlay);
          overlay.removedFolders.clear();
          for (const p of planned) outcomes[p.index] = { ok: false, error };
          planned.length = 0;
        }
      }
      if (oids.length > 0) await this.maybeCollectGarbage();
    }
    await this.removeLeftovers(overlay);
    // an unchanged change points at the commit that holds its order as of
    // its turn: the last one committed before it, or HEAD
    const sorted = [
      ...planned.map((p, i) => ({ ...p, oid: oids[i] })),
      ...unchanged.map(u => ({ ...u, oid: undefined as string | undefined })),
    ].sort((a, b) => a.index - b.index);
    let latest = base ?? '';
    for (const s of sorted) {
      if (s.oid) latest = s.oid;
      const commit = s.oid ?? latest;
      changes[s.index].logger.info(s.log(commit));
      outcomes[s.index] = { ok: true, result: { ...s.result, commit } };
    }
    return outcomes.map(o => o!);
  }

  private async planDelivery(
    overlay: Overlay,
    change: Extract<GitopsChange, { kind: 'deliver' }>,
  ) {
    const { order } = change;
    const folder = GitopsDelivery.orderFolder(order.env, order.name);
    const partFolder = `${folder}/${order.part}`;
    this.checkOwnership(await overlay.read(folder), order, change.mayOverwrite);
    const existing = await overlay.read(partFolder);
    this.checkSameKind(existing, order);
    const wanted = new Map<string, FileState>();
    for (const obj of order.objects) {
      wanted.set(GitopsDelivery.fileName(obj), {
        text: yaml.stringify(obj, { lineWidth: 0 }),
        object: obj,
      });
    }
    const files = new Map<string, string | null>();
    for (const [file, state] of wanted) {
      if (existing.get(file)?.text !== state.text) {
        files.set(`${partFolder}/${file}`, state.text);
      }
    }
    for (const file of existing.keys()) {
      if (!wanted.has(file)) files.set(`${partFolder}/${file}`, null);
    }
    for (const [file, text] of files) {
      const name = file.slice(partFolder.length + 1);
      await overlay.set(file, text === null ? null : wanted.get(name)!);
    }
    const result = {
      mode: this.mode,
      refs: order.objects.map(refOf),
      folder: partFolder,
      changed: files.size > 0,
    };
    return {
      result,
      commit:
        files.size > 0
          ? {
              message: `Order ${order.env}/${order.name} (${order.part}) for ${
                order.ownerRef
              }${order.requestedBy ? ` by ${order.requestedBy}` : ''}${
                order.taskId ? ` (task ${order.taskId})` : ''
              }`,
              files,
            }
          : undefined,
      log: (oid: string) =>
        files.size > 0
          ? `Committed ${wanted.size} manifests to ${partFolder} (${oid.slice(
              0,
              12,
            )})`
          : `${partFolder} already holds these manifests (${oid.slice(
              0,
              12,
            )}): nothing to commit`,
    };
  }

  private async planRemoval(
    overlay: Overlay,
    change: Extract<GitopsChange, { kind: 'remove' }>,
  ) {
    const { order } = change;
    const folder = GitopsDelivery.orderFolder(order.env, order.name);
    const existing = await overlay.read(folder);
    this.checkOwnership(existing, order, change.mayOverwrite);
    const files = new Map<string, string | null>();
    for (const file of existing.keys()) {
      files.set(`${folder}/${file}`, null);
      await overlay.set(`${folder}/${file}`, null);
    }
    overlay.removedFolders.add(folder);
    const result = {
      mode: this.mode,
      refs: [...existing.values()].map(s => refOf(s.object)),
      folder,
      changed: files.size > 0,
    };
    return {
      result,
      commit:
        files.size > 0
          ? {
              message: `Decommission ${order.env}/${order.name}${
                order.requestedBy ? ` by ${order.requestedBy}` : ''
              }${order.taskId ? ` (task ${order.taskId})` : ''}`,
              files,
            }
          : undefined,
      log: (oid: string) =>
        files.size > 0
          ? `Removed ${folder} (${oid.slice(0, 12)})`
          : `${folder} does not exist: nothing to remove`,
    };
  }

  /**
   * Small imports leave loose objects and nothing here runs git's automatic
   * housekeeping: `git gc --auto` every 100 batches (it returns at once
   * while there is nothing to pack).
   */
  private async maybeCollectGarbage() {
    const n = (gcCounters.get(this.dir) ?? 0) + 1;
    gcCounters.set(this.dir, n);
    if (n % 100 === 0) {
      await runGit(this.dir, ['gc', '--auto', '--quiet']).catch(
        () => undefined,
      );
    }
  }

  /** Writes the batch's files into the working tree. */
  private async writeFiles(overlay: Overlay) {
    for (const [file, state] of overlay.changes) {
      const abs = path.join(this.dir, file);
      if (state) {
        await fs.promises.mkdir(path.dirname(abs), { recursive: true });
        await fs.promises.writeFile(abs, state.text);
      } else {
        await fs.promises.rm(abs, { force: true });
      }
    }
  }

  /** Brings the index to the working tree for the files the batch wrote. */
  private async updateIndex(overlay: Overlay) {
    const paths = [...overlay.changes.keys()];
    await runGit(
      this.dir,
      ['update-index', '--add', '--remove', '-z', '--stdin'],
      {
        input: paths.map(p => `${p}\0`).join(''),
      },
    );
  }

  /** What a decommission leaves on disk: empty folders, files that are not objects. */
  private async removeLeftovers(overlay: Overlay) {
    for (const folder of overlay.removedFolders) {
      const still = [...overlay.changes].some(
        ([file, state]) => state && file.startsWith(`${folder}/`),
      );
      if (!still) {
        await fs.promises
          .rm(path.join(this.dir, folder), { recursive: true, force: true })
          .catch(() => undefined);
      }
    }
  }

  /**
   * Makes the commits on HEAD's branch, one after the other from `base`,
   * with one `git fast-import` (the branch moves only once all are
   * written). Resolves with their ids, in order.
   */
  private async fastImport(
    base: string | undefined,
    commits: PlannedCommit[],
  ): Promise<string[]> {
    const ref = await this.branch();
    const now = `${Math.floor(Date.now() / 1000)} +0000`;
    const chunks: Buffer[] = [];
    const data = (text: string) => {
      const b = Buffer.from(text, 'utf8');
      chunks.push(Buffer.from(`data ${b.length}\n`), b, Buffer.from('\n'));
    };
    commits.forEach((c, i) => {
      chunks.push(
        Buffer.from(
          `commit ${ref}\nmark :${
            i + 1
          }\nauthor ${author} ${now}\ncommitter ${author} ${now}\n`,
        ),
      );
      data(c.message);
      if (i === 0 && base) chunks.push(Buffer.from(`from ${base}\n`));
      for (const [file, text] of c.files) {
        if (text === null) chunks.push(Buffer.from(`D ${file}\n`));
        else {
          chunks.push(Buffer.from(`M 100644 inline ${file}\n`));
          data(text);
        }
      }
      chunks.push(Buffer.from('\n'));
    });
    for (let i = 1; i <= commits.length; i++) {
      chunks.push(Buffer.from(`get-mark :${i}\n`));
    }
    chunks.push(Buffer.from('done\n'));
    const { stdout } = await runGit(
      this.dir,
      ['fast-import', '--quiet', '--done', '--date-format=raw'],
      { input: Buffer.concat(chunks) },
    );
    const oids = stdout.toString('utf8').trim().split('\n');
    if (oids.length !== commits.length) {
      throw new Error(`git fast-import returned ${oids.length} commit ids`);
    }
    return oids;
  }

  /** The branch HEAD points at (`refs/heads/main`). */
  private async branch(): Promise<string> {
    const head = (
      await fs.promises.readFile(path.join(this.dir, '.git', 'HEAD'), 'utf8')
    ).trim();
    const m = /^ref: (refs\/heads\/.+)$/.exec(head);
    if (!m) {
      throw new Error(
        `${this.dir}: HEAD is not on a branch (${head}); the orders repository needs one`,
      );
    }
    return m[1];
  }

  /** Puts back on disk what the batch changed (the index was not touched yet). */
  private async restore(overlay: Overlay) {
    for (const [file, text] of overlay.before) {
      const abs = path.join(this.dir, file);
      try {
        if (text === null) {
          await fs.promises.rm(abs, { force: true });
          // and the folders made for it, once empty
          for (
            let d = path.dirname(abs);
            d.startsWith(`${this.dir}${path.sep}`);
            d = path.dirname(d)
          ) {
            if ((await fs.promises.readdir(d).catch(() => [1])).length) break;
            await fs.promises.rmdir(d);
          }
        } else {
          await fs.promises.mkdir(path.dirname(abs), { recursive: true });
          await fs.promises.writeFile(abs, text);
        }
      } catch {
        // best effort: the next batch reads what is on disk
      }
    }
  }

  /** The objects a folder holds, recursively, by path relative to it. */
  async readFolder(folder: string): Promise<Map<string, OrderObject>> {
    const files = await readFolderFiles(this.dir, folder);
    return new Map([...files].map(([file, s]) => [file, s.object]));
  }

  /**
   * A part is replaced whole, so what it holds must be of the same kind of
   * order: a database named like a prod cluster of the same team must not
   * replace the cluster's Stack.
   */
  private checkSameKind(existing: Map<string, FileState>, order: Order) {
    const kinds = new Set(
      order.objects.map(o => o.metadata.labels?.[KEBAP_LABELS.kind]),
    );
    for (const { object: obj } of existing.values()) {
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
    existing: Map<string, FileState>,
    order: Pick<Order, 'name' | 'ownerRef' | 'env'> &
      Partial<Pick<Order, 'objects'>>,
    mayOverwrite: MayOverwrite,
  ) {
    const problems: string[] = [];
    for (const { object: obj } of existing.values()) {
      const verdict = mayOverwrite(obj, order);
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
    await runGit(this.dir, ['init', '--quiet', '--initial-branch', 'main']);
    const readme =
      '# KEBAP orders\n\nWritten by the KEBAP portal: one folder per order, `orders/<env>/<name>/`, synced by Argo CD.\n';
    await fs.promises.writeFile(path.join(this.dir, 'README.md'), readme);
    await this.fastImport(undefined, [
      {
        message: 'Create the orders repository',
        files: new Map([['README.md', readme]]),
      },
    ]);
    await runGit(this.dir, ['update-index', '--add', '--', 'README.md']);
  }
}
