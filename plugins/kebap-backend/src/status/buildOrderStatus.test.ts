import { OrderObject } from '@internal/plugin-kebap-common';
import { databaseOrder, devClusterOrder } from '../testing/orderFixtures';
import { buildOrderStatus } from './buildOrderStatus';

const links = {
  pulumiCloudUrl: 'https://app.pulumi.com/',
  argocdBaseUrl: 'https://argocd.example.com',
};
const entityRef = 'resource:default/dev-orders';
const withStatus = (o: OrderObject, status: unknown): OrderObject => ({
  ...o,
  metadata: { ...o.metadata, creationTimestamp: '2026-11-20T10:00:00Z' } as any,
  status,
});
const cluster = (objects: OrderObject[], synced = true) => ({
  cluster: 'control-plane',
  synced,
  objects,
  observedAt: '2026-11-25T10:00:00.000Z',
  ...(synced ? {} : { error: 'connect ECONNREFUSED' }),
});

describe('buildOrderStatus', () => {
  const { stack } = databaseOrder('orders');

  it('a Stack whose last update succeeded is ready, with outputs, secrets masked, and a Pulumi Cloud link', () => {
    const status = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([
        withStatus(stack, {
          lastUpdate: {
            state: 'succeeded',
            lastSuccessfulCommit: 'abc123',
            lastResyncTime: '2026-11-25T09:59:00Z',
          },
          conditions: [
            { type: 'Ready', status: 'True', reason: 'ProcessingCompleted' },
            { type: 'Reconciling', status: 'False' },
          ],
          outputs: {
            host: 'db.internal',
            port: 5432,
            password: '[secret]',
            token: {
              '4dabf18193072939515e22adb298388d':
                '1b47061264138c4ac30d75fd1eb44270',
              ciphertext: 'x',
            },
          },
        }),
      ]),
    });
    expect(status).toMatchObject({
      state: 'ready',
      summary: 'Up to date: the last Pulumi update succeeded',
      source: 'cluster',
      cluster: 'control-plane',
      observedAt: '2026-11-25T10:00:00.000Z',
      order: {
        name: 'orders',
        env: 'dev',
        kind: 'database',
        owner: 'group:default/team-payments',
        template: 'template:default/database',
        taskId: 'task-orders',
        orderedAt: '2026-11-20T10:00:00Z',
      },
      stack: {
        name: 'dev-orders-database',
        stack: 'acme/databases/dev-orders',
        url: 'https://app.pulumi.com/acme/databases/dev-orders',
        lastUpdateState: 'succeeded',
        lastSuccessfulCommit: 'abc123',
        lastUpdateTime: '2026-11-25T09:59:00Z',
      },
    });
    expect(status.stack!.conditions.map(c => c.summary)).toEqual([
      'Ready: the stack is up to date (ProcessingCompleted)',
      'Reconciling: no update running',
    ]);
    expect(status.stack!.outputs).toEqual([
      { name: 'host', secret: false, value: 'db.internal' },
      { name: 'password', secret: true },
      { name: 'port', secret: false, value: '5432' },
      { name: 'token', secret: true },
    ]);
    expect(JSON.stringify(status)).not.toContain('ciphertext');
  });

  it('a failed update is failed with its message; a stalled Stack too; reconciling is progressing', () => {
    const failed = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([
        withStatus(stack, {
          lastUpdate: { state: 'failed', message: 'quota exceeded' },
          conditions: [
            {
              type: 'Reconciling',
              status: 'True',
              reason: 'RetryingAfterFailure',
            },
          ],
        }),
      ]),
    });
    expect(failed.state).toBe('failed');
    expect(failed.summary).toBe(
      'The last Pulumi update of dev-orders-database failed: quota exceeded (retrying)',
    );
    expect(failed.stack!.failureMessage).toBe('quota exceeded');

    const stalled = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([
        withStatus(stack, {
          conditions: [
            {
              type: 'Stalled',
              status: 'True',
              reason: 'SourceUnavailable',
              message: 'program db not found',
            },
          ],
        }),
      ]),
    });
    expect(stalled.state).toBe('failed');
    expect(stalled.summary).toContain('program db not found');
    expect(stalled.stack!.conditions[0].summary).toBe(
      'Stalled: the operator gave up until the Stack or its inputs change (SourceUnavailable: program db not found)',
    );

    const reconciling = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([
        withStatus(stack, {
          conditions: [
            {
              type: 'Reconciling',
              status: 'True',
              reason: 'StackUpdateInProgress',
            },
          ],
        }),
      ]),
    });
    expect(reconciling.state).toBe('progressing');
    expect(reconciling.stack!.lastUpdateState).toBe('none');
  });

  it('a dev cluster: Application health and sync, registration, Argo CD link', () => {
    const { application, registration } = devClusterOrder('alpha');
    const healthy = withStatus(application, {
      health: { status: 'Healthy' },
      sync: { status: 'Synced', revision: '0.30.0' },
    });
    const waiting = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([healthy]),
    });
    expect(waiting.state).toBe('progressing');
    expect(waiting.summary).toBe(
      'Not registered in Argo CD yet (no cluster registration)',
    );
    expect(waiting.registration).toEqual({ exists: false });

    // the registration's ExternalSecret before External Secrets Operator
    // wrote the cluster Secret: not registered yet
    const unsynced = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([healthy, { ...registration, status: undefined }]),
    });
    expect(unsynced.state).toBe('progressing');
    expect(unsynced.registration).toEqual({ exists: false });

    const ready = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([healthy, registration]),
    });
    expect(ready.state).toBe('ready');
    expect(ready.summary).toBe(
      'The dev cluster is up and registered in Argo CD',
    );
    expect(ready.application).toEqual({
      name: 'vcluster-alpha',
      namespace: 'argocd',
      health: 'Healthy',
      sync: 'Synced',
      revision: '0.30.0',
      url: 'https://argocd.example.com/applications/argocd/vcluster-alpha',
    });
    expect(ready.registration).toEqual({
      exists: true,
      name: 'cluster-dev-alpha',
      clusterName: 'dev-alpha',
      server: 'https://vc-alpha.vc-alpha:443',
      env: 'dev',
    });
    expect(ready.order!.expiresAt).toBe('2026-12-01T00:00:00.000Z');

    const degraded = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([
        withStatus(application, {
          health: { status: 'Degraded', message: 'pod crash-looping' },
        }),
        registration,
      ]),
    });
    expect(degraded.state).toBe('failed');
    expect(degraded.summary).toContain('pod crash-looping');
  });

  it('gitops: committed but not on the cluster (or no cluster) is pending-sync with who, when and the objects', () => {
    const gitops = {
      objects: [stack],
      committedAt: '2026-11-25T08:00:00.000Z',
      requestedBy: 'user:default/guest',
    };
    for (const view of [undefined, cluster([])]) {
      const status = buildOrderStatus({
        entityRef,
        links,
        cluster: view,
        gitops,
      });
      expect(status).toMatchObject({
        state: 'pending-sync',
        source: 'gitops',
        order: {
          owner: 'group:default/team-payments',
          requestedBy: 'user:default/guest',
          orderedAt: '2026-11-25T08:00:00.000Z',
          template: 'template:default/database',
        },
        stack: { name: 'dev-orders-database', lastUpdateState: 'none' },
        objects: [
          {
            apiVersion: 'pulumi.com/v1',
            kind: 'Stack',
            namespace: 'kebap-orders',
            name: 'dev-orders-database',
          },
        ],
      });
      expect(status.summary).toMatch(/^Committed to Git; not/);
    }
  });

  it('deleting while a decommissioned Stack is held by the Operator’s finalizer: says who holds it and what waits', () => {
    const held = {
      ...withStatus(stack, {
        lastUpdate: { state: 'succeeded' },
        conditions: [{ type: 'Ready', status: 'True' }],
      }),
    };
    (held.metadata as any).deletionTimestamp = '2026-11-26T08:00:00Z';
    (held.metadata as any).finalizers = ['finalizer.stack.pulumi.com'];
    const program = {
      apiVersion: 'pulumi.com/v1',
      kind: 'Program',
      metadata: { ...stack.metadata, name: 'db' },
      program: { resources: {} },
    } as OrderObject;
    const status = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([held, program]),
    });
    expect(status.state).toBe('deleting');
    expect(status.summary).toBe(
      `Being decommissioned: Stack ${stack.metadata.namespace}/${stack.metadata.name} is held by finalizer.stack.pulumi.com while Pulumi destroys its cloud resources; 1 more object goes after it`,
    );
    expect(status.objects?.find(o => o.kind === 'Stack')).toMatchObject({
      deletingSince: '2026-11-26T08:00:00Z',
      finalizers: ['finalizer.stack.pulumi.com'],
    });
    expect(
      status.objects?.find(o => o.kind === 'Program')?.deletingSince,
    ).toBeUndefined();
    // the cluster cannot be read: unreachable wins, the last known says deleting
    const stale = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([held], false),
    });
    expect(stale.state).toBe('unreachable');
    expect(stale.summary).toMatch(/last known: Being decommissioned/);
  });

  it('unreachable when the cache is not synced, not-found when nobody holds the order', () => {
    const down = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster([], false),
    });
    expect(down).toMatchObject({
      state: 'unreachable',
      summary: 'Cluster control-plane cannot be read (connect ECONNREFUSED)',
    });
    const stale = buildOrderStatus({
      entityRef,
      links,
      cluster: cluster(
        [withStatus(stack, { lastUpdate: { state: 'succeeded' } })],
        false,
      ),
    });
    expect(stale.state).toBe('unreachable');
    expect(stale.summary).toContain('last known');
    expect(
      buildOrderStatus({ entityRef, links, cluster: cluster([]) }).state,
    ).toBe('not-found');
    expect(buildOrderStatus({ entityRef, links }).state).toBe('not-found');
  });
});
