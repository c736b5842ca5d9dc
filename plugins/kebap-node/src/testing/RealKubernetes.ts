import fs from 'node:fs';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import type { OrderObject } from '@internal/plugin-kebap-common';
import { KubernetesClient, RetryOptions } from '../kubernetes/KubernetesClient';

/** A logger that keeps what it is told, for assertions; prints nothing. */
function quietLogger(lines: string[] = []): LoggerService {
  const logger: LoggerService = {
    error: m => void lines.push(`error: ${m}`),
    warn: m => void lines.push(`warn: ${m}`),
    info: m => void lines.push(`info: ${m}`),
    debug: () => {},
    child: () => logger,
  };
  return logger;
}

/**
 * The real Kubernetes API server of the real-API test stage
 * (`scripts/lib/kube.sh`: `../shared/kube`'s kube-apiserver 1.26, or the
 * cluster of `KEBAP_TEST_KUBECONFIG`), with the vendored CRDs installed.
 * Test-only. Every test file shares the one server, so tests name what they
 * create with `uniqueName()` and keep to their own namespaces.
 */
export class RealKubernetes {
  /**
   * The server the environment names, or why there is none. In CI a missing
   * server is an error: the real-API tests are part of CI's contract.
   */
  static fromEnv(): RealKubernetes | { skip: string } {
    const path = process.env.KEBAP_TEST_KUBECONFIG;
    const reason =
      process.env.KEBAP_TEST_KUBE_SKIP ??
      (path && fs.existsSync(path)
        ? undefined
        : `KEBAP_TEST_KUBECONFIG is ${
            path ? `${path}, which does not exist` : 'not set'
          } (run the tests with scripts/test.sh, which starts ../shared/kube)`);
    if (reason) {
      if (process.env.CI === 'true') {
        throw new Error(
          `The real-API tests need a control plane in CI: ${reason}`,
        );
      }
      return { skip: reason };
    }
    return new RealKubernetes(path!);
  }

  readonly kubeconfigPath: string;
  /** the state folder of `../shared/kube` when the harness started it */
  readonly stateDir?: string;

  private constructor(kubeconfigPath: string) {
    this.kubeconfigPath = kubeconfigPath;
    this.stateDir = process.env.KEBAP_TEST_KUBE_STATE_DIR;
  }

  /** The admin kubeconfig (system:masters on `../shared/kube`). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  /** The API server's URL. */
  get server(): string {
    return this.kubeConfig().getCurrentCluster()!.server;
  }

  /** A client with the admin's credentials. */
  client(
    options: { logger?: LoggerService; retry?: Partial<RetryOptions> } = {},
  ): KubernetesClient {
    return KubernetesClient.fromKubeConfig(this.kubeConfig(), {
      logger: options.logger ?? quietLogger(),
      retry: { attempts: 2, baseDelayMs: 50, ...options.retry },
    });
  }

  /** A kubeconfig for the same server that authenticates with `token`. */
  kubeConfigWithToken(token: string): KubeConfig {
    const admin = this.kubeConfig();
    const cluster = admin.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      {
        name: cluster.name,
        server: cluster.server,
        caData: cluster.caData,
        caFile: cluster.caFile,
        skipTLSVerify: false,
      },
      { name: 'token-user', token },
    );
    return kc;
  }

  /** A client that authenticates with `token` (a ServiceAccount's). */
  clientWithToken(
    token: string,
    options: { logger?: LoggerService; retry?: Partial<RetryOptions> } = {},
  ): KubernetesClient {
    return KubernetesClient.fromKubeConfig(this.kubeConfigWithToken(token), {
      logger: options.logger ?? quietLogger(),
      retry: { attempts: 2, baseDelayMs: 50, ...options.retry },
    });
  }

  /** `<prefix>-<8 random hex>`: a DNS label no other test uses. */
  uniqueName(prefix = 'kt'): string {
    return `${prefix}-${randomBytes(4).toString('hex')}`;
  }

  /** Creates the namespaces that do not exist yet (as the admin). */
  async ensureNamespaces(...names: string[]): Promise<void> {
    const client = this.client();
    await Promise.all(
      names.map(name =>
        client.apply(
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name },
          } as OrderObject,
          { fieldManager: 'kebap-test-harness' },
        ),
      ),
    );
  }

  /**
   * A token of ServiceAccount `namespace/name` from the TokenRequest API,
   * creating the namespace and the ServiceAccount first when missing.
   */
  async tokenFor(namespace: string, name: string): Promise<string> {
    await this.ensureNamespaces(namespace);
    const client = this.client();
    await client.apply(
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name, namespace },
      } as OrderObject,
      { fieldManager: 'kebap-test-harness' },
    );
    const answer = await client.request(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    );
    return (answer as any).status.token;
  }

  /**
   * One call as the admin, answered as is (status and text, no retries, no
   * error mapping): for tests that assert the API server's own answers.
   * `body` is sent as given when a string, else as JSON.
   */
  async call(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<{ status: number; text: string }> {
    const kc = this.kubeConfig();
    const url = new URL(path, kc.getCurrentCluster()!.server);
    const data =
      body === undefined || typeof body === 'string'
        ? body
        : JSON.stringify(body);
    const options: https.RequestOptions = {
      method,
      hostname: url.hostname,
      port: url.port,
      path: `${url.pathname}${url.search}`,
      headers: {
        Accept: 'application/json',
        ...(data !== undefined
          ? {
              'Content-Type': contentType,
              'Content-Length': Buffer.byteLength(data),
            }
          : {}),
      },
    };
    await kc.applyToHTTPSOptions(options);
    return new Promise((resolve, reject) => {
      const req = https.request(options, res => {
        const chunks: Buffer[] = [];
        res.on('data', c => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      });
      req.setTimeout(30_000, () =>
        req.destroy(new Error(`${method} ${path}: no answer in 30 s`)),
      );
      req.on('error', reject);
      if (data !== undefined) req.write(data);
      req.end();
    });
  }

  /**
   * Writes an object's `status` as its controller would (the `/status`
   * subresource, a merge patch), e.g. a Stack's conditions.
   */
  async setStatus(ref: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name: string;
    status: Record<string, unknown>;
  }): Promise<OrderObject> {
    return this.client().patchStatus(ref, ref.status);
  }
}

/**
 * `describe` for tests against the real API server: runs them when the
 * environment names one, fails in CI when it does not, and skips elsewhere
 * with the reason printed. Real-API tests get a longer timeout (60 s).
 */
export function describeRealKubernetes(
  name: string,
  fn: (kube: () => RealKubernetes) => void,
): void {
  const kube = RealKubernetes.fromEnv();
  if ('skip' in kube) {
    // eslint-disable-next-line no-console
    console.warn(`Skipping "${name}": ${kube.skip}`);
    // eslint-disable-next-line jest/valid-title, jest/valid-describe-callback, jest/no-disabled-tests
    describe.skip(name, () => fn(() => undefined as unknown as RealKubernetes));
    return;
  }
  // eslint-disable-next-line jest/valid-title, jest/valid-describe-callback
  describe(name, () => {
    jest.setTimeout(60_000);
    fn(() => kube);
  });
}
