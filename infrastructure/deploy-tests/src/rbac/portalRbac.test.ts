import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { DEFAULT_OBJECTS } from '@backstage/plugin-kubernetes-backend';
import { isOwnedBy } from '@internal/plugin-kebap-common';
import {
  KebapClusterCache,
  KubernetesClient,
  WATCHED_RESOURCES,
} from '@internal/plugin-kebap-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import {
  createArgoCdClusterAction,
  createDecommissionAction,
  createExternalSecretAction,
  createPulumiStackAction,
  createVClusterCreateAction,
  createWaitAction,
  KubernetesDelivery,
  readKebapSettings,
} from '@internal/plugin-scaffolder-backend-module-kebap';
import { chartDir } from '../paths';
import { renderChart } from '../helm/renderChart';
import { RecordingProxy } from './RecordingProxy';
import {
  describeRequest,
  PolicyRule,
  RbacEvaluator,
  RequestAttributes,
} from './RbacEvaluator';
import { AuthorizedRequest, requestAttributes } from './requestAttributes';

const owner = 'group:default/team-payments';
const settings = readKebapSettings(
  new ConfigReader({ kebap: { delivery: { mode: 'kubernetes' } } }),
);
const portal = { namespace: 'kebap', name: 'kebap-portal' };

/**
 * Requests the portal's code makes that the chart deliberately does NOT
 * allow: each would be a defect in the code, not in the chart. None today
 * (decommission lists only the kinds orders contain, never Secrets).
 */
const KNOWN_DENIED: string[] = [];

/**
 * Orders that fail in kubernetes delivery before any RBAC question: each a
 * defect in the code (the test fails when one is fixed: then its calls are
 * checked like the others).
 */
const KNOWN_FAILING_ORDERS: string[] = [];

/** What the Kubernetes tab (the kubernetes backend plugin) lists. */
const kubernetesTab: RequestAttributes[] = [
  ...DEFAULT_OBJECTS.map(o => ({
    verb: 'list',
    apiGroup: o.group,
    resource: o.plural,
  })),
  // pod metrics, per namespace of the entity's pods
  {
    verb: 'list',
    apiGroup: 'metrics.k8s.io',
    resource: 'pods',
    namespace: 'vc-alpha',
  },
];

/** The chart as installed for a delivery mode (default: kubernetes, the one that writes). */
function rendered(deliveryMode: 'gitops' | 'kubernetes' = 'kubernetes') {
  return renderChart(chartDir('kebap-portal'), {
    releaseName: 'kebap-portal',
    namespace: portal.namespace,
    values: { deliveryMode },
  });
}

/** Grants of (Cluster)Roles that no call in `used` needs. */
function unusedGrants(
  objects: any[],
  used: RequestAttributes[],
  argocd: string,
): string[] {
  const unused: string[] = [];
  for (const role of objects.filter(o =>
    ['ClusterRole', 'Role'].includes(o.kind),
  )) {
    for (const rule of role.rules as PolicyRule[])
      for (const apiGroup of rule.apiGroups ?? [])
        for (const resource of rule.resources ?? [])
          for (const verb of rule.verbs) {
            const justified = used.some(
              c =>
                c.verb === verb &&
                c.apiGroup === apiGroup &&
                c.resource === resource &&
                (!rule.resourceNames?.length ||
                  rule.resourceNames.includes(c.name ?? '')) &&
                // a ClusterRole is needed for calls outside Argo CD's namespace
                (role.kind === 'Role'
                  ? c.namespace === role.metadata.namespace
                  : c.namespace !== argocd),
            );
            if (!justified)
              unused.push(
                `${role.kind}: ${verb} ${apiGroup || 'core'}/${resource}`,
              );
          }
  }
  return unused;
}

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

