import { mockServices } from '@backstage/backend-test-utils';
import {
  isOwnedBy,
  orderMetadata,
  OrderObject,
} from '@internal/plugin-kebap-common';
import { FakeKubernetesApi } from '../testing/FakeKubernetesApi';
import { KubernetesClient } from './KubernetesClient';
import { applyObjects, deleteObjects, listOrderObjects } from './applyObjects';

const meta = orderMetadata({
  orderName: 'alpha',
  owner: 'group:default/a',
  entityRef: 'resource:default/dev-alpha',
  env: 'dev',
  kind: 'vcluster',
});
const order = (): OrderObject[] => [
  {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'reader', namespace: 'vc-alpha', ...meta },
  },
  {
    apiVersion: 'pulumi.com/v1',
    kind: 'Program',
    metadata: { name: 'alpha', namespace: 'vc-alpha', ...meta },
    program: { resources: {} },
  } as unknown as OrderObject,
  {
    apiVersion: 'pulumi.com/v1',
    kind: 'Stack',
    metadata: { name: 'alpha', namespace: 'vc-alpha', ...meta },
    spec: { stack: 'kebap/alpha/alpha', programRef: { name: 'alpha' } },
  } as unknown as OrderObject,
];
const mayOverwrite = (o: OrderObject) =>
  isOwnedBy(o.metadata, { orderName: 'alpha', ownerRef: 'group:default/a' });

