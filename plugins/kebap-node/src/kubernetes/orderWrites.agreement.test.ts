/*
 * The scenarios of the portal's Kubernetes writes (create, apply, the
 * ownership and namespace pre-flights, preconditions, races, phased
 * deletion with finalizers, error shapes), run twice: against the API test
 * double (FakeKubernetesApi) and against the real API server of the test
 * stage. Both must give the same answers: the double stays for what a real
 * server cannot do on demand (faults, latency), and this file is what keeps
 * it honest.
 */
import {
  isOwnedBy,
  orderMetadata,
  OrderObject,
} from '@internal/plugin-kebap-common';
import { FakeKubernetesApi } from '../testing/FakeKubernetesApi';
import { describeRealKubernetes } from '../testing/RealKubernetes';
import { KubernetesClient } from './KubernetesClient';
import { applyObjects, deleteObjects, listOrderObjects } from './applyObjects';
import { ObjectRef, refString } from './kubernetesResources';

/** What a scenario needs of the server it runs against. */
interface Target {
  /** the portal, one process */
  portal(): KubernetesClient;
  /** the portal in another process (its own client and connections) */
  otherPortal(): KubernetesClient;
  /** a fresh namespace, created as the platform would */
  namespace(): Promise<string>;
  /** a name no other scenario uses */
  name(prefix: string): string;
  /** the controller behind a finalizer finishes and removes it */
  finalize(ref: ObjectRef): Promise<void>;
}

const silent = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
  child: () => silent,
} as any;

const owner = (team: string) => `group:default/${team}`;
const meta = (order: string, team: string) =>
  orderMetadata({
    orderName: order,
    owner: owner(team),
    entityRef: `resource:default/prod-${order}`,
    env: 'prod',
    kind: 'database',
  });
const mayOverwrite = (order: string, team: string) => (o: OrderObject) =>
  isOwnedBy(o.metadata, { orderName: order, ownerRef: owner(team) });

const serviceAccount = (
  namespace: string,
  name: string,
  order: string,
  team: string,
  extra: Record<string, string> = {},
) =>
  ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name,
      namespace,
      ...meta(order, team),
      labels: { ...meta(order, team).labels, ...extra },
    },
  } as OrderObject);

const refOf = (o: OrderObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  namespace: o.metadata.namespace,
  name: o.metadata.name,
});

