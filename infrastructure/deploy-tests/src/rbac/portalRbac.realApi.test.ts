import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { DEFAULT_OBJECTS } from '@backstage/plugin-kubernetes-backend';
// the status route's own reader and service (a test-only use of the backend plugin)
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import {
  cacheOrderReader,
  OrderStatusService,
} from '@internal/plugin-kebap-backend';
import {
  buildStack,
  buildVClusterOrder,
  orderMetadata,
  OrderObject,
} from '@internal/plugin-kebap-common';
import {
  KebapClusterCache,
  KubernetesClient,
  WATCHED_RESOURCES,
} from '@internal/plugin-kebap-node';
import {
  describeRealKubernetes,
  RealKubernetes,
} from '@internal/plugin-kebap-node/testing';
import {
  createArgoCdClusterAction,
  createDecommissionAction,
  createExternalSecretAction,
  createOrderDelivery,
  createPulumiStackAction,
  createVClusterCreateAction,
  createWaitAction,
  DevClusterExpiry,
  KubernetesDevClusterOrders,
  readKebapSettings,
} from '@internal/plugin-scaffolder-backend-module-kebap';
import { chartDir, repoRoot } from '../paths';
import { renderChart } from '../helm/renderChart';
import { RecordedRequest, RecordingProxy } from './RecordingProxy';
import { AuthorizedRequest, requestAttributes } from './requestAttributes';
import {
  grantsFor,
  PORTAL_GRANTS,
  PortalGrant,
  readmeRow,
} from './portalPermissions';

/*
 * The chart's RBAC, measured by the real API server's authorizer (not by an
 * evaluator of ours): the chart is rendered, its RBAC objects applied to a
 * real kube-apiserver, and the portal's own code (orders of a dev cluster, a
 * prod cluster and a database in kubernetes delivery, kebap:wait, the
 * status view, the Kubernetes tab's list calls, decommissioning, the expiry
 * task) runs with a real token of the chart's ServiceAccount, through a
 * proxy that records every request and its answer. Then what the service
 * account may do (SelfSubjectRulesReview, as it) is held to the allow-list
 * in portalPermissions.ts, both ways.
 */

const DAY = 24 * 3600 * 1000;
const owner = 'group:default/team-payments';
const quiet = () => mockServices.logger.mock();

/** Runs one action handler the way the scaffolder would. */
async function run(
  action: { handler: (ctx: any) => Promise<void> },
  input: Record<string, unknown>,
) {
  const ctx = createMockActionContext({ input: input as any });
  Object.assign(ctx, { task: { id: 'task-rbac' } });
  await action.handler(ctx as any);
  return ctx;
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 100));
  }
}

/** An admin call with any content type (merge patches of objects without a status subresource). */
async function adminCall(
  kube: RealKubernetes,
  method: string,
  apiPath: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: any }> {
  const answer = await kube.call(method, apiPath, body, contentType);
  let parsed: any = answer.text;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    // not JSON
  }
  return { status: answer.status, body: parsed };
}

/** The API path of an RBAC object (what RealKubernetes' client does not address). */
function rbacPath(o: any, name?: string): string {
  const plural = `${o.kind.toLowerCase()}s`;
  const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : '';
  return `/apis/rbac.authorization.k8s.io/v1${ns}/${plural}${
    name ? `/${name}` : ''
  }`;
}

const RBAC_KINDS = ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

/**
 * A release of the chart on the real server: its RBAC objects created by
 * the admin (as Helm or Argo CD would), its ServiceAccount with a real
 * token, and a client of the portal's own that goes through a recording
 * proxy with that token.
 */
class Release {
  readonly id: string;
  readonly ns: {
    release: string;
    argocd: string;
    stacks: string;
    shares: string;
    other: string;
  };
  readonly deliveryMode: 'gitops' | 'kubernetes';
  rbac: any[] = [];
  token = '';
  proxy!: RecordingProxy;
  client!: KubernetesClient;
  /** the same token, not recorded: for the reviews and the negative checks */
  direct!: KubernetesClient;

  constructor(
    readonly kube: RealKubernetes,
    deliveryMode: 'gitops' | 'kubernetes',
  ) {
    this.deliveryMode = deliveryMode;
    this.id = kube.uniqueName('kt');
    this.ns = {
      release: `${this.id}-kebap`,
      argocd: `${this.id}-argocd`,
      stacks: `${this.id}-stacks`,
      shares: `${this.id}-team`,
      other: `${this.id}-other`,
    };
  }

  get serviceAccount() {
    return `${this.id}-kebap-portal`;
  }

  /** the namespaces the chart writes to, as the allow-list names them */
  get orderNamespaces() {
    return [this.ns.argocd, this.ns.stacks, this.ns.shares];
  }

