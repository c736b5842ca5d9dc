import { describeRealKubernetes } from '../testing/RealKubernetes';
import type { OrderObject } from '@internal/plugin-kebap-common';

const cm = (namespace: string, name: string, data: Record<string, string>) =>
  ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace, labels: data },
  } as OrderObject);

describeRealKubernetes('KubernetesClient against the real API server', kube => {
  it('creates once: a second create of the name is a ConflictError; claimed and applied, the creator owns its fields as Apply', async () => {
    const ns = kube().uniqueName();
    await kube().ensureNamespaces(ns);
    const client = kube().client();
    const created = await client.create(cm(ns, 'a', { k: 'v1' }), {
      fieldManager: 'kebap-portal',
    });
    await expect(
      client.create(cm(ns, 'a', { k: 'v2' }), { fieldManager: 'kebap-portal' }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    const claimed: any = await client.claimForApply(created as any, {
      fieldManager: 'kebap-portal',
    });
    expect(
      claimed.metadata.managedFields.map((f: any) => [f.manager, f.operation]),
    ).toEqual([['kebap-portal', 'Apply']]);
    const owned: any = await client.apply(cm(ns, 'a', { k: 'v1' }), {
      fieldManager: 'kebap-portal',
    });
    expect(
      owned.metadata.managedFields.map((f: any) => [f.manager, f.operation]),
    ).toEqual([['kebap-portal', 'Apply']]);
    // applied again unchanged: not even managedFields change
    const again: any = await client.apply(cm(ns, 'a', { k: 'v1' }), {
      fieldManager: 'kebap-portal',
    });
    expect(again.metadata.resourceVersion).toBe(owned.metadata.resourceVersion);
    // a changed value applied by the same manager is no conflict with itself
    const applied: any = await client.apply(cm(ns, 'a', { k: 'v3' }), {
      fieldManager: 'kebap-portal',
    });
    expect(applied.metadata.labels).toEqual({ k: 'v3' });
    // another manager's different value is a conflict
    await expect(
      client.apply(cm(ns, 'a', { k: 'v4' }), { fieldManager: 'someone-else' }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
  });

  it('claimForApply refuses an object that changed after it was read', async () => {
    const ns = kube().uniqueName();
    await kube().ensureNamespaces(ns);
    const client = kube().client();
    const created = await client.create(cm(ns, 'b', { k: 'v1' }), {
      fieldManager: 'kebap-portal',
    });
    await client.apply(cm(ns, 'b', { other: 'x' }), { fieldManager: 'other' });
    await expect(
      client.claimForApply(created as any, { fieldManager: 'kebap-portal' }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
  });
});
