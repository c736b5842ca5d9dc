/*
 * TEST DOUBLE of the Kubernetes API server, for tests and benchmarks only.
 * An in-process HTTP server on 127.0.0.1 that stores objects in memory.
 *
 * Rules it enforces (what the portal's client and actions rely on):
 * - only the kinds of `kubernetesResources` exist; other paths answer 404;
 * - GET of a missing object and DELETE of a missing object answer 404;
 * - LIST filters by `labelSelector`: `k=v`, `k==v`, `k!=v`, `k in (a,b)`,
 *   `k notin (a,b)`, `k`, `!k`, comma-separated terms all apply;
 * - a namespaced object can only be applied when its Namespace exists
 *   (404 `namespaces "x" not found`);
 * - metadata.name must be a DNS-1123 subdomain (422) and match the path (400);
 * - apply is PATCH with `Content-Type: application/apply-patch+yaml` and a
 *   `fieldManager` query parameter (422 without); a `metadata.resourceVersion`
 *   in an apply of an existing object is a precondition (409 "the object has
 *   been modified" when it differs), ignored when the object is new;
 * - create is POST to the collection: 409 AlreadyExists when the name is
 *   taken; its fields belong to the manager as an `Update`, which is not the
 *   same owner as that manager's `Apply` (a later apply of a changed value
 *   conflicts with it, as on the real server);
 * - JSON patch (`application/json-patch+json`) supports what the portal
 *   sends after a create: `replace /metadata/resourceVersion` (a
 *   precondition), `replace /metadata/managedFields/<i>/operation` with
 *   `Apply` (the entry's fields become its manager's apply set) and
 *   `add`/`replace /metadata/ownerReferences`; any other op answers 422;
 *   other content types 415;
 * - server-side apply field ownership: each manager owns the leaf paths it
 *   applied (maps merge, lists are atomic); applying a different value to a
 *   path another manager owns answers 409 naming the manager and the paths,
 *   unless `force=true`; a manager that stops applying a path it owned alone
 *   removes it; `dryRun=All` validates and changes nothing;
 * - metadata.uid and creationTimestamp are set on create, resourceVersion
 *   grows on every change (an apply that changes nothing keeps it); LIST
 *   answers carry `metadata.resourceVersion`, the newest version stored;
 * - WATCH is a LIST with `watch=true` (or `1`): a chunked answer of JSON
 *   lines `{"type":"ADDED"|"MODIFIED"|"DELETED","object":…}`, filtered like
 *   the LIST (namespace, labelSelector). With `resourceVersion=N` it first
 *   replays every change after N, then streams live ones; without it (or
 *   with `0`) it starts with an ADDED per current object. An object whose
 *   labels stop (start) matching the selector arrives as DELETED (ADDED).
 *   A version older than the retained history (`historyLimit`, or after
 *   `compactHistory()`) gets the API server's answer: HTTP 200 with one
 *   `{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}}`
 *   line, then the stream closes. `timeoutSeconds` closes the stream after
 *   that many seconds, as the server does; `closeWatches()` drops every open
 *   watch (a connection loss); faults apply to watch calls like to others;
 * - `setStatus()` writes an object's `status` as its operator would (the
 *   status subresource): no field manager owns it, so an apply keeps it, and
 *   the change bumps resourceVersion and reaches the watches as MODIFIED;
 *   `remove()` deletes as another client would, `seed()` creates or
 *   replaces as another manager would; both reach the watches.
 * - finalizers: DELETE of an object with `metadata.finalizers` sets
 *   `deletionTimestamp` and keeps it (MODIFIED) until `finalize()` (the
 *   finalizer's controller) empties the list, then it is gone (DELETED); a
 *   repeated DELETE changes nothing;
 * - garbage collection in the background: when an object is gone, every
 *   object whose `metadata.ownerReferences` names its uid is deleted too
 *   (and so on down), as the garbage collector does after a Background
 *   deletion;
 * Not simulated: admission, defaulting, bookmarks, the /status endpoint over
 * HTTP, Foreground and Orphan propagation.
 *
 * Faults can be injected on chosen calls: an HTTP status (5xx, 429 with
 * Retry-After), a connection reset, or no answer at all (a timeout).
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import yaml from 'yaml';
import {
  kubernetesResources,
  KubernetesResource,
} from '../kubernetes/kubernetesResources';

type Obj = Record<string, any>;

export type FakeFault =
  | { status: number; retryAfterSeconds?: number }
  | 'reset'
  | 'timeout';

interface Rule {
  method?: string;
  pathPattern?: RegExp;
  times: number;
  fault: FakeFault;
}

/** One change, as watches see it. */
interface Change {
  version: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** `group/plural/` of the object's kind */
  prefix: string;
  obj: Obj;
  /** the object before a MODIFIED, to tell selector transitions */
  before?: Obj;
}

