import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { Config } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type { OrderObject } from '@internal/plugin-kebap-common';
import { ObjectRef, refString, resourcePath } from './kubernetesResources';

/** How failing calls are retried. */
export interface RetryOptions {
  /** total attempts, the first included (default 4) */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** per request (default 10 s) */
  timeoutMs: number;
}

/** An API answer the client does not turn into a Backstage error type. */
export class KubernetesApiError extends Error {
  readonly status?: number;
  readonly reason?: string;
  constructor(message: string, options: { status?: number; reason?: string }) {
    super(message);
    this.name = 'KubernetesApiError';
    this.status = options.status;
    this.reason = options.reason;
  }
}

/** One line of a watch stream. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  object: OrderObject & {
    metadata: OrderObject['metadata'] & { resourceVersion?: string };
  };
}

/** Which collection to list or watch. */
export interface CollectionOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Error codes of calls worth another try. */
const transientCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
]);

/**
 * The portal's Kubernetes client: get, list, server-side apply (PATCH
 * `application/apply-patch+yaml` with a named field manager), delete.
 * Transient failures (5xx, 429, timeouts, connection resets) are retried
 * with exponential backoff a bounded number of times; 4xx answers are
 * mapped to Backstage errors and never retried (but 429).
 */
export class KubernetesClient {
  /**
   * From config: `kebap.kubernetes.kubeconfigPath` (+ `.context`),
   * `kebap.kubernetes.inCluster`, or `kebap.kubernetes.clusterName` naming a
   * cluster of the Backstage `kubernetes` config (url, serviceAccountToken,
   * caData, skipTLSVerify; without a token, the pod's service account).
   */
  static fromConfig(
    config: Config,
    options: { logger: LoggerService; retry?: Partial<RetryOptions> },
  ): KubernetesClient {
    const kc = new KubeConfig();
    const path = config.getOptionalString('kebap.kubernetes.kubeconfigPath');
    const clusterName = config.getOptionalString(
      'kebap.kubernetes.clusterName',
    );
    if (path) {
      kc.loadFromFile(path);
      const context = config.getOptionalString('kebap.kubernetes.context');
      if (context) kc.setCurrentContext(context);
    } else if (clusterName) {
      const clusters = (
        config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? []
      )
        .filter(m => m.getString('type') === 'config')
        .flatMap(m => m.getOptionalConfigArray('clusters') ?? []);
      const cluster = clusters.find(c => c.getString('name') === clusterName);
      if (!cluster) {
        throw new Error(
          `kebap.kubernetes.clusterName: no cluster named '${clusterName}' in the kubernetes config`,
        );
      }
      const token = cluster.getOptionalString('serviceAccountToken');
      if (!token) {
        kc.loadFromCluster();
      } else {
        kc.loadFromClusterAndUser(
          {
            name: clusterName,
            server: cluster.getString('url'),
            caData: cluster.getOptionalString('caData'),
            skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
          },
          { name: 'kebap-portal', token },
        );
      }
    } else if (
      config.getOptionalBoolean('kebap.kubernetes.inCluster') ??
      true
    ) {
      kc.loadFromCluster();
    }
    return KubernetesClient.fromKubeConfig(kc, options);
  }

  static fromKubeConfig(
    kc: KubeConfig,
    options: { logger: LoggerService; retry?: Partial<RetryOptions> },
  ): KubernetesClient {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('The kubeconfig has no current cluster');
    return new KubernetesClient({
      baseUrl: cluster.server,
      logger: options.logger,
      retry: options.retry,
      applyAuth: opts => kc.applyToHTTPSOptions(opts),
    });
  }

  private readonly baseUrl: URL;
  private readonly logger: LoggerService;
  private readonly retry: RetryOptions;
  private readonly applyAuth?: (opts: https.RequestOptions) => Promise<void>;
  /** Requests sent, retries included: for benchmarks and reports. */
  requestCount = 0;

  constructor(options: {
    baseUrl: string;
    logger: LoggerService;
    retry?: Partial<RetryOptions>;
    applyAuth?: (opts: https.RequestOptions) => Promise<void>;
  }) {
    this.baseUrl = new URL(options.baseUrl);
    this.logger = options.logger;
    this.applyAuth = options.applyAuth;
    this.retry = {
      attempts: 4,
      baseDelayMs: 200,
      maxDelayMs: 2000,
      timeoutMs: 10_000,
      ...options.retry,
    };
  }