function scenarios(target: () => Target) {
  const apply = (
    client: KubernetesClient,
    objects: OrderObject[],
    order: string,
    team: string,
  ) =>
    applyObjects({
      client,
      objects,
      fieldManager: 'kebap-portal',
      mayOverwrite: mayOverwrite(order, team),
      logger: silent,
    });

  it('creates, then re-applies unchanged (resourceVersion kept), then updates a changed value', async () => {
    const t = target();
    const ns = await t.namespace();
    const order = t.name('db');
    const sa = serviceAccount(ns, order, order, 'a');
    const first = await apply(t.portal(), [sa], order, 'a');
    expect(first.created).toEqual([refString(refOf(sa))]);
    const version = (await t.portal().get(refOf(sa)))!.metadata as any;
    const again = await apply(t.portal(), [sa], order, 'a');
    expect(again.unchanged).toEqual([refString(refOf(sa))]);
    expect(
      ((await t.portal().get(refOf(sa)))!.metadata as any).resourceVersion,
    ).toBe(version.resourceVersion);
    const changed = serviceAccount(ns, order, order, 'a', { tier: 'gold' });
    const third = await apply(t.portal(), [changed], order, 'a');
    expect(third.updated).toEqual([refString(refOf(sa))]);
    const stored: any = await t.portal().get(refOf(sa));
    expect(stored.metadata.labels.tier).toBe('gold');
    expect(
      stored.metadata.managedFields.map(
        (f: any) => `${f.manager}/${f.operation}`,
      ),
    ).toEqual(['kebap-portal/Apply']);
  });

  it('keeps every string a string: label values that YAML 1.1 would read as booleans or numbers', async () => {
    const t = target();
    const ns = await t.namespace();
    const order = t.name('strings');
    const sa = serviceAccount(ns, order, order, 'a', {
      a: 'yes',
      b: 'no',
      c: 'on',
      d: '0x1f',
      e: 'y',
    });
    await apply(t.portal(), [sa], order, 'a');
    const stored: any = await t.portal().get(refOf(sa));
    expect(stored.metadata.labels).toMatchObject({
      a: 'yes',
      b: 'no',
      c: 'on',
      d: '0x1f',
      e: 'y',
    });
  });

  it('two processes ordering one name for two owners at once: one wins, the other gets a ConflictError', async () => {
    const t = target();
    const ns = await t.namespace();
    const order = t.name('race');
    const results = await Promise.allSettled([
      apply(t.portal(), [serviceAccount(ns, order, order, 'a')], order, 'a'),
      apply(
        t.otherPortal(),
        [serviceAccount(ns, order, order, 'b')],
        order,
        'b',
      ),
    ]);
    const won = results.filter(r => r.status === 'fulfilled');
    const lost = results.filter(
      r => r.status === 'rejected',
    ) as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].reason.name).toBe('ConflictError');
    expect(lost[0].reason.message).toMatch(/ordered by group:default\/(a|b)/);
    const stored: any = await t.portal().get({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      namespace: ns,
      name: order,
    });
    const winner = results[0].status === 'fulfilled' ? 'a' : 'b';
    expect(stored.metadata.annotations['kebap.io/owner-ref']).toBe(
      owner(winner),
    );
  });

  it('refuses, before writing anything, an order into a namespace that does not exist', async () => {
    const t = target();
    const ns = await t.namespace();
    const order = t.name('half');
    const missing = t.name('missing');
    await expect(
      apply(
        t.portal(),
        [
          serviceAccount(ns, order, order, 'a'),
          serviceAccount(missing, order, order, 'a'),
        ],
        order,
        'a',
      ),
    ).rejects.toThrow(
      new RegExp(
        `^namespace: ${missing} does not exist \\(needed by v1/ServiceAccount/${missing}/${order}\\); nothing was written`,
      ),
    );
    expect(
      await t
        .portal()
        .get({
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          namespace: ns,
          name: order,
        }),
    ).toBeUndefined();
  });

  it('an apply whose resourceVersion is stale is refused (409, ConflictError)', async () => {
    const t = target();
    const ns = await t.namespace();
    const order = t.name('stale');
    const sa = serviceAccount(ns, order, order, 'a');
    await apply(t.portal(), [sa], order, 'a');
    const read: any = await t.portal().get(refOf(sa));
    await apply(
      t.portal(),
      [serviceAccount(ns, order, order, 'a', { v: '2' })],
      order,
      'a',
    );
    await expect(
      t
        .portal()
        .apply(
          {
            ...sa,
            metadata: {
              ...sa.metadata,
              resourceVersion: read.metadata.resourceVersion,
            },
          } as OrderObject,
          { fieldManager: 'kebap-portal' },
        ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/the object has been modified/),
    });
  });

  it('never forces: a field another manager set differently is a ConflictError', async () => {
    const t = target();
    const ns = await t.namespace();
    const order = t.name('owned');
    const sa = serviceAccount(ns, order, order, 'a', { tier: 'gold' });
    await apply(t.portal(), [sa], order, 'a');
    await t
      .portal()
      .apply(
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: order, namespace: ns, labels: { tier: 'silver' } },
        } as OrderObject,
        { fieldManager: 'someone-else', force: true },
      );
    await expect(
      apply(
        t.portal(),
        [serviceAccount(ns, order, order, 'a', { tier: 'gold' })],
        order,
        'a',
      ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/conflict with "someone-else"/),
    });
  });

  it('answers like the API server: a missing object, a bad name, a taken name', async () => {
    const t = target();
    const ns = await t.namespace();
    const client = t.portal();
    expect(
      await client.get({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        namespace: ns,
        name: 'nobody',
      }),
    ).toBeUndefined();
    expect(
      await client.delete({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        namespace: ns,
        name: 'nobody',
      }),
    ).toBeUndefined();
    await expect(
      client.create(
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'Not_A_Name', namespace: ns },
        } as OrderObject,
        { fieldManager: 'kebap-portal' },
      ),
    ).rejects.toMatchObject({ name: 'InputError' });
    await client.create(
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'taken', namespace: ns },
      } as OrderObject,
      { fieldManager: 'kebap-portal' },
    );
    await expect(
      client.create(
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'taken', namespace: ns },
        } as OrderObject,
        { fieldManager: 'kebap-portal' },
      ),
    ).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/already exists/),
    });
    await expect(
      client.create(
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'x', namespace: t.name('gone') },
        } as OrderObject,
        { fieldManager: 'kebap-portal' },
      ),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('deletes phase by phase: the Stack first; what it needs becomes its dependent and goes with it; nothing deleted twice', async () => {
    const t = target();
    const order = t.name('dc');
    const ns = await t.namespace();
    const elsewhere = await t.namespace();
    const m = meta(order, 'a');
    const objects: OrderObject[] = [
      {
        apiVersion: 'pulumi.com/v1',
        kind: 'Stack',
        metadata: {
          name: order,
          namespace: ns,
          ...m,
          finalizers: ['test.kebap.io/destroy'],
        },
        spec: {
          stack: `kebap/databases/${order}`,
          programRef: { name: order },
          destroyOnFinalize: true,
        },
      } as unknown as OrderObject,
      {
        apiVersion: 'pulumi.com/v1',
        kind: 'Program',
        metadata: { name: order, namespace: ns, ...m },
        program: { resources: {} },
      } as unknown as OrderObject,
      serviceAccount(ns, `${order}-runner`, order, 'a'),
      // not needed by the destroy (another namespace, like a database's
      // share in its owner's namespace): deleted at once
      serviceAccount(elsewhere, `${order}-reader`, order, 'a'),
    ];
    await apply(t.portal(), objects, order, 'a');
    const refs = objects.map(refOf);
    const remove = (waitMs: number) =>
      deleteObjects({
        client: t.portal(),
        refs,
        mayDelete: mayOverwrite(order, 'a'),
        waitMs,
        pollMs: 100,
      });
    const [stack, program, runner, reader] = objects.map(o =>
      refString(refOf(o)),
    );
    const first = await remove(300);
    expect(first.deleted).toEqual([reader]);
    expect(first.pending).toEqual([
      { ref: stack, state: 'deleting', finalizers: ['test.kebap.io/destroy'] },
      { ref: program, state: 'waiting', until: [stack] },
      { ref: runner, state: 'waiting', until: [stack] },
    ]);
    const marked: any = await t.portal().get(refOf(objects[0]));
    expect(marked.metadata.deletionTimestamp).toBeTruthy();
    const kept: any = await t.portal().get(refOf(objects[1]));
    expect(kept.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'Stack',
        name: order,
        uid: marked.metadata.uid,
      }),
    ]);
    // a second decommission: nothing deleted twice, the same pending
    const second = await remove(0);
    expect(second.deleted).toEqual([]);
    expect(second.pending).toEqual(first.pending);
    expect(
      ((await t.portal().get(refOf(objects[0]))) as any).metadata
        .deletionTimestamp,
    ).toBe(marked.metadata.deletionTimestamp);
    expect(
      ((await t.portal().get(refOf(objects[1]))) as any).metadata
        .ownerReferences,
    ).toHaveLength(1);
    // the Operator's destroy is done: the garbage collector removes the rest
    await t.finalize(refOf(objects[0]));
    const deadline = Date.now() + 20_000;
    let left = await listOrderObjects({
      client: t.portal(),
      labelSelector: `kebap.io/order=${order}`,
    });
    while (left.length && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 200));
      left = await listOrderObjects({
        client: t.portal(),
        labelSelector: `kebap.io/order=${order}`,
      });
    }
    expect(left).toEqual([]);
    expect(await remove(0)).toEqual({ deleted: [], pending: [] });
  });
}

