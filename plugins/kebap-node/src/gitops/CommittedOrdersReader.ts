import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import yaml from 'yaml';
import type { LoggerService } from '@backstage/backend-plugin-api';
import type { OrderObject } from '@internal/plugin-kebap-common';
import type { CommittedObject, CommittedOrder } from './readCommittedOrders';
import { gitDirOf, readBlobs, resolveHead, runGit } from './git';

/** `orders/<env>/<name>/[<part>/][…/]<file>.yaml` */
const orderFile =
  /^orders\/([a-z0-9-]+)\/([a-z0-9-]+)\/(?:([a-z0-9-]+)\/)?(?:.+\/)?[^/]+\.yaml$/;

/** The orders of the repository at one commit. */
export interface OrdersSnapshot {
  /** the commit read; undefined when there is no repository or no commit yet */
  oid?: string;
  /**
   * Every order by `env/name`. Never changed once returned; an order that
   * did not change keeps the same object from one snapshot to the next, so
   * `before.get(key) !== after.get(key)` tells what changed (see
   * {@link changedOrders}).
   */
  orders: ReadonlyMap<string, CommittedOrder>;
  /**
   * How it was made from the reader's previous snapshot: `full` (the first
   * read, HEAD not a descendant of the last read, or a failed diff: the
   * whole tree listed, only the blobs not read before are read),
   * `incremental` (the diff of the two trees), `empty` (no repository).
   */
  read: 'full' | 'incremental' | 'empty';
  /** orders added, changed or removed since the reader's previous snapshot */
  changed: ReadonlySet<string>;
  /**
   * An incremental read: the previous snapshot's commit, and the commits
   * from it to this one, oldest first (what the status route dates orders
   * by, without asking git again).
   */
  since?: { oid: string; commits: OrdersCommit[] };
}

/** A commit of the orders repository. */
export interface OrdersCommit {
  oid: string;
  /** committer time, ISO 8601 */
  committedAt: string;
  message: string;
}

/** What a reader did so far (for tests and benchmarks). */
export interface OrdersReaderStats {
  /** HEAD resolutions (file reads of the git directory, no git command) */
  headChecks: number;
  /** git commands run */
  gitCommands: number;
  fullReads: number;
  incrementalReads: number;
  /** blobs read and parsed */
  filesParsed: number;
  /** blobs taken parsed from the cache file instead */
  filesFromCache: number;
}

/** The keys of `after` that differ from `before` (added or changed), and those gone. */
export function changedOrders<T>(
  before: ReadonlyMap<string, T> | undefined,
  after: ReadonlyMap<string, T>,
): { changed: string[]; removed: string[] } {
  const changed: string[] = [];
  const removed: string[] = [];
  for (const [key, value] of after) {
    if (before?.get(key) !== value) changed.push(key);
  }
  if (before) {
    for (const key of before.keys()) if (!after.has(key)) removed.push(key);
  }
  return { changed, removed };
}

/** What a blob parses to: an object, an error, or (neither) YAML that is no object. */
interface Parsed {
  object?: OrderObject;
  error?: string;
}

interface FileEntry {
  /** blob id */
  oid: string;
  /** `env/name` */
  key: string;
  parsed: Parsed;
  /** undefined: not an object of an order (not YAML, no metadata.name) */
  object?: CommittedObject;
}

/** The cache file's name in the git directory; the number changes with its format. */
const CACHE_FILE = 'kebap-parsed-orders.v1';
/** Blobs parsed (since the last write) before the cache file is written. */
const CACHE_REWRITE_AFTER = 1000;

const registryKey = Symbol.for(
  '@internal/plugin-kebap-node/CommittedOrdersReader',
);

/**
 * The orders of the GitOps orders repository (`orders/<env>/<name>/…`) as
 * committed at HEAD, read with the `git` executable and kept in memory:
 *
 * - HEAD is resolved from the files of the git directory (no git command),
 *   so asking while nothing changed costs a few small file reads;
 * - a new HEAD that descends from the last one read costs the diff of the
 *   two trees (`git diff-tree`) and the blobs that changed
 *   (`git cat-file --batch`); any other HEAD (the first read, a
 *   force-pushed history) lists the tree (`git ls-tree -r`) and reads only
 *   the blobs it has not read before;
 * - concurrent callers share one read, and one HEAD is read once.
 *
 * One reader per repository path and process ({@link CommittedOrdersReader.forPath}):
 * the catalog's orders provider, the status route and dev-cluster expiry
 * share it. Files that are not YAML are skipped with a warning (once per
 * content); YAML that is not an object with `metadata.name` is left out.
 */