describe('applyObjects', () => {
  let api: FakeKubernetesApi;
  let client: KubernetesClient;
  const logger = mockServices.logger.mock();
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    client = new KubernetesClient({
      baseUrl: api.baseUrl,
      logger,
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10, timeoutMs: 200 },
    });
    // the namespace the orders go to exists: the platform made it
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'vc-alpha' } },
      { manager: 'platform' },
    );
  });
  afterEach(() => api.stop());

  it('lists an order’s objects by label over the kinds orders contain, never Secrets', async () => {
    for (const o of order()) api.seed(o, { manager: 'kebap-portal' });
    api.seed(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'labelled-alike', namespace: 'vc-alpha', ...meta },
      },
      { manager: 'someone-else' },
    );
    const found = await listOrderObjects({
      client,
      labelSelector: 'kebap.io/order=alpha,kebap.io/env=dev',
    });
    expect(found.map(o => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Program/alpha',
      'ServiceAccount/reader',
      'Stack/alpha',
    ]);
    expect(
      api.calls.filter(c => /\/api\/v1\/(.*\/)?secrets/.test(c.path)),
    ).toEqual([]);
  });

  it('refuses an order that contains a kind the portal only reads, before any call', async () => {
    const secret: OrderObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'vc-alpha', ...meta },
      stringData: { token: 'x' },
    };
    await expect(
      applyObjects({
        client,
        objects: [...order(), secret],
        fieldManager: 'kebap-portal',
        mayOverwrite,
        logger,
      }),
    ).rejects.toThrow(
      'kind: orders never contain a Secret (v1/Secret/vc-alpha/creds)',
    );
    expect(api.calls).toEqual([]);
    expect(api.objects().map(o => o.kind)).toEqual(['Namespace']);
  });

  it('creates what is absent, claims it, and converges on a re-run', async () => {
    const first = await applyObjects({
      client,
      objects: order(),
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger,
    });
    expect(first.created.sort()).toEqual([
      'pulumi.com/v1/Program/vc-alpha/alpha',
      'pulumi.com/v1/Stack/vc-alpha/alpha',
      'v1/ServiceAccount/vc-alpha/reader',
    ]);
    // created first (POST to its collection), then claimed as applied
    const writes = api.calls
      .filter(c => c.method === 'POST' || c.method === 'PATCH')
      .map(c => `${c.method} ${c.path}`)
      .filter(w => w.includes('serviceaccounts'));
    // create, claim the create's entry as applied, apply
    expect(writes).toEqual([
      'POST /api/v1/namespaces/vc-alpha/serviceaccounts',
      'PATCH /api/v1/namespaces/vc-alpha/serviceaccounts/reader',
      'PATCH /api/v1/namespaces/vc-alpha/serviceaccounts/reader',
    ]);
    const versions = api
      .objects()
      .map(o => o.metadata.resourceVersion)
      .sort();
    expect(versions).toHaveLength(4);
    const second = await applyObjects({
      client,
      objects: order(),
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger,
    });
    // nothing changed: reported unchanged, versions kept
    expect(second.unchanged).toHaveLength(3);
    expect(second.updated).toEqual([]);
    expect(
      api
        .objects()
        .map(o => o.metadata.resourceVersion)
        .sort(),
    ).toEqual(versions);
  });

  it('refuses, writing nothing, when an object belongs to someone else', async () => {
    api.seed(
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: 'reader',
          namespace: 'vc-alpha',
          labels: { team: 'b' },
        },
      },
      { manager: 'kubectl' },
    );
    const before = api.objects();
    await expect(
      applyObjects({
        client,
        objects: order(),
        fieldManager: 'kebap-portal',
        mayOverwrite,
        logger,
      }),
    ).rejects.toThrow(
      "Refusing to write over objects that are not this order's; nothing was written. v1/ServiceAccount/vc-alpha/reader: not created by the portal",
    );
    expect(api.calls.filter(c => c.method === 'PATCH')).toEqual([]);
    expect(api.objects()).toEqual(before);
  });

  it('names what was applied and what was not when it gives up, and a re-run completes the order', async () => {
    api.injectFault({
      method: 'POST',
      pathPattern: /stacks/,
      times: 3,
      fault: { status: 503 },
    });
    await expect(
      applyObjects({
        client,
        objects: order(),
        fieldManager: 'kebap-portal',
        mayOverwrite,
        logger,
        concurrency: 1,
      }),
    ).rejects.toThrow(
      /Order partly applied\. applied: v1\/ServiceAccount\/vc-alpha\/reader, pulumi.com\/v1\/Program\/vc-alpha\/alpha; not applied: pulumi.com\/v1\/Stack\/vc-alpha\/alpha; cause: .*HTTP 503/,
    );
    const again = await applyObjects({
      client,
      objects: order(),
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger,
    });
    expect(again.created).toEqual(['pulumi.com/v1/Stack/vc-alpha/alpha']);
    expect(api.objects()).toHaveLength(4);
  });

  it('claims on a re-run what an interrupted run created but did not claim', async () => {
    api.injectFault({
      method: 'PATCH',
      pathPattern: /programs/,
      times: 3,
      fault: { status: 503 },
    });
    await expect(
      applyObjects({
        client,
        objects: order(),
        fieldManager: 'kebap-portal',
        mayOverwrite,
        logger,
        concurrency: 1,
      }),
    ).rejects.toThrow(/Order partly applied/);
    const limits = () =>
      api.objects().find(o => o.kind === 'Program')!.metadata.managedFields;
    expect(limits()).toEqual([
      { manager: 'kebap-portal', operation: 'Update' },
    ]);
    await applyObjects({
      client,
      objects: order(),
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger,
    });
    expect(limits()).toEqual([{ manager: 'kebap-portal', operation: 'Apply' }]);
  });

  it('deletes an order, refusing objects of others', async () => {
    await applyObjects({
      client,
      objects: order(),
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger,
    });
    const refs = order().map(o => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
    }));
    await expect(
      deleteObjects({
        client,
        refs,
        mayDelete: o =>
          isOwnedBy(o.metadata, {
            orderName: 'alpha',
            ownerRef: 'group:default/b',
          }),
      }),
    ).rejects.toThrow(/nothing was deleted/);
    expect(api.objects()).toHaveLength(4);
    const deleted = await deleteObjects({
      client,
      refs,
      mayDelete: mayOverwrite,
    });
    // the Stack first (its controller needs the rest while it cleans up)
    expect(deleted.deleted[0]).toBe('pulumi.com/v1/Stack/vc-alpha/alpha');
    expect(deleted.deleted).toHaveLength(3);
    expect(deleted.pending).toEqual([]);
    expect(api.objects().map(o => o.kind)).toEqual(['Namespace']);
  });
});