  rendered() {
    return renderChart(chartDir('kebap-portal'), {
      releaseName: this.id,
      namespace: this.ns.release,
      values: {
        deliveryMode: this.deliveryMode,
        rbac: {
          argocdNamespace: this.ns.argocd,
          stackNamespaces: [this.ns.stacks],
          shareNamespaces: [this.ns.shares],
        },
      },
    });
  }

  async install() {
    await this.kube.ensureNamespaces(...Object.values(this.ns));
    this.rbac = this.rendered().objects.filter(o =>
      RBAC_KINDS.includes(o.kind),
    );
    for (const o of this.rbac) {
      const answer = await adminCall(this.kube, 'POST', rbacPath(o), o);
      if (answer.status !== 201)
        throw new Error(
          `creating ${o.kind} ${o.metadata.name}: ${
            answer.status
          } ${JSON.stringify(answer.body)}`,
        );
    }
    this.token = await this.kube.tokenFor(this.ns.release, this.serviceAccount);
    const cluster = this.kube.kubeConfig().getCurrentCluster()!;
    const ca = cluster.caData
      ? Buffer.from(cluster.caData, 'base64')
      : fs.readFileSync(cluster.caFile!);
    this.proxy = await RecordingProxy.start(cluster.server, { ca });
    const token = this.token;
    this.client = new KubernetesClient({
      baseUrl: this.proxy.baseUrl,
      logger: quiet(),
      retry: {
        attempts: 2,
        baseDelayMs: 50,
        maxDelayMs: 100,
        timeoutMs: 10_000,
      },
      applyAuth: async opts => {
        opts.headers = { ...opts.headers, Authorization: `Bearer ${token}` };
      },
    });
    this.direct = this.kube.clientWithToken(token);
    // the authorizer sees new bindings through its informers: wait for them
    await until('the chart’s bindings to take effect', async () =>
      this.allowed({
        verb: 'list',
        group: 'pulumi.com',
        resource: 'stacks',
      }),
    );
  }

  async uninstall() {
    await this.proxy?.stop();
    for (const o of [...this.rbac].reverse())
      await adminCall(this.kube, 'DELETE', rbacPath(o, o.metadata.name));
    for (const ns of Object.values(this.ns))
      await adminCall(this.kube, 'DELETE', `/api/v1/namespaces/${ns}`);
  }

  /** A SelfSubjectAccessReview as the service account. */
  async allowed(attrs: {
    verb: string;
    group: string;
    resource: string;
    namespace?: string;
    name?: string;
  }): Promise<boolean> {
    const answer: any = await this.direct.request(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: attrs },
      },
    );
    return answer.status.allowed === true;
  }

  /** The portal's requests: what the proxy recorded, as authorization attributes. */
  calls(): AuthorizedRequest[] {
    return this.proxy.requests.flatMap(r => {
      try {
        return requestAttributes(r);
      } catch {
        // not a resource path: matches no grant, so it is found unused
        return [{ verb: r.method, apiGroup: '?', resource: r.path }];
      }
    });
  }

  refused(): RecordedRequest[] {
    return this.proxy.requests.filter(
      r => r.status === 401 || r.status === 403,
    );
  }
}

const line = (group: string, resource: string, verb: string, name?: string) =>
  `${group || 'core'}/${resource}:${verb}${name ? `@${name}` : ''}`;

/** SelfSubjectRulesReview as `client`, in `namespace`: one line per group/resource:verb[@name]. */
async function effectiveRules(
  client: KubernetesClient,
  namespace: string,
): Promise<string[]> {
  const answer: any = await client.request(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      spec: { namespace },
    },
  );
  // RBAC answers completely; an incomplete answer would prove nothing
  expect(answer.status.incomplete).toBe(false);
  const lines = new Set<string>();
  for (const rule of answer.status.resourceRules ?? [])
    for (const group of rule.apiGroups ?? [''])
      for (const resource of rule.resources ?? [])
        for (const verb of rule.verbs ?? [])
          for (const name of rule.resourceNames?.length
            ? rule.resourceNames
            : [undefined])
            lines.add(line(group, resource, verb, name));
  return [...lines].sort();
}

/** The allow-list's lines for one namespace of a release. */
function expectedRules(
  grants: readonly PortalGrant[],
  scopes: PortalGrant['scope'][],
  orderNamespaces: string[],
): string[] {
  const lines = new Set<string>();
  for (const g of grants.filter(x => scopes.includes(x.scope)))
    for (const resource of g.resources)
      for (const verb of g.verbs)
        for (const name of g.resourceNames ? orderNamespaces : [undefined])
          lines.add(line(g.apiGroup, resource, verb, name));
  return [...lines].sort();
}

/**
 * What any authenticated identity may do on this server (a ServiceAccount
 * nobody bound anything to): the API server's defaults (system:basic-user:
 * the self-reviews), subtracted from the portal's answers. Checked to be
 * only that, so a permissive cluster cannot hide a grant.
 */