export class CommittedOrdersReader {
  /** The shared reader of a repository path in this process. */
  static forPath(
    repoPath: string,
    options: { logger?: LoggerService } = {},
  ): CommittedOrdersReader {
    const g = globalThis as {
      [registryKey]?: Map<string, CommittedOrdersReader>;
    };
    const registry = (g[registryKey] ??= new Map());
    const dir = path.resolve(repoPath);
    let reader = registry.get(dir);
    if (!reader) {
      reader = new CommittedOrdersReader({ repoPath: dir, ...options });
      registry.set(dir, reader);
    } else if (options.logger && !reader.logger) {
      reader.logger = options.logger;
    }
    return reader;
  }

  readonly repoPath: string;
  readonly stats: OrdersReaderStats = {
    headChecks: 0,
    gitCommands: 0,
    fullReads: 0,
    incrementalReads: 0,
    filesParsed: 0,
    filesFromCache: 0,
  };
  private logger?: LoggerService;
  private snapshot?: OrdersSnapshot;
  /** the order files of the snapshot, by path */
  private files = new Map<string, FileEntry>();
  /** the paths of `files` by order */
  private byKey = new Map<string, Set<string>>();
  private reading?: { oid?: string; promise: Promise<OrdersSnapshot> };
  private headLook?: Promise<string | undefined>;
  private nextHeadLook?: Promise<string | undefined>;
  private readonly cacheAfter: number;
  /** the cache file's blobs, while a first full read uses them */
  private cached?: Map<string, Parsed>;
  private parsedSinceWrite = 0;
  private writing: Promise<void> = Promise.resolve();

  /** A reader of its own; use {@link CommittedOrdersReader.forPath} to share one. */
  constructor(options: {
    repoPath: string;
    logger?: LoggerService;
    /**
     * Keep what the blobs parse to in a file of the git directory
     * (`kebap-parsed-orders.v1`, by blob id, so never stale), so that a
     * restart parses only what changed meanwhile: written once a read
     * parsed at least this many blobs (default 1000; 0: never)
     */
    parsedCacheAfter?: number;
  }) {
    this.repoPath = path.resolve(options.repoPath);
    this.logger = options.logger;
    this.cacheAfter = options.parsedCacheAfter ?? CACHE_REWRITE_AFTER;
  }

  /** Resolves once the cache file being written (if any) is written. */
  cacheWritten(): Promise<void> {
    return this.writing;
  }

  /**
   * The commit HEAD points at (undefined: no repository or no commit), as a
   * look that started after this call: callers that come while one is under
   * way share the next one, so many concurrent page views cost a few file
   * reads, and what a caller committed before asking is always seen.
   */
  head(): Promise<string | undefined> {
    if (!this.headLook) {
      const look = this.lookAtHead().finally(() => {
        this.headLook = undefined;
      });
      this.headLook = look;
      return look;
    }
    if (!this.nextHeadLook) {
      this.nextHeadLook = this.headLook
        .catch(() => undefined)
        .then(() => {
          this.nextHeadLook = undefined;
          return this.head();
        });
    }
    return this.nextHeadLook;
  }

  private async lookAtHead(): Promise<string | undefined> {
    this.stats.headChecks++;
    return resolveHead(this.repoPath);
  }

  /** The last snapshot read, without looking at HEAD. */
  current(): OrdersSnapshot | undefined {
    return this.snapshot;
  }

  /** The orders at HEAD: the last snapshot while HEAD has not moved. */
  async read(): Promise<OrdersSnapshot> {
    for (;;) {
      const oid = await this.head();
      if (this.snapshot && this.snapshot.oid === oid) return this.snapshot;
      if (this.reading) {
        if (this.reading.oid === oid) return this.reading.promise;
        await this.reading.promise.catch(() => undefined);
        continue;
      }
      const promise = this.readAt(oid).finally(() => {
        this.reading = undefined;
      });
      this.reading = { oid, promise };
      return promise;
    }
  }