describe('order writes against the API test double', () => {
  let api: FakeKubernetesApi;
  let n = 0;
  beforeAll(async () => {
    api = await FakeKubernetesApi.start();
  });
  afterAll(() => api.stop());
  const client = () =>
    new KubernetesClient({
      baseUrl: api.baseUrl,
      logger: silent,
      retry: { attempts: 2, baseDelayMs: 5 },
    });
  scenarios(() => ({
    portal: client,
    otherPortal: client,
    name: prefix => `${prefix}-${++n}`,
    namespace: async () => {
      const name = `ns-${++n}`;
      api.seed(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
        { manager: 'platform' },
      );
      return name;
    },
    finalize: async ref => api.finalize(ref as any),
  }));
});

describeRealKubernetes('order writes against the real API server', kube => {
  scenarios(() => ({
    portal: () => kube().client(),
    otherPortal: () => kube().client(),
    name: prefix => kube().uniqueName(prefix),
    namespace: async () => {
      const name = kube().uniqueName('ns');
      await kube().ensureNamespaces(name);
      return name;
    },
    // the controller behind the finalizer is done: it removes its finalizer
    finalize: async ref => {
      const path = `${
        ref.apiVersion.includes('/')
          ? `/apis/${ref.apiVersion}`
          : `/api/${ref.apiVersion}`
      }/namespaces/${ref.namespace}/stacks/${ref.name}`;
      await kube()
        .client()
        .request(
          'PATCH',
          path,
          { metadata: { finalizers: null } },
          'application/merge-patch+json',
        );
    },
  }));
});