interface Watcher {
  prefix: string;
  namespace?: string;
  selector: string;
  res: http.ServerResponse;
}

export interface FakeCall {
  method: string;
  path: string;
  query: string;
  status: number | 'reset' | 'timeout';
}

const subdomain =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Joins path segments; label keys contain dots, so a dot cannot be the separator. */
const SEP = '\u001f';
const identity = new Set([
  'apiVersion',
  'kind',
  `metadata${SEP}name`,
  `metadata${SEP}namespace`,
  `metadata${SEP}resourceVersion`,
]);
/**
 * Field owners are (manager, operation) pairs, as on the real server: a
 * manager's `Update` set (from a create) is another owner than its `Apply`
 * set. Apply owners are keyed by the manager's name.
 */
const updateKey = (manager: string) => `${manager}${SEP}Update`;
const ownerOf = (key: string) => {
  const [manager, operation] = key.split(SEP);
  return { manager, operation: operation ?? 'Apply' };
};
const showPath = (p: string) => `.${p.split(SEP).join('.')}`;

/** Leaf paths of an object: maps recurse, lists and scalars are leaves. */
function leaves(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0
  ) {
    for (const [k, v] of Object.entries(value as Obj)) {
      for (const [p, leaf] of leaves(v, prefix ? `${prefix}${SEP}${k}` : k))
        out.set(p, leaf);
    }
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}

function getPath(obj: Obj, path: string): unknown {
  return path
    .split(SEP)
    .reduce<any>(
      (o, k) => (o && typeof o === 'object' ? o[k] : undefined),
      obj,
    );
}

function setPath(obj: Obj, path: string, value: unknown) {
  const keys = path.split(SEP);
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (!o[k] || typeof o[k] !== 'object' || Array.isArray(o[k])) o[k] = {};
    o = o[k];
  }
  o[keys[keys.length - 1]] = structuredClone(value);
}

function deletePath(obj: Obj, path: string) {
  const keys = path.split(SEP);
  const parents: Obj[] = [];
  let o: any = obj;
  for (const k of keys.slice(0, -1)) {
    if (!o || typeof o !== 'object') return;
    parents.push(o);
    o = o[k];
  }
  if (o && typeof o === 'object') delete o[keys[keys.length - 1]];
  // prune emptied maps
  for (let i = keys.length - 2; i >= 0; i--) {
    const parent = parents[i];
    const child = parent?.[keys[i]];
    if (
      child &&
      typeof child === 'object' &&
      !Array.isArray(child) &&
      Object.keys(child).length === 0
    )
      delete parent[keys[i]];
  }
}

function matchesSelector(
  labels: Record<string, string>,
  selector: string,
): boolean {
  if (!selector) return true;
  const terms = selector.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  return terms.every(raw => {
    const term = raw.trim();
    const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = set[3].split(',').map(v => v.trim());
      const has = set[1] in labels && values.includes(labels[set[1]]);
      return set[2] === 'in' ? has : !has;
    }
    const notEqual = /^([^\s!=]+)\s*!=\s*(.*)$/.exec(term);
    if (notEqual) return labels[notEqual[1]] !== notEqual[2];
    const equal = /^([^\s!=]+)\s*==?\s*(.*)$/.exec(term);
    if (equal) return labels[equal[1]] === equal[2];
    const absent = /^!([^\s!=]+)$/.exec(term);
    if (absent) return !(absent[1] in labels);
    return term in labels;
  });
}