async function baseline(kube: RealKubernetes, namespace: string) {
  const nobody = kube.clientWithToken(await kube.tokenFor(namespace, 'nobody'));
  const rules = await effectiveRules(nobody, namespace);
  for (const r of rules)
    expect(r).toMatch(
      /^authori[sz]ation\.k8s\.io\/selfsubject(access|rules)reviews:create$|^authentication\.k8s\.io\/selfsubjectreviews:create$/,
    );
  return new Set(rules);
}

/** The Kubernetes tab's calls: the kubernetes backend plugin's own fetcher. */
async function kubernetesTab(
  release: Release,
  entityName: string,
  podNamespace: string,
) {
  /* eslint-disable @typescript-eslint/no-var-requires */
  const { KubernetesClientBasedFetcher } =
    require('@backstage/plugin-kubernetes-backend/dist/service/KubernetesFetcher.cjs.js') as {
      KubernetesClientBasedFetcher: new (options: {
        connection: unknown;
      }) => any;
    };
  const { KubernetesConnection } =
    require('@backstage/plugin-kubernetes-backend/dist/service/KubernetesConnection.cjs.js') as {
      KubernetesConnection: new (options: { logger: unknown }) => any;
    };
  /* eslint-enable @typescript-eslint/no-var-requires */
  // the plugin's connection, but for its TLS agent (the proxy speaks plain
  // HTTP; building the agent needs a dynamic import jest cannot run): its
  // paths, label selector, bearer header and error mapping are the plugin's
  class PlainConnection extends KubernetesConnection {
    async fetchArgs(details: { url: string }, credential: unknown) {
      return [
        new URL(details.url),
        {
          method: 'GET',
          headers: (this as any).buildRequestHeaders(credential),
          redirect: 'manual',
        },
      ];
    }
  }
  const fetcher = new KubernetesClientBasedFetcher({
    connection: new PlainConnection({ logger: quiet() }),
  });
  const appConfig = yaml.parse(
    fs.readFileSync(path.join(repoRoot(), 'app-config.yaml'), 'utf8'),
  );
  const clusterDetails = {
    name: 'control-plane',
    url: release.proxy.baseUrl,
    authMetadata: {},
  };
  const credential = { type: 'bearer token', token: release.token };
  const labelSelector = `backstage.io/kubernetes-id=${entityName}`;
  const objects = await fetcher.fetchObjectsForService({
    serviceId: entityName,
    clusterDetails,
    credential,
    objectTypesToFetch: new Set(DEFAULT_OBJECTS),
    labelSelector,
    customResources: appConfig.kubernetes.customResources.map((c: any) => ({
      ...c,
      objectType: 'customresources',
    })),
  });
  // pod metrics, per namespace of the entity's pods (as the fan-out handler does)
  const metrics = await fetcher.fetchPodMetricsByNamespaces(
    clusterDetails,
    credential,
    new Set([podNamespace]),
    labelSelector,
  );
  return { objects, metrics };
}

