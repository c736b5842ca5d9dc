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
    kind: 'ResourceQuota',
    metadata: { name: 'quota', namespace: 'vc-alpha', ...meta },
    spec: { hard: { pods: '10' } },
  },
  {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'limits', namespace: 'vc-alpha', ...meta },
    spec: { limits: [{ type: 'Container' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'vc-alpha', ...meta },
  },
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
      'LimitRange/limits',
      'Namespace/vc-alpha',
      'ResourceQuota/quota',
    ]);
    expect(api.calls.filter(c => /\/api\/v1\/(.*\/)?secrets/.test(c.path))).toEqual(
      [],
    );
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
    expect(api.objects()).toEqual([]);
  });

  it('applies the Namespace before the objects in it, and converges on a re-run', async () => {
    const first = await applyObjects({
      client,
      objects: order(),
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger,
    });
    expect(first.created.sort()).toEqual([
      'v1/LimitRange/vc-alpha/limits',
      'v1/Namespace/vc-alpha',
      'v1/ResourceQuota/vc-alpha/quota',
    ]);
    const patches = api.calls
      .filter(c => c.method === 'PATCH')
      .map(c => c.path);
    expect(patches[0]).toBe('/api/v1/namespaces/vc-alpha');
    const versions = api
      .objects()
      .map(o => o.metadata.resourceVersion)
      .sort();
    const second = await applyObjects({
      client,
      objects: order(),
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger,
    });
    expect(second.updated).toHaveLength(3);
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
        kind: 'Namespace',
        metadata: { name: 'vc-alpha', labels: { team: 'b' } },
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
      "Refusing to write over objects that are not this order's; nothing was written. v1/Namespace/vc-alpha: not created by the portal",
    );
    expect(api.calls.filter(c => c.method === 'PATCH')).toEqual([]);
    expect(api.objects()).toEqual(before);
  });

  it('names what was applied and what was not when it gives up, and a re-run completes the order', async () => {
    api.injectFault({
      method: 'PATCH',
      pathPattern: /limitranges/,
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
      /Order partly applied\. applied: v1\/Namespace\/vc-alpha, v1\/ResourceQuota\/vc-alpha\/quota; not applied: v1\/LimitRange\/vc-alpha\/limits; cause: .*HTTP 503/,
    );
    const again = await applyObjects({
      client,
      objects: order(),
      fieldManager: 'kebap-portal',
      mayOverwrite,
      logger,
    });
    expect(again.created).toEqual(['v1/LimitRange/vc-alpha/limits']);
    expect(api.objects()).toHaveLength(3);
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
    expect(api.objects()).toHaveLength(3);
    const deleted = await deleteObjects({
      client,
      refs,
      mayDelete: mayOverwrite,
    });
    expect(deleted.at(-1)).toBe('v1/Namespace/vc-alpha');
    expect(api.objects()).toEqual([]);
  });
});
