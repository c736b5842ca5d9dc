/**
 * What the helper needs of a real API server: `RealKubernetes` of
 * `@internal/plugin-kebap-node/testing` is one (`call()` and `client()`), so
 * tests pass `kube()` as is.
 */
export interface AnyKindServer {
  /** one call as the admin, answered as is */
  call(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; text: string }>;
  /** a JSON client, for discovery */
  client(): {
    request(method: string, path: string, body?: unknown): Promise<unknown>;
  };
}

/** Where the API server serves one kind (from its discovery document). */
export interface DiscoveredResource {
  /** `/api/v1` or `/apis/<group>/<version>` */
  base: string;
  /** the resource's plural name, e.g. `clusterpolicies` */
  name: string;
  namespaced: boolean;
}

/** A refusal of the API server: its status code and `Status` message. */
export class ApplyRefused extends Error {
  readonly status: number;
  readonly reason?: string;
  readonly causes: string[];
  constructor(
    what: string,
    status: number,
    body: { message?: string; reason?: string; details?: any },
  ) {
    super(`${what}: HTTP ${status}: ${body.message ?? JSON.stringify(body)}`);
    this.name = 'ApplyRefused';
    this.status = status;
    this.reason = body.reason;
    this.causes = (body.details?.causes ?? []).map(
      (c: any) => `${c.field ?? ''}: ${c.message ?? c.reason ?? ''}`,
    );
  }
}

interface ApplyAnyOptions {
  /** default `kebap-test` */
  fieldManager?: string;
  /** default true: `dryRun=All`, nothing is written */
  dryRun?: boolean;
  force?: boolean;
}

/**
 * Server-side apply of an object of ANY kind the server serves (the
 * portal's KubernetesClient knows only the kinds the portal writes):
 * apiVersion/kind are mapped to the REST path by the server's discovery
 * (`GET /api/v1`, `GET /apis/<group>/<version>`, cached per group version),
 * and the object is sent as `PATCH` with `application/apply-patch+yaml`.
 * Test-only. Dry-run by default: a refusal is thrown as {@link ApplyRefused}.
 */
export class AnyKindApplier {
  private readonly server: AnyKindServer;
  private readonly discovery = new Map<string, Promise<any>>();

  constructor(server: AnyKindServer) {
    this.server = server;
  }

  /** Where `apiVersion`/`kind` is served; throws when the server has no such kind. */
  async resourceOf(
    apiVersion: string,
    kind: string,
  ): Promise<DiscoveredResource> {
    const base = apiVersion.includes('/')
      ? `/apis/${apiVersion}`
      : `/api/${apiVersion}`;
    if (!this.discovery.has(base))
      this.discovery.set(base, this.server.client().request('GET', base));
    let list: any;
    try {
      list = await this.discovery.get(base);
    } catch (e) {
      this.discovery.delete(base);
      throw new Error(
        `${apiVersion} ${kind}: the server does not serve ${apiVersion} (${
          (e as Error).message
        })`,
      );
    }
    const found = (list.resources ?? []).find(
      (r: any) => r.kind === kind && !String(r.name).includes('/'),
    );
    if (!found)
      throw new Error(
        `${apiVersion} ${kind}: the server serves no kind ${kind} in ${apiVersion}`,
      );
    return { base, name: found.name, namespaced: Boolean(found.namespaced) };
  }

  /** The object's REST path (with `namespaces/<ns>` for namespaced kinds). */
  async pathOf(obj: any): Promise<string> {
    const r = await this.resourceOf(obj.apiVersion, obj.kind);
    const namespace = obj.metadata?.namespace;
    if (r.namespaced && !namespace)
      throw new Error(
        `${obj.kind} ${obj.metadata?.name}: a namespaced kind without metadata.namespace`,
      );
    const ns = r.namespaced
      ? `/namespaces/${encodeURIComponent(namespace)}`
      : '';
    return `${r.base}${ns}/${r.name}/${encodeURIComponent(obj.metadata.name)}`;
  }

  /** Server-side apply; resolves with the object the server answers. */
  async apply(obj: any, options: ApplyAnyOptions = {}): Promise<any> {
    const query = new URLSearchParams({
      fieldManager: options.fieldManager ?? 'kebap-test',
    });
    if (options.dryRun ?? true) query.set('dryRun', 'All');
    if (options.force) query.set('force', 'true');
    const what = `apply ${obj.apiVersion} ${obj.kind} ${
      obj.metadata?.namespace ? `${obj.metadata.namespace}/` : ''
    }${obj.metadata?.name}`;
    // JSON is YAML: the apply-patch+yaml body may be JSON
    const answer = await this.send(
      'PATCH',
      `${await this.pathOf(obj)}?${query}`,
      JSON.stringify(obj),
      'application/apply-patch+yaml',
    );
    let body: any;
    try {
      body = JSON.parse(answer.body);
    } catch {
      body = { message: answer.body };
    }
    if (answer.status < 200 || answer.status >= 300)
      throw new ApplyRefused(what, answer.status, body);
    return body;
  }

  private async send(
    method: string,
    path: string,
    body: string,
    contentType: string,
  ): Promise<{ status: number; body: string }> {
    const answer = await this.server.call(method, path, body, contentType);
    return { status: answer.status, body: answer.text };
  }
}