describeRealKubernetes(
  'the chart’s RBAC on the real API server, as the portal’s service account',
  kubeFn => {
    describe('kubernetes delivery', () => {
      let release: Release;
      let readmeText: string;
      const failures: string[] = [];
      const names = { dev: '', expiring: '', cluster: '', db: '' };
      let statusOfDev: any;
      let statusOfDb: any;
      let tab: any;
      const expiryRuns: any[] = [];
      let stopController = () => {};

      beforeAll(async () => {
        const kube = kubeFn();
        release = new Release(kube, 'kubernetes');
        await release.install();
        readmeText = fs.readFileSync(
          path.join(chartDir('kebap-portal'), 'README.md'),
          'utf8',
        );
        const { ns, client, id } = release;
        names.dev = `${id}-a`;
        names.expiring = `${id}-b`;
        names.cluster = `${id}-eks`;
        names.db = `${id}-db`;
        const settings = readKebapSettings(
          new ConfigReader({
            kebap: {
              delivery: {
                mode: 'kubernetes',
                kubernetes: { removalWaitSeconds: 30 },
              },
              argocd: { namespace: ns.argocd },
            },
          }),
        );
        const delivery = createOrderDelivery({ settings, client });
        const deps = { delivery, settings };
        const admin = kube.client();

        // Argo CD's part, played by the admin: an Application being deleted
        // loses its resources finalizer once its resources are gone
        let stopped = false;
        const controller = (async () => {
          while (!stopped) {
            const apps = await admin
              .list({
                apiVersion: 'argoproj.io/v1alpha1',
                kind: 'Application',
                namespace: ns.argocd,
              })
              .catch(() => []);
            for (const app of apps as any[])
              if (
                app.metadata.deletionTimestamp &&
                app.metadata.finalizers?.length
              )
                await adminCall(
                  kube,
                  'PATCH',
                  `/apis/argoproj.io/v1alpha1/namespaces/${ns.argocd}/applications/${app.metadata.name}`,
                  { metadata: { finalizers: null } },
                  'application/merge-patch+json',
                );
            await new Promise(r => setTimeout(r, 200));
          }
        })();
        stopController = () => {
          stopped = true;
          void controller;
        };

        const orders: Array<[string, () => Promise<unknown>]> = [
          // a dev cluster and its Argo CD registration
          [
            'dev cluster',
            () =>
              run(createVClusterCreateAction(deps), {
                name: names.dev,
                owner,
                size: 'small',
              }),
          ],
          [
            'registration',
            () =>
              run(createArgoCdClusterAction(deps), { name: names.dev, owner }),
          ],
          // a prod cluster: Stack, Program, its own ServiceAccount, cloud
          // credentials from the secret store
          [
            'prod cluster',
            () =>
              run(createPulumiStackAction(deps), {
                name: names.cluster,
                namespace: ns.stacks,
                owner,
                env: 'prod',
                kind: 'cluster',
                stack: `acme/${names.cluster}-program/${names.cluster}`,
                program: { resources: {}, outputs: {} },
                envSecrets: {
                  AWS_ACCESS_KEY_ID: {
                    secretName: `${names.cluster}-aws`,
                    key: 'AWS_ACCESS_KEY_ID',
                  },
                },
                serviceAccountName: `${names.cluster}-runner`,
                createServiceAccount: true,
              }),
          ],
          [
            'prod cluster credentials',
            () =>
              run(createExternalSecretAction(deps), {
                order: names.cluster,
                owner,
                name: `${names.cluster}-aws`,
                namespace: ns.stacks,
                data: [
                  {
                    secretKey: 'AWS_ACCESS_KEY_ID',
                    remoteKey: 'aws-credentials',
                    property: 'accessKeyId',
                  },
                ],
              }),
          ],
          // a database whose connection Secret is shared into the owner's namespace
          [
            'database',
            () =>
              run(createPulumiStackAction(deps), {
                name: names.db,
                namespace: ns.stacks,
                owner,
                env: 'prod',
                kind: 'database',
                stack: `acme/${names.db}-program/${names.db}`,
                program: { resources: {}, outputs: {} },
                shareSecret: {
                  secretName: `${names.db}-connection`,
                  namespace: ns.shares,
                },
              }),
          ],
        ];
        // each twice: the second run applies over what the first created
        for (const pass of [1, 2])
          for (const [what, order] of orders)
            await order().catch(e =>
              failures.push(`${what} (run ${pass}): ${e.message}`),
            );

        // the controllers' part: the Stack updated, the Application synced,
        // the registration's Secret written by External Secrets Operator
        const now = new Date().toISOString();
        const condition = (type: string, reason: string) => ({
          type,
          status: 'True',
          reason,
          message: reason,
          lastTransitionTime: now,
        });
        const step = (what: string, p: Promise<unknown>) =>
          p.catch(e => failures.push(`${what}: ${e.message}`));
        await step(
          'Stack status',
          kube.setStatus({
            apiVersion: 'pulumi.com/v1',
            kind: 'Stack',
            namespace: ns.stacks,
            name: names.db,
            status: {
              lastUpdate: {
                state: 'succeeded',
                lastSuccessfulCommit: 'abcdef1234567',
              },
              conditions: [condition('Ready', 'ProcessingCompleted')],
            },
          }),
        );
        await adminCall(
          kube,
          'PATCH',
          `/apis/argoproj.io/v1alpha1/namespaces/${ns.argocd}/applications/vcluster-${names.dev}`,
          {
            status: {
              health: { status: 'Healthy' },
              sync: { status: 'Synced', revision: '0.30.0' },
            },
          },
          'application/merge-patch+json',
        );
        for (const [namespace, name] of [
          [ns.argocd, `cluster-dev-${names.dev}`],
          [ns.shares, `${names.db}-connection`],
        ])
          await step(
            `ExternalSecret ${name} status`,
            kube.setStatus({
              apiVersion: 'external-secrets.io/v1',
              kind: 'ExternalSecret',
              namespace,
              name,
              status: {
                conditions: [condition('Ready', 'SecretSynced')],
                binding: { name },
              },
            }),
          );

        // kebap:wait reads the Stack and the Application until ready
        const wait = createWaitAction({
          client,
          settings,
          sleep: async () => {},
        });
        for (const input of [
          { kind: 'Stack', name: names.db, namespace: ns.stacks },
          { kind: 'Application', name: `vcluster-${names.dev}` },
        ])
          await run(wait, {
            ...input,
            timeoutSeconds: 5,
            intervalSeconds: 1,
          }).catch(e =>
            failures.push(`kebap:wait ${input.kind}: ${e.message}`),
          );

        // the status view: the watch-fed cache and the status route's reader
        const cache = new KebapClusterCache({
          clusters: [{ name: 'control-plane', client }],
          logger: quiet(),
          argocdNamespace: settings.argocd.namespace,
        });
        cache.start();
        try {
          if (!(await cache.waitForSync(15_000)))
            failures.push(
              `status cache did not sync: ${JSON.stringify(cache.state())}`,
            );
          await step(
            'the watches',
            until(
              'every watch to be open',
              async () =>
                release.proxy.requests.filter(
                  r => r.query.get('watch') === 'true',
                ).length >= WATCHED_RESOURCES.length,
            ),
          );
          const service = new OrderStatusService({
            reader: cacheOrderReader(cache),
            links: { pulumiCloudUrl: 'https://app.pulumi.com' },
          });
          const entity = (env: string, name: string) => ({
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Resource',
            metadata: {
              name: `${env}-${name}`,
              namespace: 'default',
              annotations: { 'kebap.io/order': name, 'kebap.io/env': env },
            },
          });
          statusOfDev = await until('the dev cluster’s status', async () => {
            const s = await service.statusOf(entity('dev', names.dev) as any);
            return s.state === 'ready' && s;
          }).catch(async () =>
            service.statusOf(entity('dev', names.dev) as any),
          );
          statusOfDb = await service.statusOf(entity('prod', names.db) as any);
        } finally {
          await cache.stop();
        }

        // the Kubernetes tab of the dev cluster (Argo CD created vc-<name>)
        await kube.ensureNamespaces(`vc-${names.dev}`);
        tab = await kubernetesTab(
          release,
          `dev-${names.dev}`,
          `vc-${names.dev}`,
        ).catch(e => {
          failures.push(`Kubernetes tab: ${e.message}`);
          return undefined;
        });

        // decommission the three orders
        const decommission = createDecommissionAction({ delivery });
        for (const [entityRef, name] of [
          [`resource:default/dev-${names.dev}`, names.dev],
          [`resource:default/prod-${names.cluster}`, names.cluster],
          [`resource:default/prod-${names.db}`, names.db],
        ])
          await run(decommission, { entityRef, owner, confirm: name }).catch(
            e => failures.push(`decommission ${name}: ${e.message}`),
          );

        // the expiry task: a dev cluster warned ahead of its expiry, then
        // decommissioned after it (only this test's orders: the server is shared)
        const t0 = Date.now();
        await run(
          createVClusterCreateAction({ ...deps, now: () => new Date(t0) }),
          {
            name: names.expiring,
            owner,
            size: 'small',
            lifetimeDays: 1,
          },
        ).catch(e => failures.push(`expiring dev cluster: ${e.message}`));
        await step(
          'expiry',
          (async () => {
            const source = new KubernetesDevClusterOrders({ client });
            const mine = {
              list: async () =>
                (await source.list()).filter(o =>
                  o.name.startsWith(release.id),
                ),
            };
            for (const at of [t0 + 0.5 * DAY, t0 + 2 * DAY]) {
              const expiry = new DevClusterExpiry({
                source: mine,
                delivery,
                logger: quiet(),
                warnDaysBefore: 2,
                maxLifetimeDays: 30,
                now: () => new Date(at),
              });
              expiryRuns.push(await expiry.run());
            }
          })(),
        );
      }, 240_000);

      afterAll(async () => {
        stopController();
        await release?.uninstall();
        await adminCall(
          kubeFn(),
          'DELETE',
          `/api/v1/namespaces/vc-${names.dev}`,
        );
      }, 60_000);

      it('ran every flow', () => {
        expect(failures).toEqual([]);
        expect(expiryRuns).toEqual([
          { warned: [names.expiring], decommissioned: [], failed: [] },
          { warned: [], decommissioned: [names.expiring], failed: [] },
        ]);
      });

      it('got no 401 or 403 from the API server, for any request', () => {
        expect(release.proxy.requests.length).toBeGreaterThan(50);
        expect(
          release
            .refused()
            .map(r => `${r.method} ${r.path}: ${r.status} ${r.error ?? ''}`),
        ).toEqual([]);
      });

      it('showed the status from the cache: the dev cluster up and registered, read from its ExternalSecret', () => {
        expect(statusOfDev).toMatchObject({
          state: 'ready',
          summary: 'The dev cluster is up and registered in Argo CD',
          registration: {
            exists: true,
            name: `cluster-dev-${names.dev}`,
            clusterName: `dev-${names.dev}`,
            env: 'dev',
          },
        });
        expect(statusOfDb).toMatchObject({
          state: 'ready',
          stack: { name: names.db },
        });
        // the cache read no Secret, nor was ever asked to
        expect(
          release.proxy.requests.filter(r => /\/secrets(\/|$)/.test(r.path)),
        ).toEqual([]);
      });

      it('let the Kubernetes tab list every kind it shows (the metrics API is not served here: 404, after authorization)', () => {
        expect(tab.objects.errors).toEqual([]);
        expect(
          [...new Set(tab.objects.responses.map((r: any) => r.type))].sort(),
        ).toEqual(
          [
            ...new Set([
              ...DEFAULT_OBJECTS.map(o => o.objectType),
              'customresources',
            ]),
          ].sort(),
        );
        expect(
          tab.metrics.errors.map((e: any) => [e.statusCode, e.resourcePath]),
        ).toEqual([
          [404, `/apis/metrics.k8s.io/v1beta1/namespaces/vc-${names.dev}/pods`],
        ]);
      });

      it('left nothing of the orders behind', async () => {
        const admin = kubeFn().client();
        const left: string[] = [];
        for (const kind of [
          ['argoproj.io/v1alpha1', 'Application'],
          ['external-secrets.io/v1', 'ExternalSecret'],
          ['external-secrets.io/v1', 'SecretStore'],
          ['pulumi.com/v1', 'Stack'],
          ['pulumi.com/v1', 'Program'],
          ['v1', 'ServiceAccount'],
        ])
          for (const o of await admin.list({
            apiVersion: kind[0],
            kind: kind[1],
            labelSelector: 'app.kubernetes.io/managed-by=kebap-portal',
          }))
            if (o.metadata.labels?.['kebap.io/order']?.startsWith(release.id))
              left.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
        expect(left).toEqual([]);
      });

      it('may do exactly what the allow-list says, in each namespace (SelfSubjectRulesReview as the service account)', async () => {
        const kube = kubeFn();
        const { ns } = release;
        const defaults = await baseline(kube, ns.other);
        const grants = grantsFor('kubernetes');
        const cases: Array<[string, PortalGrant['scope'][]]> = [
          [ns.argocd, ['cluster', 'argocd']],
          [ns.stacks, ['cluster', 'stacks']],
          [ns.shares, ['cluster', 'shares']],
          // anywhere else, the cluster-wide reads only
          [ns.other, ['cluster']],
          [ns.release, ['cluster']],
          ['kube-system', ['cluster']],
          ['default', ['cluster']],
        ];
        for (const [namespace, scopes] of cases) {
          const actual = (
            await effectiveRules(release.direct, namespace)
          ).filter(r => !defaults.has(r));
          expect({ namespace, rules: actual }).toEqual({
            namespace,
            rules: expectedRules(grants, scopes, release.orderNamespaces),
          });
        }
      });

      it('has every allow-list line used by some request of the portal’s code', () => {
        const calls = release.calls();
        const { ns } = release;
        const inScope = (g: PortalGrant, c: AuthorizedRequest) =>
          g.scope === 'cluster' ||
          c.namespace ===
            { argocd: ns.argocd, stacks: ns.stacks, shares: ns.shares }[
              g.scope
            ];
        const unused: string[] = [];
        for (const g of grantsFor('kubernetes'))
          for (const resource of g.resources)
            for (const verb of g.verbs)
              if (
                !calls.some(
                  c =>
                    c.apiGroup === g.apiGroup &&
                    c.resource === resource &&
                    c.verb === verb &&
                    inScope(g, c),
                )
              )
                unused.push(`${g.scope}: ${line(g.apiGroup, resource, verb)}`);
        expect(unused).toEqual([]);
      });

      it('is refused what it must never do, by the API server', async () => {
        const kube = kubeFn();
        const { ns } = release;
        const forbidden = (p: Promise<unknown>) =>
          expect(p).rejects.toMatchObject({ status: 403 });
        const externalSecret = {
          apiVersion: 'external-secrets.io/v1',
          kind: 'ExternalSecret',
          metadata: { name: 'stolen', namespace: ns.other },
          spec: {
            secretStoreRef: {
              kind: 'ClusterSecretStore',
              name: 'kebap-secrets',
            },
            target: { name: 'stolen' },
            dataFrom: [{ extract: { key: 'portal' } }],
          },
        };
        const attempts: Array<[string, string, unknown?]> = [
          // cluster-wide deletes of what the portal did not create
          [
            'DELETE',
            '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin?dryRun=All',
          ],
          ['DELETE', '/api/v1/namespaces/kube-system?dryRun=All'],
          ['DELETE', `/api/v1/namespaces/${ns.other}?dryRun=All`],
          // Secrets, in Argo CD's namespace (prod clusters' credentials) and anywhere
          ['GET', `/api/v1/namespaces/${ns.argocd}/secrets`],
          ['GET', `/api/v1/namespaces/${ns.argocd}/secrets/argocd-secret`],
          ['GET', '/api/v1/secrets'],
          // an ExternalSecret outside the namespaces orders use
          [
            'POST',
            `/apis/external-secrets.io/v1/namespaces/${ns.other}/externalsecrets?dryRun=All`,
            externalSecret,
          ],
          [
            'POST',
            `/apis/external-secrets.io/v1/namespaces/kube-system/externalsecrets?dryRun=All`,
            {
              ...externalSecret,
              metadata: { name: 'stolen', namespace: 'kube-system' },
            },
          ],
          // RBAC of its own making
          [
            'POST',
            '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?dryRun=All',
            {
              apiVersion: 'rbac.authorization.k8s.io/v1',
              kind: 'ClusterRoleBinding',
              metadata: { name: `${release.id}-escalation` },
              roleRef: {
                apiGroup: 'rbac.authorization.k8s.io',
                kind: 'ClusterRole',
                name: 'system:auth-delegator',
              },
              subjects: [
                { kind: 'ServiceAccount', name: 'x', namespace: ns.stacks },
              ],
            },
          ],
          [
            'POST',
            '/api/v1/namespaces?dryRun=All',
            {
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: `${release.id}-new` },
            },
          ],
          // a token of another service account
          [
            'POST',
            `/api/v1/namespaces/${ns.stacks}/serviceaccounts/default/token`,
            {
              apiVersion: 'authentication.k8s.io/v1',
              kind: 'TokenRequest',
              spec: { expirationSeconds: 600 },
            },
          ],
        ];
        for (const [method, apiPath, body] of attempts)
          await forbidden(release.direct.request(method, apiPath, body));
        // the same requests are well-formed: the admin's dry runs pass
        // (kube-system is excluded: the API server never deletes it, whoever asks)
        for (const [method, apiPath, body] of attempts.filter(
          ([, p]) =>
            p.includes('dryRun=All') && !p.includes('/namespaces/kube-system?'),
        ))
          expect({
            apiPath,
            status: (await adminCall(kube, method, apiPath, body)).status,
          }).toEqual({
            apiPath,
            status: method === 'POST' ? 201 : 200,
          });
        // no cluster-scoped write of any kind, checked per verb
        for (const [group, resource] of [
          ['', 'namespaces'],
          ['rbac.authorization.k8s.io', 'clusterrolebindings'],
          ['rbac.authorization.k8s.io', 'clusterroles'],
          ['rbac.authorization.k8s.io', 'rolebindings'],
          ['external-secrets.io', 'clustersecretstores'],
          ['apiextensions.k8s.io', 'customresourcedefinitions'],
        ])
          for (const verb of [
            'create',
            'patch',
            'update',
            'delete',
            'deletecollection',
            'bind',
            'escalate',
          ])
            expect({
              group,
              resource,
              verb,
              allowed: await release.allowed({ verb, group, resource }),
            }).toEqual({
              group,
              resource,
              verb,
              allowed: false,
            });
        expect(
          await release.allowed({
            verb: 'impersonate',
            group: '',
            resource: 'serviceaccounts',
          }),
        ).toBe(false);
      });

      it('explains every allow-list line in the chart’s README', () => {
        const missing = PORTAL_GRANTS.map(readmeRow).filter(
          row => !readmeText.includes(row),
        );
        expect(missing).toEqual([]);
      });
    });

    describe('gitops delivery (the default): the portal only reads', () => {
      let release: Release;
      const failures: string[] = [];

      beforeAll(async () => {
        const kube = kubeFn();
        release = new Release(kube, 'gitops');
        await release.install();
        const { ns, client, id } = release;
        // what Argo CD applied from the orders repository
        const metadata = (kind: string, env: string) =>
          orderMetadata({
            orderName: `${id}-g`,
            owner,
            entityRef: `resource:default/${env}-${id}-g`,
            env,
            kind,
          });
        const admin = kube.client();
        const app = buildVClusterOrder(
          {
            name: `${id}-g`,
            metadata: metadata('vcluster', 'dev'),
            size: 'small',
          },
          {
            sizes: { small: { quota: { pods: '10' } } },
            chart: {
              repoURL: 'https://charts.loft.sh',
              chart: 'vcluster',
              version: '0.30.0',
            },
            argocdNamespace: ns.argocd,
            project: 'default',
          },
        ).application as unknown as OrderObject;
        const stack = buildStack({
          name: `${id}-g`,
          namespace: ns.stacks,
          stack: 'acme/databases/g',
          source: { programRef: `${id}-g-program` },
          metadata: metadata('database', 'prod'),
        }) as unknown as OrderObject;
        for (const o of [app, stack])
          await admin.apply(o, { fieldManager: 'argocd-controller' });
        const settings = readKebapSettings(
          new ConfigReader({ kebap: { argocd: { namespace: ns.argocd } } }),
        );
        const wait = createWaitAction({
          client,
          settings,
          sleep: async () => {},
        });
        // not ready (no controller): it gives up after its first read
        for (const input of [
          { kind: 'Stack', name: `${id}-g`, namespace: ns.stacks },
          { kind: 'Application', name: `vcluster-${id}-g` },
        ])
          await run(wait, {
            ...input,
            timeoutSeconds: 1,
            intervalSeconds: 1,
          }).catch(() => undefined);
        const cache = new KebapClusterCache({
          clusters: [{ name: 'control-plane', client }],
          logger: quiet(),
          argocdNamespace: ns.argocd,
        });
        cache.start();
        try {
          if (!(await cache.waitForSync(15_000)))
            failures.push(
              `status cache did not sync: ${JSON.stringify(cache.state())}`,
            );
          if (!cache.order(`${id}-g`, 'dev').length)
            failures.push('the cache does not hold the dev cluster');
        } finally {
          await cache.stop();
        }
        const tab = await kubernetesTab(release, `dev-${id}-g`, ns.stacks);
        if (tab.objects.errors.length)
          failures.push(
            `Kubernetes tab: ${JSON.stringify(tab.objects.errors)}`,
          );
        for (const o of [app, stack])
          await admin.delete({
            apiVersion: o.apiVersion,
            kind: o.kind,
            namespace: o.metadata.namespace,
            name: o.metadata.name,
          });
        await adminCall(
          kube,
          'PATCH',
          `/apis/argoproj.io/v1alpha1/namespaces/${ns.argocd}/applications/vcluster-${id}-g`,
          { metadata: { finalizers: null } },
          'application/merge-patch+json',
        );
      }, 120_000);

      afterAll(async () => {
        await release?.uninstall();
      }, 60_000);

      it('allows the reads of kebap:wait, the status cache and the Kubernetes tab', () => {
        expect(failures).toEqual([]);
        expect(release.proxy.requests.length).toBeGreaterThan(10);
        expect(
          release.refused().map(r => `${r.method} ${r.path}: ${r.status}`),
        ).toEqual([]);
        expect([...new Set(release.calls().map(c => c.verb))].sort()).toEqual([
          'get',
          'list',
          'watch',
        ]);
      });

      it('may only read, exactly as the allow-list says', async () => {
        const { ns } = release;
        const defaults = await baseline(kubeFn(), ns.other);
        const grants = grantsFor('gitops');
        for (const [namespace, scopes] of [
          [ns.argocd, ['cluster', 'argocd']],
          [ns.stacks, ['cluster']],
          [ns.other, ['cluster']],
        ] as Array<[string, PortalGrant['scope'][]]>) {
          const actual = (
            await effectiveRules(release.direct, namespace)
          ).filter(r => !defaults.has(r));
          expect({ namespace, rules: actual }).toEqual({
            namespace,
            rules: expectedRules(grants, scopes, release.orderNamespaces),
          });
          expect(actual.filter(r => !/:(get|list|watch)(@|$)/.test(r))).toEqual(
            [],
          );
        }
      });
    });

    describe('the platform’s auth-delegator binding for Stack runners (gitops/platform/stacks)', () => {
      it('covers a ServiceAccount an order creates in the Stack namespace, through the namespace’s group', async () => {
        const kube = kubeFn();
        const namespace = kube.uniqueName('kt');
        const binding = yaml
          .parseAllDocuments(
            fs.readFileSync(
              path.join(repoRoot(), 'gitops/platform/stacks/stack-runner.yaml'),
              'utf8',
            ),
          )
          .map(d => d.toJS())
          .find(
            o =>
              o?.kind === 'ClusterRoleBinding' &&
              o.roleRef.name === 'system:auth-delegator',
          );
        // the platform's binding, for this test's namespace instead of kebap-stacks
        const crb = JSON.parse(
          JSON.stringify(binding).replaceAll('kebap-stacks', namespace),
        );
        expect(crb.subjects).toEqual([
          {
            kind: 'Group',
            apiGroup: 'rbac.authorization.k8s.io',
            name: `system:serviceaccounts:${namespace}`,
          },
        ]);
        expect((await adminCall(kube, 'POST', rbacPath(crb), crb)).status).toBe(
          201,
        );
        try {
          const sa = kube.clientWithToken(
            await kube.tokenFor(namespace, 'ordered-runner'),
          );
          const other = kube.clientWithToken(
            await kube.tokenFor(`${namespace}-x`, 'ordered-runner'),
          );
          const may = async (c: KubernetesClient) =>
            (
              (await c.request(
                'POST',
                '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
                {
                  apiVersion: 'authorization.k8s.io/v1',
                  kind: 'SelfSubjectAccessReview',
                  spec: {
                    resourceAttributes: {
                      verb: 'create',
                      group: 'authentication.k8s.io',
                      resource: 'tokenreviews',
                    },
                  },
                },
              )) as any
            ).status.allowed === true;
          await until('the binding to take effect', () => may(sa));
          // a service account of another namespace is not covered
          expect(await may(other)).toBe(false);
        } finally {
          await adminCall(kube, 'DELETE', rbacPath(crb, crb.metadata.name));
          for (const ns of [namespace, `${namespace}-x`])
            await adminCall(kube, 'DELETE', `/api/v1/namespaces/${ns}`);
        }
      });
    });
  },
);