  /** Whether commit `ancestor` is `oid` or one of its ancestors. */
  async isAncestor(ancestor: string, oid: string): Promise<boolean> {
    if (ancestor === oid) return true;
    const { code } = await this.git(
      ['merge-base', '--is-ancestor', ancestor, oid],
      { okCodes: [1, 128] },
    );
    return code === 0;
  }

  /**
   * The commits reachable from `to` and not from `from` (all of them without
   * `from`), oldest first; `max`: only the newest so many.
   */
  async commits(options: {
    from?: string;
    to: string;
    max?: number;
  }): Promise<OrdersCommit[]> {
    return (await this.log(options)).map(({ parents: _p, ...c }) => c);
  }

  private async log(options: {
    from?: string;
    to: string;
    max?: number;
  }): Promise<(OrdersCommit & { parents: string[] })[]> {
    const args = ['log', '--format=%H%x1f%P%x1f%ct%x1f%B%x1e'];
    if (options.max !== undefined) args.push(`--max-count=${options.max}`);
    args.push(options.from ? `${options.from}..${options.to}` : options.to);
    const { stdout } = await this.git([...args, '--']);
    const commits: (OrdersCommit & { parents: string[] })[] = [];
    for (const record of stdout.toString('utf8').split('\x1e')) {
      const [oid, parents, time, message] = record
        .replace(/^\n/, '')
        .split('\x1f');
      if (!oid || message === undefined) continue;
      commits.push({
        oid,
        parents: parents ? parents.split(' ') : [],
        committedAt: new Date(Number(time) * 1000).toISOString(),
        message: message.trimEnd(),
      });
    }
    return commits.reverse();
  }

  /**
   * The commits from `from` to `to` (oldest first) when `to` descends from
   * `from`, else undefined: `from` is an ancestor exactly when one of the
   * commits reachable from `to` and not from `from` has it as a parent.
   */
  private async commitsIfDescendant(
    from: string,
    to: string,
  ): Promise<OrdersCommit[] | undefined> {
    let log: (OrdersCommit & { parents: string[] })[];
    try {
      log = await this.log({ from, to });
    } catch {
      return undefined; // `from` is gone (a rewritten history, collected)
    }
    if (!log.some(c => c.parents.includes(from))) return undefined;
    return log.map(({ parents: _p, ...c }) => c);
  }

  private async git(args: string[], options: { okCodes?: number[] } = {}) {
    this.stats.gitCommands++;
    return runGit(this.repoPath, args, options);
  }

  private async readAt(oid: string | undefined): Promise<OrdersSnapshot> {
    const before = this.snapshot;
    try {
      let snapshot: OrdersSnapshot;
      // the commits since the last read, when HEAD descends from it
      const commits =
        oid && before?.oid
          ? await this.commitsIfDescendant(before.oid, oid)
          : undefined;
      if (!oid) {
        this.files = new Map();
        this.byKey = new Map();
        snapshot = {
          orders: new Map(),
          read: 'empty',
          changed: new Set(before?.orders.keys() ?? []),
        };
      } else if (before?.oid && commits) {
        snapshot =
          (await this.readIncrementally(before, oid, commits)) ??
          (await this.readFully(before, oid));
      } else {
        if (before?.oid) {
          this.logger?.info(
            `Orders repository ${this.repoPath}: HEAD ${oid.slice(
              0,
              12,
            )} does not descend from ${before.oid.slice(
              0,
              12,
            )} (history rewritten?), reading the whole tree`,
          );
        }
        snapshot = await this.readFully(before, oid);
      }
      this.snapshot = snapshot;
      return snapshot;
    } catch (e) {
      // whatever was half applied: the next read starts afresh
      this.snapshot = undefined;
      this.files = new Map();
      this.byKey = new Map();
      throw e;
    }
  }

