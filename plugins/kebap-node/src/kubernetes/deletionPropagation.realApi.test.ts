/*
 * Why the portal deletes Stacks with Background propagation, on the real
 * API server and its garbage collector (kube-controller-manager): the
 * Operator's Workspace is a dependent of the Stack (ownerReference,
 * blockOwnerDeletion) and must survive while the Stack's finalizer runs the
 * destroy in it (docs/upstream-contracts.md PKO-8, K8S-6). A ServiceAccount
 * with the same ownerReference stands in for the Workspace (no Operator
 * runs here).
 */
import type { OrderObject } from '@internal/plugin-kebap-common';
import { describeRealKubernetes } from '../testing/RealKubernetes';
import { deleteObjects } from './applyObjects';

describeRealKubernetes('deleting a Stack that holds a finalizer', kube => {
  async function stackWithDependent() {
    const ns = kube().uniqueName('gc');
    await kube().ensureNamespaces(ns);
    const client = kube().client();
    const stack: any = await client.create(
      {
        apiVersion: 'pulumi.com/v1',
        kind: 'Stack',
        metadata: {
          name: 'db',
          namespace: ns,
          finalizers: ['finalizer.stack.pulumi.com'],
        },
        spec: { stack: 'kebap/db/db' },
      } as unknown as OrderObject,
      { fieldManager: 'kebap-test' },
    );
    const workspace = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      namespace: ns,
      name: 'db-workspace',
    };
    await client.create(
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {
          name: workspace.name,
          namespace: ns,
          ownerReferences: [
            {
              apiVersion: 'pulumi.com/v1',
              kind: 'Stack',
              name: 'db',
              uid: stack.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      } as unknown as OrderObject,
      { fieldManager: 'pulumi-kubernetes-operator' },
    );
    return {
      client,
      ns,
      workspace,
      stackRef: {
        apiVersion: 'pulumi.com/v1',
        kind: 'Stack',
        namespace: ns,
        name: 'db',
      },
    };
  }

  /** Polls until `done` or the time is up; true when done. */
  async function eventually(done: () => Promise<boolean>, ms = 8000) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (await done()) return true;
      await new Promise(r => setTimeout(r, 250));
    }
    return false;
  }

  it('the portal (Background) keeps the dependent while the finalizer holds the Stack; Foreground would delete it first', async () => {
    const mine = await stackWithDependent();
    const removal = await deleteObjects({
      client: mine.client,
      refs: [mine.stackRef],
      mayDelete: () => true,
    });
    expect(removal.pending).toEqual([
      {
        ref: `pulumi.com/v1/Stack/${mine.ns}/db`,
        state: 'deleting',
        finalizers: ['finalizer.stack.pulumi.com'],
      },
    ]);

    const foreground = await stackWithDependent();
    await foreground.client.delete(foreground.stackRef, {
      propagationPolicy: 'Foreground',
    });
    // the garbage collector deletes the Foreground Stack's dependent while
    // the Stack is still held by its finalizer
    expect(
      await eventually(
        async () => !(await foreground.client.get(foreground.workspace)),
      ),
    ).toBe(true);
    const held: any = await foreground.client.get(foreground.stackRef);
    expect(held.metadata.finalizers).toEqual(
      expect.arrayContaining(['finalizer.stack.pulumi.com']),
    );
    // by then the collector has had its chance at the Background one too:
    // its Workspace stands, so the destroy can run in it
    expect(await mine.client.get(mine.workspace)).toBeDefined();
    expect(
      ((await mine.client.get(mine.stackRef)) as any).metadata
        .deletionTimestamp,
    ).toBeTruthy();

    // the Operator finishes: the Stack goes, then its dependent
    await mine.client.request(
      'PATCH',
      `/apis/pulumi.com/v1/namespaces/${mine.ns}/stacks/db`,
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    expect(
      await eventually(
        async () => !(await mine.client.get(mine.workspace)),
        20_000,
      ),
    ).toBe(true);
  });
});