export class FakeKubernetesApi {
  /**
   * @param options.latencyMs - delay before every answer, to stand in for a
   *   network round trip in benchmarks (default 0)
   */
  static async start(options?: {
    latencyMs?: number;
    /** changes kept for watches that resume from a version (default 10,000) */
    historyLimit?: number;
  }): Promise<FakeKubernetesApi> {
    const api = new FakeKubernetesApi(
      options?.latencyMs ?? 0,
      options?.historyLimit ?? 10_000,
    );
    await new Promise<void>(resolve =>
      api.server.listen(0, '127.0.0.1', resolve),
    );
    return api;
  }

  readonly calls: FakeCall[] = [];
  private readonly store = new Map<
    string,
    { obj: Obj; managers: Map<string, Set<string>> }
  >();
  private readonly rules: Rule[] = [];
  private readonly server = http.createServer((req, res) =>
    this.handle(req, res),
  );
  private version = 1;
  private readonly history: Change[] = [];
  /** watches may resume from this version or a newer one */
  private oldestResumable = 1;
  private readonly watchers = new Set<Watcher>();

  private readonly latencyMs: number;
  private readonly historyLimit: number;

  private constructor(latencyMs: number, historyLimit: number) {
    this.latencyMs = latencyMs;
    this.historyLimit = historyLimit;
  }

  /** Watches open now. */
  get openWatches(): number {
    return this.watchers.size;
  }

  /** Ends every open watch, as a lost connection or an API server restart would. */
  closeWatches(): void {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
  }

  /** Forgets the change history: watches resuming from an older version get 410 Gone. */
  compactHistory(): void {
    this.history.length = 0;
    this.oldestResumable = this.version;
  }

  /**
   * Writes an object's `status` as its operator would (the status
   * subresource): a new resourceVersion, a MODIFIED event, no field owner.
   */
  setStatus(
    ref: { apiVersion: string; kind: string; namespace?: string; name: string },
    status: Obj | undefined,
  ): Obj {
    const r = this.resourceFor(ref.apiVersion, ref.kind);
    if (!r) throw new Error(`unknown kind ${ref.kind}`);
    const entry = this.store.get(this.key(r, ref.namespace, ref.name));
    if (!entry) throw new Error(`${ref.kind} ${ref.name} not found`);
    const before = entry.obj;
    const obj = structuredClone(before);
    if (status === undefined) delete obj.status;
    else obj.status = structuredClone(status);
    obj.metadata.resourceVersion = String(++this.version);
    entry.obj = obj;
    this.record({ type: 'MODIFIED', r, obj, before });
    return structuredClone(obj);
  }