  /** undefined when the diff could not be made (then the tree is read whole) */
  private async readIncrementally(
    before: OrdersSnapshot,
    oid: string,
    commits: OrdersCommit[],
  ): Promise<OrdersSnapshot | undefined> {
    const t0 = performance.now();
    let stdout: Buffer;
    try {
      ({ stdout } = await this.git([
        'diff-tree',
        '-r',
        '-z',
        '--no-renames',
        '--no-commit-id',
        before.oid!,
        oid,
        '--',
        'orders',
      ]));
    } catch (e) {
      this.logger?.warn(
        `Orders repository ${this.repoPath}: could not diff ${before.oid} and ${oid}, reading the whole tree: ${e}`,
      );
      return undefined;
    }
    // :<src mode> <dst mode> <src oid> <dst oid> <status> NUL <path> NUL
    const fields = stdout.toString('utf8').split('\0');
    const upserts: { file: string; oid: string }[] = [];
    const removals: string[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const meta = fields[i].split(' ');
      const file = fields[i + 1];
      if (meta.length < 5 || !orderFile.test(file)) continue;
      const [, dstMode, , dstOid, status] = meta;
      if (status.startsWith('D') || !/^100(644|755)$/.test(dstMode)) {
        removals.push(file);
      } else {
        upserts.push({ file, oid: dstOid });
      }
    }
    const orders = new Map(before.orders);
    const parsedBefore = this.stats.filesParsed;
    const changed = await this.apply(orders, upserts, removals);
    this.parsedSinceWrite += this.stats.filesParsed - parsedBefore;
    if (this.cacheAfter > 0 && this.parsedSinceWrite >= this.cacheAfter) {
      this.writeCache();
    }
    this.stats.incrementalReads++;
    this.logger?.debug(
      `Orders repository ${this.repoPath}: ${oid.slice(
        0,
        12,
      )} read from ${before.oid!.slice(0, 12)}: ${
        upserts.length + removals.length
      } files, ${changed.size} orders changed in ${(
        performance.now() - t0
      ).toFixed(0)} ms`,
    );
    return {
      oid,
      orders,
      read: 'incremental',
      changed,
      since: { oid: before.oid!, commits },
    };
  }

  private async readFully(
    before: OrdersSnapshot | undefined,
    oid: string,
  ): Promise<OrdersSnapshot> {
    const t0 = performance.now();
    const { stdout } = await this.git([
      'ls-tree',
      '-r',
      '-z',
      oid,
      '--',
      'orders',
    ]);
    // <mode> SP <type> SP <oid> TAB <path> NUL
    const listed = new Map<string, string>();
    for (const line of stdout.toString('utf8').split('\0')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const [mode, type, blob] = line.slice(0, tab).split(' ');
      const file = line.slice(tab + 1);
      if (type !== 'blob' || !/^100(644|755)$/.test(mode)) continue;
      if (orderFile.test(file)) listed.set(file, blob);
    }
    const upserts = [...listed].map(([file, blob]) => ({ file, oid: blob }));
    const removals = [...this.files.keys()].filter(f => !listed.has(f));
    const orders = new Map(before?.orders ?? []);
    if (this.files.size === 0) this.cached = await this.loadCache();
    const parsedBefore = this.stats.filesParsed;
    let changed: Set<string>;
    try {
      changed = await this.apply(orders, upserts, removals);
    } finally {
      this.cached = undefined;
    }
    this.parsedSinceWrite += this.stats.filesParsed - parsedBefore;
    if (this.cacheAfter > 0 && this.parsedSinceWrite >= this.cacheAfter) {
      this.writeCache();
    }
    this.stats.fullReads++;
    this.logger?.info(
      `Orders repository ${this.repoPath}: read ${orders.size} orders (${
        listed.size
      } files) at ${oid.slice(0, 12)} in ${(performance.now() - t0).toFixed(
        0,
      )} ms`,
    );
    return { oid, orders, read: 'full', changed };
  }

