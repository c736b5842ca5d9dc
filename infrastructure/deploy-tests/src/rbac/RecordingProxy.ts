import http from 'node:http';
import { AddressInfo } from 'node:net';

/** One request that passed through the proxy. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  status: number;
}

/**
 * A transparent HTTP proxy in front of a (test double of the) Kubernetes API
 * that records every request: method, path, query, body and the answer's
 * status. Streams (watches) are passed through as they come. Test-only.
 */
export class RecordingProxy {
  static async start(target: string): Promise<RecordingProxy> {
    const proxy = new RecordingProxy(new URL(target));
    await new Promise<void>(resolve =>
      proxy.server.listen(0, '127.0.0.1', resolve),
    );
    return proxy;
  }

  readonly requests: RecordedRequest[] = [];
  private readonly target: URL;
  private readonly server = http.createServer((req, res) =>
    this.forward(req, res),
  );

  private constructor(target: URL) {
    this.target = target;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
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
      const upstream = http.request(
        {
          hostname: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers: { ...req.headers, host: this.target.host },
        },
        answer => {
          recorded.status = answer.statusCode ?? 0;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        recorded.status = 502;
        res.destroy();
      });
      upstream.end(body);
    });
  }
}