  /** Deletes an object as another client would (a DELETED event). */
  remove(ref: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
  }): boolean {
    const r = this.resourceFor(ref.apiVersion, ref.kind);
    if (!r) throw new Error(`unknown kind ${ref.kind}`);
    const key = this.key(r, ref.namespace, ref.name);
    const entry = this.store.get(key);
    if (!entry) return false;
    this.store.delete(key);
    this.record({
      type: 'DELETED',
      r,
      obj: entry.obj,
      version: ++this.version,
    });
    this.collect(entry.obj.metadata.uid);
    return true;
  }

  /** The garbage collector: deletes the dependents of a deleted object. */
  private collect(uid: string | undefined) {
    if (!uid) return;
    for (const [key, entry] of [...this.store]) {
      const owned = (entry.obj.metadata.ownerReferences ?? []).some(
        (o: { uid?: string }) => o.uid === uid,
      );
      if (!owned || !this.store.has(key)) continue;
      const r = this.resourceFor(entry.obj.apiVersion, entry.obj.kind)!;
      if ((entry.obj.metadata.finalizers ?? []).length > 0) {
        if (!entry.obj.metadata.deletionTimestamp) {
          const before = structuredClone(entry.obj);
          entry.obj.metadata.deletionTimestamp = new Date().toISOString();
          entry.obj.metadata.resourceVersion = String(++this.version);
          this.record({ type: 'MODIFIED', r, obj: entry.obj, before });
        }
        continue;
      }
      this.store.delete(key);
      this.record({
        type: 'DELETED',
        r,
        obj: entry.obj,
        version: ++this.version,
      });
      this.collect(entry.obj.metadata.uid);
    }
  }

  private record(change: {
    type: Change['type'];
    r: KubernetesResource;
    obj: Obj;
    before?: Obj;
    version?: number;
  }) {
    const c: Change = {
      version: change.version ?? Number(change.obj.metadata.resourceVersion),
      type: change.type,
      prefix: `${change.r.group}/${change.r.plural}/`,
      obj: structuredClone(change.obj),
      before: change.before,
    };
    if (c.type === 'DELETED') {
      c.obj.metadata.resourceVersion = String(c.version);
    }
    this.history.push(c);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift()!;
      this.oldestResumable = dropped.version;
    }
    for (const w of this.watchers) this.deliver(w, c);
  }

  /** Sends a change to a watch, translated by its selector. */
  private deliver(w: Watcher, c: Change) {
    if (c.prefix !== w.prefix) return;
    if (w.namespace && c.obj.metadata.namespace !== w.namespace) return;
    const now = matchesSelector(c.obj.metadata.labels ?? {}, w.selector);
    let type: Change['type'] | undefined = c.type;
    if (c.type === 'MODIFIED') {
      const was = matchesSelector(c.before?.metadata.labels ?? {}, w.selector);
      if (was && !now) type = 'DELETED';
      else if (!was && now) type = 'ADDED';
      else if (!was && !now) type = undefined;
    } else if (!now) type = undefined;
    if (type) w.res.write(`${JSON.stringify({ type, object: c.obj })}\n`);
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  /** The next `times` calls matching method and path get this fault. */
  injectFault(rule: {
    method?: string;
    pathPattern?: RegExp;
    times: number;
    fault: FakeFault;
  }): void {
    this.rules.push({ ...rule });
  }

  /** Creates an object as if another field manager had applied it. */
  seed(obj: Obj, options: { manager: string }): void {
    const r = this.resourceFor(obj.apiVersion, obj.kind);
    if (!r) throw new Error(`unknown kind ${obj.kind}`);
    const key = this.key(r, obj.metadata.namespace, obj.metadata.name);
    const stored = structuredClone(obj);
    const before = this.store.get(key)?.obj;
    stored.metadata.uid = before?.metadata.uid ?? randomUUID();
    stored.metadata.creationTimestamp ??=
      before?.metadata.creationTimestamp ?? new Date().toISOString();
    stored.metadata.resourceVersion = String(++this.version);
    const owned = new Set(
      [...leaves(obj).keys()].filter(p => !identity.has(p)),
    );
    this.store.set(key, {
      obj: stored,
      managers: new Map([[options.manager, owned]]),
    });
    this.record({
      type: before ? 'MODIFIED' : 'ADDED',
      r,
      obj: stored,
      before,
    });
  }

  /** Every stored object (copies). */
  objects(): Obj[] {
    return [...this.store.values()].map(v => structuredClone(v.obj));
  }

  /** Forgets calls and faults (objects stay). */
  reset(): void {
    this.calls.length = 0;
    this.rules.length = 0;
  }

  private resourceFor(
    apiVersion: string,
    kind: string,
  ): KubernetesResource | undefined {
    const [group, version] = apiVersion.includes('/')
      ? apiVersion.split('/')
      : ['', apiVersion];
    return kubernetesResources.find(
      r => r.group === group && r.version === version && r.kind === kind,
    );
  }

  private key(
    r: KubernetesResource,
    namespace: string | undefined,
    name: string,
  ) {
    return `${r.group}/${r.plural}/${r.namespaced ? namespace : ''}/${name}`;
  }

  private route(
    pathname: string,
  ): { r: KubernetesResource; namespace?: string; name?: string } | undefined {
    const m =
      /^\/api\/(v1)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
        pathname,
      ) ??
      /^\/apis\/([^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
        pathname,
      );
    if (!m) return undefined;
    const [group, version] = m[1].includes('/') ? m[1].split('/') : ['', m[1]];
    // `/api/v1/namespaces/<name>` matches with no namespace part: the Namespace itself
    const namespace = m[2] ? decodeURIComponent(m[2]) : undefined;
    const plural = m[3];
    const name = m[4] ? decodeURIComponent(m[4]) : undefined;
    const r = kubernetesResources.find(
      x => x.group === group && x.version === version && x.plural === plural,
    );
    if (!r || (r.namespaced && name && !namespace)) return undefined;
    return { r, namespace, name };
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const pathname = url.pathname;
    const call: FakeCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      status: 0,
    };
    this.calls.push(call);
    const rule = this.rules.find(
      x =>
        x.times > 0 &&
        (!x.method || x.method === req.method) &&
        (!x.pathPattern || x.pathPattern.test(url.pathname)),
    );
    if (rule) {
      rule.times--;
      if (rule.fault === 'reset') {
        call.status = 'reset';
        req.socket.destroy();
        return;
      }
      if (rule.fault === 'timeout') {
        call.status = 'timeout';
        req.resume();
        return; // never answer; the client gives up
      }
      const headers: Record<string, string> = {};
      if (rule.fault.retryAfterSeconds !== undefined)
        headers['Retry-After'] = String(rule.fault.retryAfterSeconds);
      this.send(
        res,
        call,
        rule.fault.status,
        {
          kind: 'Status',
          status: 'Failure',
          message: 'injected fault',
          code: rule.fault.status,
        },
        headers,
      );
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', async () => {
      if (this.latencyMs) await new Promise(r => setTimeout(r, this.latencyMs));
      try {
        this.serve(
          req,
          url,
          pathname,
          Buffer.concat(chunks).toString('utf8'),
          res,
          call,
        );
      } catch (e) {
        this.send(res, call, 500, { kind: 'Status', message: String(e) });
      }
    });
  }

  private fail(
    res: http.ServerResponse,
    call: FakeCall,
    code: number,
    reason: string,
    message: string,
  ) {
    this.send(res, call, code, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason,
      message,
      code,
    });
  }

  private send(
    res: http.ServerResponse,
    call: FakeCall,
    code: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    call.status = code;
    res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private serve(
    req: http.IncomingMessage,
    url: URL,
    pathname: string,
    body: string,
    res: http.ServerResponse,
    call: FakeCall,
  ) {
    const route = this.route(pathname);
    if (!route)
      return this.fail(
        res,
        call,
        404,
        'NotFound',
        `the server could not find the requested resource (${url.pathname})`,
      );
    const { r, namespace, name } = route;
    const watch = url.searchParams.get('watch');
    if (req.method === 'GET' && !name && (watch === 'true' || watch === '1')) {
      return this.watch(url, r, namespace, res, call);
    }
    if (req.method === 'GET' && !name) {
      const selector = url.searchParams.get('labelSelector') ?? '';
      const items = [...this.store.entries()]
        .filter(([k]) => k.startsWith(`${r.group}/${r.plural}/`))
        .map(([, v]) => v.obj)
        .filter(o => !namespace || o.metadata.namespace === namespace)
        .filter(o => matchesSelector(o.metadata.labels ?? {}, selector));
      return this.send(res, call, 200, {
        kind: `${r.kind}List`,
        metadata: { resourceVersion: String(this.version) },
        items,
      });
    }
    if (!name && req.method === 'POST')
      return this.create(url, r, namespace, body, res, call);
    if (!name)
      return this.fail(
        res,
        call,
        405,
        'MethodNotAllowed',
        'collection writes are not supported',
      );
    const key = this.key(r, namespace, name);
    const entry = this.store.get(key);
    const plural = `${r.plural}${r.group ? `.${r.group}` : ''}`;
    if (req.method === 'GET') {
      if (!entry)
        return this.fail(
          res,
          call,
          404,
          'NotFound',
          `${plural} "${name}" not found`,
        );
      return this.send(res, call, 200, entry.obj);
    }
    if (req.method === 'DELETE') {
      if (!entry)
        return this.fail(
          res,
          call,
          404,
          'NotFound',
          `${plural} "${name}" not found`,
        );
      if ((entry.obj.metadata.finalizers ?? []).length > 0) {
        // held by finalizers: marked for deletion, kept until they are done
        if (!entry.obj.metadata.deletionTimestamp) {
          const before = structuredClone(entry.obj);
          entry.obj.metadata.deletionTimestamp = new Date().toISOString();
          entry.obj.metadata.resourceVersion = String(++this.version);
          this.record({ type: 'MODIFIED', r, obj: entry.obj, before });
        }
        return this.send(res, call, 200, entry.obj);
      }
      this.store.delete(key);
      this.record({
        type: 'DELETED',
        r,
        obj: entry.obj,
        version: ++this.version,
      });
      this.collect(entry.obj.metadata.uid);
      return this.send(res, call, 200, { kind: 'Status', status: 'Success' });
    }
    if (req.method !== 'PATCH')
      return this.fail(
        res,
        call,
        405,
        'MethodNotAllowed',
        `${req.method} is not supported`,
      );
    if (req.headers['content-type'] === 'application/json-patch+json') {
      if (!entry)
        return this.fail(
          res,
          call,
          404,
          'NotFound',
          `${plural} "${name}" not found`,
        );
      return this.jsonPatch(r, key, entry, plural, name, body, res, call);
    }
    if (req.headers['content-type'] !== 'application/apply-patch+yaml') {
      return this.fail(
        res,
        call,
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml`,
      );
    }
    const manager = url.searchParams.get('fieldManager');
    if (!manager)
      return this.fail(
        res,
        call,
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    let obj: Obj;
    try {
      obj = yaml.parse(body);
    } catch (e) {
      return this.fail(
        res,
        call,
        400,
        'BadRequest',
        `error decoding YAML: ${e}`,
      );
    }
    if (
      obj?.apiVersion !== (r.group ? `${r.group}/${r.version}` : r.version) ||
      obj?.kind !== r.kind
    ) {
      return this.fail(
        res,
        call,
        400,
        'BadRequest',
        'the apiVersion and kind of the body do not match the path',
      );
    }
    if (
      obj.metadata?.name !== name ||
      (r.namespaced && (obj.metadata.namespace ?? namespace) !== namespace)
    ) {
      return this.fail(
        res,
        call,
        400,
        'BadRequest',
        'the name (or namespace) of the object does not match the name on the URL',
      );
    }
    if (this.refuseNameOrNamespace(r, name, namespace, res, call))
      return undefined;
    if (
      entry &&
      obj.metadata.resourceVersion !== undefined &&
      String(obj.metadata.resourceVersion) !==
        entry.obj.metadata.resourceVersion
    ) {
      return this.modified(res, call, plural, name);
    }
    const force = url.searchParams.get('force') === 'true';
    const dryRun = url.searchParams.get('dryRun') === 'All';
    const applied = new Map([...leaves(obj)].filter(([p]) => !identity.has(p)));
    const current: Obj = entry
      ? structuredClone(entry.obj)
      : {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          metadata: { name, ...(r.namespaced ? { namespace } : {}) },
        };
    const managers = entry
      ? new Map([...entry.managers].map(([m, s]) => [m, new Set(s)]))
      : new Map<string, Set<string>>();

    const conflicts = new Map<string, string[]>();
    for (const [p, value] of applied) {
      for (const [other, owned] of managers) {
        if (other === manager || !owned.has(p)) continue;
        if (JSON.stringify(getPath(current, p)) !== JSON.stringify(value)) {
          const owner = ownerOf(other).manager;
          conflicts.set(owner, [...(conflicts.get(owner) ?? []), showPath(p)]);
        }
      }
    }
    if (conflicts.size > 0 && !force) {
      const list = [...conflicts].flatMap(([m, paths]) =>
        paths.map(p => `conflict with "${m}": ${p}`),
      );
      return this.fail(
        res,
        call,
        409,
        'Conflict',
        `Apply failed with ${list.length} conflict${
          list.length > 1 ? 's' : ''
        }: ${list.join('\n')}`,
      );
    }
    const before = JSON.stringify(current);
    // paths this manager owned alone and no longer applies are removed
    for (const p of managers.get(manager) ?? []) {
      const sharedWithOthers = [...managers].some(
        ([m, s]) => m !== manager && s.has(p),
      );
      if (!applied.has(p) && !sharedWithOthers) deletePath(current, p);
    }
    for (const [p, value] of applied) {
      setPath(current, p, value);
      if (force) for (const [m, s] of managers) if (m !== manager) s.delete(p);
    }
    managers.set(manager, new Set(applied.keys()));
    const changed = JSON.stringify(current) !== before || !entry;
    if (!entry) {
      current.metadata.uid = randomUUID();
      current.metadata.creationTimestamp = new Date().toISOString();
    }
    if (changed) current.metadata.resourceVersion = String(++this.version);
    current.metadata.managedFields = [...managers.keys()].map(ownerOf);
    if (!dryRun) {
      this.store.set(key, { obj: current, managers });
      if (changed)
        this.record({
          type: entry ? 'MODIFIED' : 'ADDED',
          r,
          obj: current,
          before: entry?.obj,
        });
    }
    return this.send(res, call, entry ? 200 : 201, current);
  }

  /**
   * A write's name must be a DNS-1123 subdomain (422) and its namespace must
   * exist (404); answers and returns true when either rule is broken.
   */
  private refuseNameOrNamespace(
    r: KubernetesResource,
    name: string,
    namespace: string | undefined,
    res: http.ServerResponse,
    call: FakeCall,
  ): boolean {
    if (!name || name.length > 253 || !subdomain.test(name)) {
      this.fail(
        res,
        call,
        422,
        'Invalid',
        `${r.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      );
      return true;
    }
    if (
      r.namespaced &&
      !this.store.has(this.key(kubernetesResources[0], undefined, namespace!))
    ) {
      this.fail(
        res,
        call,
        404,
        'NotFound',
        `namespaces "${namespace}" not found`,
      );
      return true;
    }
    return false;
  }

  /** 409 for a write whose resourceVersion is not the stored one. */
  private modified(
    res: http.ServerResponse,
    call: FakeCall,
    plural: string,
    name: string,
  ) {
    return this.fail(
      res,
      call,
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }

  /** POST to a collection: create, or 409 AlreadyExists. */
  private create(
    url: URL,
    r: KubernetesResource,
    namespace: string | undefined,
    body: string,
    res: http.ServerResponse,
    call: FakeCall,
  ) {
    const manager = url.searchParams.get('fieldManager') ?? 'unknown';
    let obj: Obj;
    try {
      obj = JSON.parse(body);
    } catch (e) {
      return this.fail(
        res,
        call,
        400,
        'BadRequest',
        `error decoding JSON: ${e}`,
      );
    }
    const name: string = obj?.metadata?.name ?? '';
    const plural = `${r.plural}${r.group ? `.${r.group}` : ''}`;
    if (
      obj?.apiVersion !== (r.group ? `${r.group}/${r.version}` : r.version) ||
      obj?.kind !== r.kind ||
      (r.namespaced && (obj.metadata.namespace ?? namespace) !== namespace)
    ) {
      return this.fail(
        res,
        call,
        400,
        'BadRequest',
        'the apiVersion, kind or namespace of the body do not match the path',
      );
    }
    if (this.refuseNameOrNamespace(r, name, namespace, res, call))
      return undefined;
    const key = this.key(r, namespace, name);
    if (this.store.has(key)) {
      return this.fail(
        res,
        call,
        409,
        'AlreadyExists',
        `${plural} "${name}" already exists`,
      );
    }
    const stored: Obj = structuredClone(obj);
    stored.metadata = {
      ...stored.metadata,
      ...(r.namespaced ? { namespace } : {}),
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
      resourceVersion: String(this.version + 1),
    };
    const managers = new Map([
      [
        updateKey(manager),
        new Set([...leaves(obj).keys()].filter(p => !identity.has(p))),
      ],
    ]);
    stored.metadata.managedFields = [...managers.keys()].map(ownerOf);
    if (url.searchParams.get('dryRun') !== 'All') {
      this.version++;
      this.store.set(key, { obj: stored, managers });
      this.record({ type: 'ADDED', r, obj: stored });
    }
    return this.send(res, call, 201, stored);
  }

  /**
   * JSON patch, as much as the portal sends: a resourceVersion precondition
   * and taking managedFields entries over as `Apply`.
   */
  private jsonPatch(
    r: KubernetesResource,
    key: string,
    entry: { obj: Obj; managers: Map<string, Set<string>> },
    plural: string,
    name: string,
    body: string,
    res: http.ServerResponse,
    call: FakeCall,
  ) {
    let ops: Array<{ op: string; path: string; value?: unknown }>;
    try {
      ops = JSON.parse(body);
    } catch (e) {
      return this.fail(
        res,
        call,
        400,
        'BadRequest',
        `error decoding JSON: ${e}`,
      );
    }
    const keys = [...entry.managers.keys()];
    const managers = new Map(entry.managers);
    for (const op of ops) {
      if (op.op === 'replace' && op.path === '/metadata/resourceVersion') {
        if (String(op.value) !== entry.obj.metadata.resourceVersion)
          return this.modified(res, call, plural, name);
        continue;
      }
      if (
        (op.op === 'add' || op.op === 'replace') &&
        op.path === '/metadata/ownerReferences'
      ) {
        entry.obj.metadata.ownerReferences = structuredClone(op.value);
        continue;
      }
      const m = /^\/metadata\/managedFields\/(\d+)\/operation$/.exec(op.path);
      if (
        op.op === 'replace' &&
        m &&
        op.value === 'Apply' &&
        keys[Number(m[1])]
      ) {
        // the entry's fields become its manager's apply set
        const from = keys[Number(m[1])];
        const owner = ownerOf(from).manager;
        const owned = managers.get(from)!;
        managers.delete(from);
        managers.set(
          owner,
          new Set([...(managers.get(owner) ?? []), ...owned]),
        );
        continue;
      }
      return this.fail(
        res,
        call,
        422,
        'Invalid',
        `the test double does not support the JSON patch op ${op.op} ${op.path}`,
      );
    }
    entry.managers = managers;
    entry.obj.metadata.managedFields = [...managers.keys()].map(ownerOf);
    const before = structuredClone(entry.obj);
    entry.obj.metadata.resourceVersion = String(++this.version);
    this.store.set(key, entry);
    this.record({ type: 'MODIFIED', r, obj: entry.obj, before });
    return this.send(res, call, 200, entry.obj);
  }

  /**
   * Removes an object's finalizers, as the controller that set them does
   * once its clean-up is done: an object marked for deletion then goes.
   */
  finalize(ref: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
  }): void {
    const r = this.resourceFor(ref.apiVersion, ref.kind);
    if (!r) throw new Error(`unknown kind ${ref.kind}`);
    const key = this.key(r, ref.namespace, ref.name);
    const entry = this.store.get(key);
    if (!entry) return;
    const before = structuredClone(entry.obj);
    delete entry.obj.metadata.finalizers;
    if (entry.obj.metadata.deletionTimestamp) {
      this.store.delete(key);
      this.record({
        type: 'DELETED',
        r,
        obj: entry.obj,
        version: ++this.version,
      });
      this.collect(entry.obj.metadata.uid);
    } else {
      entry.obj.metadata.resourceVersion = String(++this.version);
      this.record({ type: 'MODIFIED', r, obj: entry.obj, before });
    }
  }

  private watch(
    url: URL,
    r: KubernetesResource,
    namespace: string | undefined,
    res: http.ServerResponse,
    call: FakeCall,
  ) {
    const selector = url.searchParams.get('labelSelector') ?? '';
    const from = url.searchParams.get('resourceVersion');
    const prefix = `${r.group}/${r.plural}/`;
    call.status = 200;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    const w: Watcher = { prefix, namespace, selector, res };
    if (from && from !== '0') {
      const version = Number(from);
      if (!Number.isInteger(version) || version < this.oldestResumable) {
        res.end(
          `${JSON.stringify({
            type: 'ERROR',
            object: {
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              message: `too old resource version: ${from} (${this.oldestResumable})`,
              reason: 'Expired',
              code: 410,
            },
          })}\n`,
        );
        return;
      }
      for (const c of this.history) if (c.version > version) this.deliver(w, c);
    } else {
      for (const [k, v] of this.store) {
        if (!k.startsWith(prefix)) continue;
        if (namespace && v.obj.metadata.namespace !== namespace) continue;
        if (!matchesSelector(v.obj.metadata.labels ?? {}, selector)) continue;
        res.write(`${JSON.stringify({ type: 'ADDED', object: v.obj })}\n`);
      }
    }
    this.watchers.add(w);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timer =
      timeout > 0
        ? setTimeout(() => {
            this.watchers.delete(w);
            res.end();
          }, timeout * 1000)
        : undefined;
    const done = () => {
      if (timer) clearTimeout(timer);
      this.watchers.delete(w);
    };
    res.on('close', done);
  }
}