  /**
   * Applies file changes to `files`/`byKey` and rebuilds the orders they
   * touch in `orders`; blobs already read (same path and id) are not read
   * again. Returns the orders that changed.
   */
  private async apply(
    orders: Map<string, CommittedOrder>,
    upserts: { file: string; oid: string }[],
    removals: string[],
  ): Promise<Set<string>> {
    const touched = new Set<string>();
    const wanted = upserts.filter(u => this.files.get(u.file)?.oid !== u.oid);
    const toRead = [
      ...new Set(wanted.filter(u => !this.cached?.has(u.oid)).map(u => u.oid)),
    ];
    const blobs = await readBlobs(this.repoPath, toRead);
    if (toRead.length) this.stats.gitCommands++;
    for (const file of removals) {
      const entry = this.files.get(file);
      if (!entry) continue;
      this.files.delete(file);
      this.byKey.get(entry.key)?.delete(file);
      touched.add(entry.key);
    }
    const parsedHere = new Map<string, Parsed>();
    for (const { file, oid } of wanted) {
      const [, env, name, part] = orderFile.exec(file)!;
      const key = `${env}/${name}`;
      let parsed = this.cached?.get(oid) ?? parsedHere.get(oid);
      if (parsed) {
        this.stats.filesFromCache++;
      } else {
        const blob = blobs.get(oid);
        if (!blob) {
          throw new Error(`git cat-file did not return blob ${oid} of ${file}`);
        }
        this.stats.filesParsed++;
        parsed = parseBlob(blob);
        parsedHere.set(oid, parsed);
      }
      if (parsed.error) {
        this.logger?.warn(`Skipping ${file}: not YAML (${parsed.error})`);
      }
      const entry: FileEntry = {
        oid,
        key,
        parsed,
        object: parsed.object
          ? { part, file, object: parsed.object }
          : undefined,
      };
      this.files.set(file, entry);
      let paths = this.byKey.get(key);
      if (!paths) this.byKey.set(key, (paths = new Set()));
      paths.add(file);
      touched.add(key);
    }
    const changed = new Set<string>();
    for (const key of touched) {
      const paths = [...(this.byKey.get(key) ?? [])].sort(byteOrder);
      const objects = paths
        .map(p => this.files.get(p)!.object)
        .filter((o): o is CommittedObject => !!o);
      const old = orders.get(key);
      if (objects.length === 0) {
        this.byKey.delete(key);
        if (old) {
          orders.delete(key);
          changed.add(key);
        }
        continue;
      }
      if (
        old &&
        old.objects.length === objects.length &&
        old.objects.every((o, i) => o === objects[i])
      ) {
        continue; // same objects: the same order
      }
      const [env, name] = key.split('/');
      orders.set(key, { env, name, folder: `orders/${key}`, objects });
      changed.add(key);
    }
    return changed;
  }

  private async cacheFile(): Promise<string | undefined> {
    if (this.cacheAfter <= 0) return undefined;
    const gitDir = await gitDirOf(this.repoPath);
    return gitDir && path.join(gitDir, CACHE_FILE);
  }

  private async loadCache(): Promise<Map<string, Parsed> | undefined> {
    const file = await this.cacheFile();
    if (!file) return undefined;
    try {
      const data = v8.deserialize(await fs.promises.readFile(file)) as {
        entries: [string, Parsed][];
      };
      return new Map(data.entries);
    } catch {
      return undefined; // none yet, or unreadable: parse
    }
  }

  /** Writes what the current files parse to, in the background. */
  private writeCache() {
    this.parsedSinceWrite = 0;
    const entries = new Map<string, Parsed>();
    for (const entry of this.files.values())
      entries.set(entry.oid, entry.parsed);
    this.writing = this.writing.then(async () => {
      const file = await this.cacheFile();
      if (!file) return;
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        await fs.promises.writeFile(
          tmp,
          v8.serialize({ entries: [...entries] }),
        );
        await fs.promises.rename(tmp, file);
      } catch (e) {
        await fs.promises.rm(tmp, { force: true }).catch(() => undefined);
        this.logger?.debug(`Could not write ${file}: ${e}`);
      }
    });
  }
}

function parseBlob(blob: Buffer): Parsed {
  let object: OrderObject | undefined;
  try {
    object = yaml.parse(blob.toString('utf8'));
  } catch (e) {
    return { error: String(e) };
  }
  return object?.metadata?.name ? { object } : {};
}

/** git's order of paths in a tree listing (byte order). */
function byteOrder(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
