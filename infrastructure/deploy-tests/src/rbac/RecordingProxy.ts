import http from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';

/** One request that passed through the proxy. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  status: number;
  /** the answer's body when it is an error (status 400 and above) */
  error?: string;
}

/**
 * A transparent HTTP proxy in front of a Kubernetes API server (the real one
 * over TLS, with its CA, or a test double) that records every request:
 * method, path, query, body and the answer's status. The client's own
 * credentials (its Authorization header) pass through unchanged, so the API
 * server authenticates and authorizes the client, not the proxy. Streams
 * (watches) are passed through as they come. Test-only.
 */
export class RecordingProxy {
  static async start(
    target: string,
    options: { ca?: string | Buffer } = {},
  ): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(new URL(target), options.ca);
    await new Promise<void>(resolve =>
      proxy.server.listen(0, '127.0.0.1', resolve),
    );
    return proxy;
  }

  readonly requests: RecordedRequest[] = [];
  private readonly target: URL;
  private readonly ca?: string | Buffer;
  private readonly upstreams = new Set<http.ClientRequest>();
  private readonly server = http.createServer((req, res) =>
    this.forward(req, res),
  );

  private constructor(target: URL, ca?: string | Buffer) {
    this.target = target;
    this.ca = ca;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const u of this.upstreams) u.destroy();
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', this.target);
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body: body.toString('utf8'),
        status: 0,
      };
      this.requests.push(recorded);
      const tls = this.target.protocol === 'https:';
      const upstream = (tls ? https : http).request(
        {
          hostname: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers: { ...req.headers, host: this.target.host },
          ...(tls ? { ca: this.ca } : {}),
        },
        answer => {
          recorded.status = answer.statusCode ?? 0;
          if (recorded.status >= 400) {
            const parts: Buffer[] = [];
            answer.on('data', c => parts.push(c));
            answer.on('end', () => {
              recorded.error = Buffer.concat(parts).toString('utf8');
            });
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      this.upstreams.add(upstream);
      upstream.on('close', () => this.upstreams.delete(upstream));
      // a client that goes (an aborted watch) ends its upstream call too
      res.on('close', () => upstream.destroy());
      upstream.on('error', () => {
        if (!recorded.status) recorded.status = 502;
        res.destroy();
      });
      upstream.end(body);
    });
  }
}