  async get(ref: ObjectRef): Promise<OrderObject | undefined> {
    const answer = await this.call('GET', resourcePath(ref));
    if (answer.status === 404) return undefined;
    this.check(answer, `GET ${refString(ref)}`);
    return JSON.parse(answer.body);
  }

  async list(options: CollectionOptions): Promise<OrderObject[]> {
    return (await this.listWithVersion(options)).items;
  }

  /**
   * A LIST and the collection's `metadata.resourceVersion`, the version a
   * watch resumes from.
   */
  async listWithVersion(
    options: CollectionOptions,
  ): Promise<{ items: OrderObject[]; resourceVersion: string }> {
    const query = options.labelSelector
      ? `?labelSelector=${encodeURIComponent(options.labelSelector)}`
      : '';
    const answer = await this.call('GET', resourcePath(options) + query);
    this.check(answer, `LIST ${options.kind}`);
    const list = JSON.parse(answer.body);
    return {
      items: (list.items ?? []).map(
        (item: Partial<OrderObject>) =>
          ({
            ...item,
            apiVersion: options.apiVersion,
            kind: options.kind,
          } as OrderObject),
      ),
      resourceVersion: String(list.metadata?.resourceVersion ?? ''),
    };
  }

  /**
   * Watches a collection from `resourceVersion`: calls `onEvent` for every
   * line of the stream, resolves when the server ends the stream (after
   * `timeoutSeconds`, default 300) or `signal` aborts. Not retried: the
   * caller (an informer) re-watches or re-lists. Rejects with a
   * KubernetesApiError of status 410 when the version is too old (HTTP 410
   * or an ERROR event with code 410): the caller must LIST again.
   */
  async watch(
    options: CollectionOptions & {
      resourceVersion?: string;
      timeoutSeconds?: number;
      signal?: AbortSignal;
    },
    onEvent: (event: WatchEvent) => void,
  ): Promise<void> {
    const timeoutSeconds = options.timeoutSeconds ?? 300;
    const query = new URLSearchParams({
      watch: 'true',
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeoutSeconds),
    });
    if (options.labelSelector)
      query.set('labelSelector', options.labelSelector);
    if (options.resourceVersion)
      query.set('resourceVersion', options.resourceVersion);
    const url = new URL(`${resourcePath(options)}?${query}`, this.baseUrl);
    const what = `WATCH ${options.kind}`;
    const requestOptions: https.RequestOptions = {
      method: 'GET',
      hostname: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers: { Accept: 'application/json' },
    };
    if (this.applyAuth) await this.applyAuth(requestOptions);
    if (options.signal?.aborted) return;
    const mod = url.protocol === 'http:' ? http : https;
    this.requestCount++;
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      let req: http.ClientRequest | undefined = undefined;
      const abortListener = { onAbort: () => {} };
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', abortListener.onAbort);
        if (error) {
          req?.destroy();
          reject(error);
        } else resolve();
      };
      abortListener.onAbort = () => {
        finish();
        req?.destroy();
      };
      req = mod.request(requestOptions, res => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(c));
          res.on('end', () => {
            try {
              this.check(
                {
                  status: res.statusCode ?? 0,
                  headers: res.headers,
                  body: Buffer.concat(chunks).toString('utf8'),
                },
                what,
              );
              finish(new Error(`${what}: HTTP ${res.statusCode}`));
            } catch (e) {
              finish(e as Error);
            }
          });
          return;
        }
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let nl = pending.indexOf('\n');
          while (nl >= 0 && !settled) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            nl = pending.indexOf('\n');
            if (!line) continue;
            let event: any;
            try {
              event = JSON.parse(line);
            } catch {
              finish(new KubernetesApiError(`${what}: not JSON: ${line}`, {}));
              return;
            }
            if (event.type === 'ERROR') {
              const status = event.object ?? {};
              finish(
                new KubernetesApiError(
                  `${what}: ${status.message ?? 'error'} (code ${status.code})`,
                  { status: status.code, reason: status.reason },
                ),
              );
              return;
            }
            try {
              onEvent(event as WatchEvent);
            } catch (e) {
              finish(e as Error);
              return;
            }
          }
        });
        res.on('end', () => finish());
        res.on('error', e => finish(e));
        res.on('close', () =>
          finish(
            res.complete
              ? undefined
              : Object.assign(new Error(`${what}: connection closed`), {
                  code: 'ECONNRESET',
                }),
          ),
        );
      });
      // idle longer than the server's own timeout: the connection is gone
      req.setTimeout((timeoutSeconds + 30) * 1000, () => {
        finish(
          Object.assign(
            new Error(`${what}: no data for ${timeoutSeconds + 30} s`),
            {
              code: 'ETIMEDOUT',
            },
          ),
        );
      });
      req.on('error', e => finish(e));
      options.signal?.addEventListener('abort', abortListener.onAbort);
      req.end();
    });
  }

  /** Server-side apply; never forces ownership of fields another manager owns. */
  async apply(
    obj: OrderObject,
    options: { fieldManager: string; force?: boolean; dryRun?: boolean },
  ): Promise<OrderObject> {
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    };
    const query = new URLSearchParams({ fieldManager: options.fieldManager });
    if (options.force) query.set('force', 'true');
    if (options.dryRun) query.set('dryRun', 'All');
    const answer = await this.call(
      'PATCH',
      `${resourcePath(ref)}?${query}`,
      // JSON, which is YAML too: every string stays a string (the API
      // server reads YAML 1.1, where a bare yes/no/on/1:20 is not one)
      JSON.stringify(obj),
      'application/apply-patch+yaml',
    );
    this.check(answer, `apply ${refString(ref)}`);
    return JSON.parse(answer.body);
  }

  /**
   * Deletes an object. Resolves to undefined when it was not there (404),
   * else to what the API server answered: the object itself, still there
   * with `deletionTimestamp` while finalizers hold it, or a Status.
   */
  async delete(
    ref: ObjectRef,
    options?: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' },
  ): Promise<OrderObject | undefined> {
    const body = JSON.stringify({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      propagationPolicy: options?.propagationPolicy ?? 'Background',
    });
    const answer = await this.call(
      'DELETE',
      resourcePath(ref),
      body,
      'application/json',
    );
    if (answer.status === 404) return undefined;
    this.check(answer, `DELETE ${refString(ref)}`);
    return JSON.parse(answer.body);
  }

  /**
   * Creates an object (POST): the API server refuses it with 409
   * AlreadyExists (a ConflictError) when the name is taken, so of two
   * creators of one name exactly one wins. The fields belong to
   * `fieldManager` as an `Update`; `claimForApply` turns them into the
   * manager's `Apply` set so later server-side applies own them.
   */
  async create(
    obj: OrderObject,
    options: { fieldManager: string; dryRun?: boolean },
  ): Promise<OrderObject> {
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    };
    const query = new URLSearchParams({ fieldManager: options.fieldManager });
    if (options.dryRun) query.set('dryRun', 'All');
    const collection = resourcePath({ ...ref, name: undefined });
    const answer = await this.call(
      'POST',
      `${collection}?${query}`,
      JSON.stringify(obj),
      'application/json',
    );
    this.check(answer, `create ${refString(ref)}`);
    return JSON.parse(answer.body);
  }

  /**
   * Turns the `Update` entry that a POST gave `fieldManager` into an
   * `Apply` entry of the same manager (a JSON patch of
   * `metadata.managedFields`, refused with a ConflictError when the object
   * changed since its `resourceVersion`), so that the manager's server-side
   * applies own those fields. The next apply of the same object rewrites the
   * entry in the API server's own form for an apply set; the portal makes
   * that apply right after the claim, so later re-applies change nothing.
   * (Emptying managedFields instead would hand the fields to the API
   * server's `before-first-apply` manager, which the next apply would
   * conflict with.)
   */
  async claimForApply(
    created: OrderObject & {
      metadata: OrderObject['metadata'] & {
        resourceVersion?: string;
        managedFields?: Array<{ manager?: string; operation?: string }>;
      };
    },
    options: { fieldManager: string },
  ): Promise<OrderObject> {
    const entries = created.metadata.managedFields ?? [];
    // setting the version read is the API server's optimistic lock: the
    // patch is refused with 409 when the object has changed since
    const ops: object[] = [
      {
        op: 'replace',
        path: '/metadata/resourceVersion',
        value: created.metadata.resourceVersion,
      },
    ];
    entries.forEach((e, i) => {
      if (e.manager === options.fieldManager && e.operation === 'Update')
        ops.push({
          op: 'replace',
          path: `/metadata/managedFields/${i}/operation`,
          value: 'Apply',
        });
    });
    if (ops.length === 1) return created;
    const ref = {
      apiVersion: created.apiVersion,
      kind: created.kind,
      namespace: created.metadata.namespace,
      name: created.metadata.name,
    };
    const answer = await this.call(
      'PATCH',
      `${resourcePath(ref)}?fieldManager=${encodeURIComponent(
        options.fieldManager,
      )}`,
      JSON.stringify(ops),
      'application/json-patch+json',
    );
    if (answer.status === 409)
      throw new ConflictError(
        `claim ${refString(
          ref,
        )}: the object changed right after it was created`,
      );
    this.check(answer, `claim ${refString(ref)}`);
    return JSON.parse(answer.body);
  }

  /**
   * Writes an object's `status` (merge patch of the `/status` subresource),
   * as the object's controller does. For tests and tools that play a
   * controller; the portal itself never writes status.
   */
  async patchStatus(
    ref: ObjectRef,
    status: Record<string, unknown>,
  ): Promise<OrderObject> {
    const answer = await this.call(
      'PATCH',
      `${resourcePath(ref)}/status`,
      JSON.stringify({ status }),
      'application/merge-patch+json',
    );
    this.check(answer, `status of ${refString(ref)}`);
    return JSON.parse(answer.body);
  }

  /**
   * Any JSON call the typed methods do not cover (TokenRequest, reviews,
   * patches of other kinds); `contentType` defaults to application/json.
   */
  async request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<unknown> {
    const answer = await this.call(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? undefined : contentType,
    );
    this.check(answer, `${method} ${path}`);
    return JSON.parse(answer.body);
  }

  private check(answer: Answer, what: string): void {
    if (answer.status >= 200 && answer.status < 300) return;
    let message = answer.body;
    let reason: string | undefined;
    try {
      const status = JSON.parse(answer.body);
      message = status.message ?? message;
      reason = status.reason;
    } catch {
      // not a Status object
    }
    const text = `${what}: ${message}`;
    if (answer.status === 409) throw new ConflictError(text);
    if (answer.status === 404) throw new NotFoundError(text);
    if (answer.status === 400 || answer.status === 422 || answer.status === 415)
      throw new InputError(text);
    throw new KubernetesApiError(`${text} (HTTP ${answer.status})`, {
      status: answer.status,
      reason,
    });
  }

  /** One API call with bounded retries of transient failures. */
  private async call(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
  ): Promise<Answer> {
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      let delay = Math.min(
        this.retry.maxDelayMs,
        this.retry.baseDelayMs * 2 ** (attempt - 1),
      );
      try {
        const answer = await this.send(method, path, body, contentType);
        if (answer.status < 500 && answer.status !== 429) return answer;
        if (answer.status === 429) {
          const after = Number(answer.headers['retry-after']);
          if (Number.isFinite(after) && after >= 0)
            delay = Math.min(this.retry.maxDelayMs, after * 1000);
        }
        lastError = new KubernetesApiError(
          `${method} ${path}: HTTP ${answer.status}`,
          { status: answer.status },
        );
        if (attempt === this.retry.attempts) return answer;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (!transientCodes.has(code)) throw e;
        lastError = e as Error;
        if (attempt === this.retry.attempts) break;
      }
      this.logger.warn(
        `${method} ${path}: ${lastError?.message}; retry ${attempt} of ${
          this.retry.attempts - 1
        } in ${delay} ms`,
      );
      await new Promise(r => setTimeout(r, delay));
    }
    throw new KubernetesApiError(
      `${method} ${path} failed after ${this.retry.attempts} attempts: ${lastError?.message}`,
      {},
    );
  }

  private async send(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
  ): Promise<Answer> {
    const url = new URL(path, this.baseUrl);
    const options: https.RequestOptions = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers: {
        Accept: 'application/json',
        ...(contentType ? { 'Content-Type': contentType } : {}),
        ...(body ? { 'Content-Length': Buffer.byteLength(body) } : {}),
      },
    };
    if (this.applyAuth) await this.applyAuth(options);
    const mod = url.protocol === 'http:' ? http : https;
    this.requestCount++;
    return new Promise<Answer>((resolve, reject) => {
      const req = mod.request(options, res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      });
      req.setTimeout(this.retry.timeoutMs, () => {
        const err: NodeJS.ErrnoException = new Error(
          `timed out after ${this.retry.timeoutMs} ms`,
        );
        err.code = 'ETIMEDOUT';
        req.destroy(err);
      });
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }
}