describe('the chart’s RBAC allows every Kubernetes call the portal makes', () => {
  let api: FakeKubernetesApi;
  let proxy: RecordingProxy;
  const calls: AuthorizedRequest[] = [];
  /** the calls of kebap:wait and the status cache: all gitops delivery makes */
  const readCalls: AuthorizedRequest[] = [];
  const failures: string[] = [];

  beforeAll(async () => {
    api = await FakeKubernetesApi.start();
    for (const name of ['argocd', 'team-payments', 'team-orders'])
      api.seed(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { manager: 'platform' },
      );
    proxy = await RecordingProxy.start(api.baseUrl);
    const client = new KubernetesClient({
      baseUrl: proxy.baseUrl,
      logger: mockServices.logger.mock(),
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 2000 },
    });
    const delivery = new KubernetesDelivery({
      client,
      // the module's ownership rule (createOrderDelivery's mayOverwriteOrder)
      mayOverwrite: (existing, order) =>
        isOwnedBy(existing.metadata, {
          orderName: order.name,
          ownerRef: order.ownerRef,
        }),
    });
    const deps = { delivery, settings };

    // a dev cluster and its Argo CD registration
    await run(createVClusterCreateAction(deps), {
      name: 'alpha',
      owner,
      size: 'small',
    });
    await run(createArgoCdClusterAction(deps), { name: 'alpha', owner });
    // a Stack with its Program and a ServiceAccount bound to auth-delegator
    await run(createPulumiStackAction(deps), {
      name: 'payments-db',
      namespace: 'team-payments',
      owner,
      env: 'prod',
      kind: 'database',
      stack: 'acme/databases/payments-db',
      program: { resources: {}, outputs: {} },
      serviceAccountName: 'pulumi-payments',
      createServiceAccount: true,
    });
    // a Stack whose connection Secret is copied to the owner's namespace
    await run(createPulumiStackAction(deps), {
      name: 'orders-db',
      namespace: 'team-payments',
      owner,
      env: 'prod',
      kind: 'database',
      stack: 'acme/databases/orders-db',
      program: { resources: {}, outputs: {} },
      shareSecret: {
        secretName: 'orders-db-connection',
        namespace: 'team-orders',
      },
    }).catch(e => failures.push(`stack with shareSecret: ${e.message}`));
    // credentials from the secret store
    await run(createExternalSecretAction(deps), {
      order: 'payments-db',
      owner,
      name: 'payments-db-credentials',
      namespace: 'team-payments',
      data: [{ secretKey: 'TOKEN', remoteKey: 'cloud', property: 'token' }],
    });
    const readsFrom = proxy.requests.length;
    // kebap:wait reads the Stack and the Application (not ready: it gives up
    // after its first read, which is all this test needs)
    const wait = createWaitAction({
      client,
      settings,
      sleep: async () => {},
    });
    for (const input of [
      { kind: 'Stack', name: 'payments-db', namespace: 'team-payments' },
      { kind: 'Application', name: 'vcluster-alpha' },
    ]) {
      await run(wait, {
        ...input,
        timeoutSeconds: 1,
        intervalSeconds: 1,
      }).catch(
        () => undefined, // readiness is not the point: the reads are
      );
    }
    // the status cache (kebap-backend, catalog module): lists and watches
    const cache = new KebapClusterCache({
      clusters: [{ name: 'control-plane', client }],
      logger: mockServices.logger.mock(),
      argocdNamespace: settings.argocd.namespace,
    });
    cache.start();
    if (!(await cache.waitForSync(5000)))
      throw new Error('the status cache did not sync');
    // each informer watches after its list: wait until every watch is open
    const watches = () =>
      proxy.requests.filter(r =>
        ['true', '1'].includes(r.query.get('watch') ?? ''),
      ).length;
    for (let i = 0; i < 100 && watches() < WATCHED_RESOURCES.length; i++)
      await new Promise(r => setTimeout(r, 50));
    await cache.stop();
    const readsTo = proxy.requests.length;
    // decommission both orders
    const decommission = createDecommissionAction({ delivery });
    for (const [entity, name] of [
      ['resource:default/dev-alpha', 'alpha'],
      ['resource:default/prod-payments-db', 'payments-db'],
      ['resource:default/prod-orders-db', 'orders-db'],
    ]) {
      await run(decommission, {
        entityRef: entity,
        owner,
        confirm: name,
      });
    }
    for (const r of proxy.requests) calls.push(...requestAttributes(r));
    for (const r of proxy.requests.slice(readsFrom, readsTo))
      readCalls.push(...requestAttributes(r));
  });

  afterAll(async () => {
    await proxy?.stop();
    await api?.stop();
  });

  it('ran every order but the known failing ones', () => {
    expect(failures).toEqual(KNOWN_FAILING_ORDERS);
  });

  it('recorded the calls of delivery, wait and decommission', () => {
    const verbs = new Set(calls.map(c => c.verb));
    expect([...verbs].sort()).toEqual(
      expect.arrayContaining(['create', 'delete', 'get', 'list', 'patch']),
    );
    const kinds = new Set(calls.map(c => c.resource));
    for (const kind of [
      'namespaces',
      'resourcequotas',
      'limitranges',
      'applications',
      'secretstores',
      'externalsecrets',
      'stacks',
      'programs',
      'serviceaccounts',
      'clusterrolebindings',
    ])
      expect(kinds).toContain(kind);
    // everything the orders wrote was deleted again
    expect(
      api
        .objects()
        .filter(
          o =>
            o.metadata.labels?.['app.kubernetes.io/managed-by'] ===
            'kebap-portal',
        ),
    ).toEqual([]);
  });

  it('recorded the status cache listing and watching each of WATCHED_RESOURCES', () => {
    for (const r of WATCHED_RESOURCES) {
      const namespace =
        r.namespaces === 'argocd' ? settings.argocd.namespace : undefined;
      for (const verb of ['list', 'watch'])
        expect(calls).toContainEqual(
          expect.objectContaining({
            verb,
            apiGroup: r.group,
            resource: r.plural,
            namespace,
          }),
        );
    }
  });

  it('allows each recorded call, but the known defects', () => {
    const rbac = new RbacEvaluator(rendered().objects as any, portal);
    const denied = [
      ...new Set(calls.filter(c => !rbac.allows(c)).map(describeRequest)),
    ];
    expect(denied.sort()).toEqual([...KNOWN_DENIED].sort());
  });

  it('passes the API server’s escalation checks for the RBAC objects orders write', () => {
    const { objects } = rendered();
    const rbac = new RbacEvaluator(objects as any, portal);
    const writes = calls.filter(c => c.verb === 'patch' && c.object);
    const problems: string[] = [];
    for (const w of writes) {
      const obj = w.object;
      if (obj.kind === 'ClusterRoleBinding' || obj.kind === 'RoleBinding') {
        const ref = obj.roleRef;
        const bind: RequestAttributes = {
          verb: 'bind',
          apiGroup: 'rbac.authorization.k8s.io',
          resource: ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
          name: ref.name,
          namespace: obj.metadata.namespace,
        };
        if (!rbac.allows(bind))
          problems.push(
            `${obj.kind} ${obj.metadata.name}: ${describeRequest(bind)}`,
          );
      }
      if (obj.kind === 'Role' || obj.kind === 'ClusterRole') {
        const ok =
          rbac.holdsAll(obj.rules as PolicyRule[], obj.metadata.namespace) ||
          rbac.allows({
            verb: 'escalate',
            apiGroup: 'rbac.authorization.k8s.io',
            resource: obj.kind === 'Role' ? 'roles' : 'clusterroles',
            namespace: obj.metadata.namespace,
          });
        if (!ok) problems.push(`${obj.kind} ${obj.metadata.name}: escalation`);
      }
    }
    expect(writes.some(w => w.object.kind === 'ClusterRoleBinding')).toBe(true);
    expect(problems).toEqual([]);
  });

  it('allows the Kubernetes tab to list its kinds by label, read-only', () => {
    const rbac = new RbacEvaluator(rendered().objects as any, portal);
    expect(
      kubernetesTab.filter(a => !rbac.allows(a)).map(describeRequest),
    ).toEqual([]);
    for (const o of DEFAULT_OBJECTS) {
      for (const verb of ['create', 'patch', 'update', 'delete']) {
        if (['limitranges', 'resourcequotas'].includes(o.plural)) continue; // orders write these
        expect(
          rbac.allows({
            verb,
            apiGroup: o.group,
            resource: o.plural,
            namespace: 'x',
          }),
        ).toBe(false);
      }
    }
  });

  it('grants nothing the code does not call', () => {
    // the bind the API server checks when a binding is written
    const binds: RequestAttributes[] = calls
      .filter(c => c.verb === 'patch' && c.object?.roleRef)
      .map(c => ({
        verb: 'bind',
        apiGroup: 'rbac.authorization.k8s.io',
        resource:
          c.object.roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
        name: c.object.roleRef.name,
      }));
    expect(
      unusedGrants(
        rendered().objects,
        [...calls, ...binds, ...kubernetesTab],
        settings.argocd.namespace,
      ),
    ).toEqual([]);
  });

  describe('with gitops delivery (the default), the portal only reads', () => {
    const gitops = () => rendered('gitops').objects;

    it('allows the reads of kebap:wait and the status cache', () => {
      const rbac = new RbacEvaluator(gitops() as any, portal);
      expect(readCalls.length).toBeGreaterThan(0);
      expect(
        readCalls.filter(c => !rbac.allows(c)).map(describeRequest),
      ).toEqual([]);
    });

    it('grants no write and nothing those reads do not need', () => {
      const objects = gitops();
      const verbs = objects
        .filter(o => ['ClusterRole', 'Role'].includes(o.kind))
        .flatMap(o => o.rules.flatMap((r: PolicyRule) => r.verbs));
      expect([...new Set(verbs)].sort()).toEqual(['get', 'list', 'watch']);
      expect(
        unusedGrants(
          objects,
          [...readCalls, ...kubernetesTab],
          settings.argocd.namespace,
        ),
      ).toEqual([]);
    });
  });

  it('denies what the portal must never do', () => {
    const rbac = new RbacEvaluator(rendered().objects as any, portal);
    const forbidden: RequestAttributes[] = [
      {
        verb: 'get',
        apiGroup: '',
        resource: 'secrets',
        namespace: 'vc-alpha',
        name: 'vc-alpha',
      },
      {
        verb: 'list',
        apiGroup: '',
        resource: 'secrets',
        namespace: 'team-payments',
      },
      {
        verb: 'get',
        apiGroup: '',
        resource: 'secrets',
        namespace: 'kube-system',
        name: 'x',
      },
      {
        verb: 'get',
        apiGroup: '',
        resource: 'secrets',
        namespace: 'argocd',
        name: 'argocd-secret',
      },
      {
        verb: 'patch',
        apiGroup: '',
        resource: 'secrets',
        namespace: 'argocd',
        name: 'x',
      },
      {
        verb: 'bind',
        apiGroup: 'rbac.authorization.k8s.io',
        resource: 'clusterroles',
        name: 'cluster-admin',
      },
      {
        verb: 'escalate',
        apiGroup: 'rbac.authorization.k8s.io',
        resource: 'clusterroles',
        name: 'cluster-admin',
      },
      {
        verb: 'patch',
        apiGroup: 'rbac.authorization.k8s.io',
        resource: 'clusterroles',
        name: 'x',
      },
      {
        verb: 'create',
        apiGroup: '',
        resource: 'pods',
        namespace: 'team-payments',
      },
      {
        verb: 'create',
        apiGroup: '',
        resource: 'serviceaccounts/token',
        namespace: 'team-payments',
        name: 'x',
      },
      { verb: 'impersonate', apiGroup: '', resource: 'users', name: 'admin' },
      // Applications only in Argo CD's namespace
      {
        verb: 'patch',
        apiGroup: 'argoproj.io',
        resource: 'applications',
        namespace: 'team-payments',
        name: 'x',
      },
      {
        verb: 'patch',
        apiGroup: 'external-secrets.io',
        resource: 'clustersecretstores',
        name: 'kebap-secrets',
      },
    ];
    expect(forbidden.filter(a => rbac.allows(a)).map(describeRequest)).toEqual(
      [],
    );
  });
});
