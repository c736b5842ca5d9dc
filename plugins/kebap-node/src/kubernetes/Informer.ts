import { LoggerService } from '@backstage/backend-plugin-api';
import type { OrderObject } from '@internal/plugin-kebap-common';
import {
  CollectionOptions,
  KubernetesApiError,
  KubernetesClient,
  WatchEvent,
} from './KubernetesClient';

/** What an informer tells its listener about one object. */
export interface InformerChange {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: OrderObject;
  /** the object before a MODIFIED or DELETED */
  previous?: OrderObject;
}

/** Reconnection delays: exponential from `initialMs` to `maxMs`, with jitter. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

const keyOf = (o: OrderObject) =>
  `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const versionOf = (o: OrderObject) =>
  (o.metadata as { resourceVersion?: string }).resourceVersion;

/**
 * A local copy of one collection kept fresh by the Kubernetes list+watch
 * protocol: LIST once (remembering the collection's resourceVersion), then
 * WATCH from that version and apply every ADDED/MODIFIED/DELETED event. A
 * watch that ends normally (server timeout) resumes from the last version
 * seen; a 410 Gone (version too old) re-lists; any other failure re-lists
 * after an exponential backoff. `synced` is true from the first successful
 * LIST until a re-LIST fails; the copy is kept (stale) in between.
 */
export class Informer {
  private readonly client: KubernetesClient;
  private readonly collection: CollectionOptions;
  private readonly logger: LoggerService;
  private readonly backoff: BackoffOptions;
  private readonly watchTimeoutSeconds: number;
  private readonly onChange?: (change: InformerChange) => void;
  private readonly transform: (obj: OrderObject) => OrderObject;
  private readonly onSyncedChange?: (synced: boolean) => void;
  private readonly store = new Map<string, OrderObject>();
  private abort?: AbortController;
  private loop?: Promise<void>;
  private syncWaiters: Array<() => void> = [];

  /** true once a LIST succeeded, false again when a re-LIST fails */
  synced = false;
  /** the last failure, for status answers */
  lastError?: string;
  /** the last resourceVersion seen */
  resourceVersion?: string;
  /** LISTs and WATCHes sent, for tests and benchmarks */
  lists = 0;
  watches = 0;
  /** BOOKMARK events received (they only move `resourceVersion` on) */
  bookmarks = 0;

  constructor(options: {
    client: KubernetesClient;
    collection: CollectionOptions;
    logger: LoggerService;
    backoff?: Partial<BackoffOptions>;
    watchTimeoutSeconds?: number;
    onChange?: (change: InformerChange) => void;
    /**
     * Applied to every object before it is stored, e.g. to drop what must not
     * be kept in memory (a Secret's credentials) or is never read
     * (managedFields).
     */
    transform?: (obj: OrderObject) => OrderObject;
    /** called when `synced` flips */
    onSyncedChange?: (synced: boolean) => void;
  }) {
    this.client = options.client;
    this.collection = options.collection;
    this.logger = options.logger;
    this.backoff = { initialMs: 500, maxMs: 30_000, ...options.backoff };
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
    this.onChange = options.onChange;
    this.transform = options.transform ?? (o => o);
    this.onSyncedChange = options.onSyncedChange;
  }

  private setSynced(synced: boolean) {
    if (this.synced === synced) return;
    this.synced = synced;
    this.onSyncedChange?.(synced);
  }

  /** The objects held now (the stored objects themselves: do not modify). */
  list(): OrderObject[] {
    return [...this.store.values()];
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** Resolves once synced, or false after `timeoutMs`. */
  waitForSync(timeoutMs: number): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise(resolve => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private describe(): string {
    const c = this.collection;
    return `${c.kind}${c.namespace ? ` in ${c.namespace}` : ''}${
      c.labelSelector ? ` (${c.labelSelector})` : ''
    }`;
  }

  private async run(signal: AbortSignal): Promise<void> {
    // consecutive failures, for the backoff (an object: the watch callback resets it)
    const state = { failures: 0 };
    while (!signal.aborted) {
      try {
        await this.relist();
        // watch, resuming from the last version, until 410 or a failure;
        // the backoff resets only once a watch works (a LIST that succeeds
        // while every WATCH fails must not become a tight re-list loop)
        for (;;) {
          if (signal.aborted) return;
          this.watches++;
          await this.client.watch(
            {
              ...this.collection,
              resourceVersion: this.resourceVersion,
              timeoutSeconds: this.watchTimeoutSeconds,
              signal,
            },
            event => {
              state.failures = 0;
              this.apply(event);
            },
          );
          state.failures = 0;
        }
      } catch (e) {
        if (signal.aborted) return;
        const gone = e instanceof KubernetesApiError && e.status === 410;
        if (gone) {
          this.logger.info(
            `Watch of ${this.describe()} expired at version ${
              this.resourceVersion
            }; listing again`,
          );
          continue;
        }
        state.failures++;
        this.lastError = (e as Error).message;
        const delay = Math.min(
          this.backoff.maxMs,
          this.backoff.initialMs * 2 ** (state.failures - 1),
        );
        const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
        this.logger.warn(
          `Watch of ${this.describe()} failed: ${
            this.lastError
          }; listing again in ${jittered} ms`,
        );
        // the listener goes with its timer: a long outage (one backoff per
        // failure) must not pile listeners up on the informer's signal
        await new Promise<void>(resolve => {
          let timer: ReturnType<typeof setTimeout> | undefined = undefined;
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolve();
          };
          timer = setTimeout(done, jittered);
          signal.addEventListener('abort', done);
        });
      }
    }
  }

  /** LIST and replace the copy, telling the listener what changed meanwhile. */
  private async relist(): Promise<void> {
    this.lists++;
    let answer;
    try {
      answer = await this.client.listWithVersion(this.collection);
    } catch (e) {
      this.lastError = (e as Error).message;
      this.setSynced(false);
      throw e;
    }
    const seen = new Set<string>();
    for (const listed of answer.items) {
      const obj = this.transform(listed);
      const key = keyOf(obj);
      seen.add(key);
      const previous = this.store.get(key);
      this.store.set(key, obj);
      if (!previous) this.onChange?.({ type: 'ADDED', object: obj });
      else if (versionOf(previous) !== versionOf(obj))
        this.onChange?.({ type: 'MODIFIED', object: obj, previous });
    }
    for (const [key, previous] of [...this.store]) {
      if (seen.has(key)) continue;
      this.store.delete(key);
      this.onChange?.({ type: 'DELETED', object: previous, previous });
    }
    this.resourceVersion = answer.resourceVersion;
    this.lastError = undefined;
    this.setSynced(true);
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    waiters.forEach(w => w());
  }

  private apply(event: WatchEvent): void {
    const obj = this.transform({
      ...event.object,
      apiVersion: event.object.apiVersion ?? this.collection.apiVersion,
      kind: event.object.kind ?? this.collection.kind,
    } as OrderObject);
    const version = versionOf(obj);
    if (version) this.resourceVersion = version;
    if (event.type === 'BOOKMARK') {
      this.bookmarks++;
      return;
    }
    const key = keyOf(obj);
    const previous = this.store.get(key);
    if (event.type === 'DELETED') {
      this.store.delete(key);
      this.onChange?.({ type: 'DELETED', object: obj, previous });
      return;
    }
    this.store.set(key, obj);
    this.onChange?.({
      type: previous ? 'MODIFIED' : 'ADDED',
      object: obj,
      previous,
    });
  }
}
