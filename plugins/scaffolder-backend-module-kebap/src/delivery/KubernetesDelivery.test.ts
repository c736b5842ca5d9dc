import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { readKebapSettings } from '../KebapSettings';
import { createArgoCdClusterAction } from '../actions/argocd/cluster';
import { createVClusterCreateAction } from '../actions/vcluster/create';
import { createRecordingLogger } from '../testing/createRecordingLogger';
import { mayOverwriteOrder } from './createOrderDelivery';
import { KubernetesDelivery } from './KubernetesDelivery';

const settings = readKebapSettings(
  new ConfigReader({ kebap: { delivery: { mode: 'kubernetes' } } }),
);
const owner = 'group:default/team-payments';

describe('kubernetes delivery (server-side apply against the API test double)', () => {
  let api: FakeKubernetesApi;
  let delivery: KubernetesDelivery;

  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
      { manager: 'argocd-install' },
    );
    const client = new KubernetesClient({
      baseUrl: api.baseUrl,
      logger: mockServices.logger.mock(),
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10, timeoutMs: 300 },
    });
    delivery = new KubernetesDelivery({
      client,
      mayOverwrite: mayOverwriteOrder,
      removalWaitMs: 200,
      removalPollMs: 20,
    });
  });
  afterEach(() => api.stop());

  async function order(name: string, who = owner) {
    const deps = {
      delivery,
      settings,
      now: () => new Date('2026-11-24T12:00:00Z'),
    };
    for (const [action, input] of [
      [createVClusterCreateAction(deps), { name, owner: who, size: 'small' }],
      [createArgoCdClusterAction(deps), { name, owner: who }],
    ] as const) {
      const ctx = createMockActionContext({
        input: input as any,
        logger: createRecordingLogger(),
      });
      Object.assign(ctx, { task: { id: 'task-1' } });
      await action.handler(ctx as any);
    }
  }

  const portalObjects = () =>
    api
      .objects()
      .filter(
        o =>
          o.metadata.labels?.['app.kubernetes.io/managed-by'] ===
          'kebap-portal',
      );

  it('applies a dev-cluster order with the kebap-portal field manager, each object created and then applied', async () => {
    await order('alpha');
    expect(
      portalObjects()
        .map(o => `${o.kind}/${o.metadata.name}`)
        .sort(),
    ).toEqual([
      'Application/vcluster-alpha',
      'ExternalSecret/cluster-dev-alpha',
      'SecretStore/vc-alpha-kubeconfig',
    ]);
    const writes = api.calls.filter(
      c => c.method === 'PATCH' || c.method === 'POST',
    );
    expect(writes.every(c => c.query === '?fieldManager=kebap-portal')).toBe(
      true,
    );
    // the Application: created, claimed, applied
    expect(
      writes
        .filter(c => c.path.includes('/applications'))
        .map(c => `${c.method} ${c.path}`),
    ).toEqual([
      'POST /apis/argoproj.io/v1alpha1/namespaces/argocd/applications',
      'PATCH /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/vcluster-alpha',
      'PATCH /apis/argoproj.io/v1alpha1/namespaces/argocd/applications/vcluster-alpha',
    ]);
  });

  it('converges when the order runs again: no object changes', async () => {
    await order('alpha');
    const before = api
      .objects()
      .map(o => `${o.metadata.name}@${o.metadata.resourceVersion}`)
      .sort();
    await order('alpha');
    expect(
      api
        .objects()
        .map(o => `${o.metadata.name}@${o.metadata.resourceVersion}`)
        .sort(),
    ).toEqual(before);
  });

  it("refuses another team's order of the same name and writes nothing", async () => {
    await order('alpha');
    const before = api.objects();
    api.reset();
    await expect(order('alpha', 'group:default/team-search')).rejects.toThrow(
      /nothing was written\. argoproj.io\/v1alpha1\/Application\/argocd\/vcluster-alpha: ordered by group:default\/team-payments/,
    );
    expect(
      api.calls.filter(c => c.method === 'PATCH' || c.method === 'POST'),
    ).toEqual([]);
    expect(api.objects()).toEqual(before);
  });

  it('refuses to take over an object the portal did not create', async () => {
    api.seed(
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'vcluster-beta', namespace: 'argocd' },
        spec: { project: 'default' },
      },
      { manager: 'kubectl' },
    );
    await expect(order('beta')).rejects.toThrow(
      /argoproj.io\/v1alpha1\/Application\/argocd\/vcluster-beta: not created by the portal/,
    );
    expect(portalObjects()).toEqual([]);
  });

  it('retries transient faults and completes', async () => {
    api.injectFault({
      method: 'PATCH',
      pathPattern: /applications/,
      times: 2,
      fault: { status: 503 },
    });
    api.injectFault({
      method: 'GET',
      pathPattern: /secretstores/,
      times: 1,
      fault: 'reset',
    });
    await order('alpha');
    expect(portalObjects()).toHaveLength(3);
  });

  it('fails with what was and was not applied, and a re-run completes the order', async () => {
    api.injectFault({
      method: 'POST',
      pathPattern: /externalsecrets/,
      times: 3,
      fault: { status: 500 },
    });
    await expect(order('alpha')).rejects.toThrow(
      /Order partly applied\. applied: external-secrets.io\/v1\/SecretStore\/argocd\/vc-alpha-kubeconfig; not applied: external-secrets.io\/v1\/ExternalSecret\/argocd\/cluster-dev-alpha; cause: .*HTTP 500.*Run the task again/,
    );
    await order('alpha');
    expect(portalObjects()).toHaveLength(3);
  });

  it('decommissions an order by its labels, refusing another owner; the Application first, the rest once its finalizer is done', async () => {
    await order('alpha');
    const before = portalObjects().length;
    await expect(
      delivery.remove(
        { env: 'dev', name: 'alpha', ownerRef: 'group:default/team-search' },
        { logger: createRecordingLogger() },
      ),
    ).rejects.toThrow(/nothing was deleted/);
    expect(portalObjects()).toHaveLength(before);
    const logger = createRecordingLogger();
    const first = await delivery.remove(
      { env: 'dev', name: 'alpha', ownerRef: owner },
      { logger },
    );
    expect(first.refs).toHaveLength(before);
    // Argo CD prunes the vCluster behind its finalizer: the Application
    // stays (deleting), its registration waits
    expect(first.pending?.[0]).toEqual({
      ref: 'argoproj.io/v1alpha1/Application/argocd/vcluster-alpha',
      state: 'deleting',
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    });
    expect(first.pending?.slice(1).every(p => p.state === 'waiting')).toBe(
      true,
    );
    expect(logger.lines.join('\n')).toMatch(
      /Deleting argoproj.io\/v1alpha1\/Application\/argocd\/vcluster-alpha: held by finalizer resources-finalizer.argocd.argoproj.io/,
    );
    api.finalize({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      namespace: 'argocd',
      name: 'vcluster-alpha',
    });
    const second = await delivery.remove(
      { env: 'dev', name: 'alpha', ownerRef: owner },
      { logger: createRecordingLogger() },
    );
    expect(second.pending).toEqual([]);
    expect(portalObjects()).toEqual([]);
  });
});
