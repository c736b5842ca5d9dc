import { mockServices } from '@backstage/backend-test-utils';
import type { OrderObject } from '@internal/plugin-kebap-common';
import { describeRealKubernetes } from '../testing/RealKubernetes';
import { KebapClusterCache, OrderChange } from './KebapClusterCache';

/** Polls `check` every 50 ms until it holds; fails after `ms` naming `what`. */
async function until(
  check: () => boolean,
  what: string,
  ms = 30_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 50));
  }
}

const labels = (order: string) => ({
  'app.kubernetes.io/managed-by': 'kebap-portal',
  'kebap.io/order': order,
  'kebap.io/env': 'dev',
});

describeRealKubernetes(
  'KebapClusterCache against the real API server',
  kube => {
    let cache: KebapClusterCache | undefined;
    afterEach(async () => {
      await cache?.stop();
      cache = undefined;
    });

    it('indexes real watches by order: /status writes reach the order, label moves and deletions follow, unlabelled objects stay out', async () => {
      const ns = kube().uniqueName();
      const order = kube().uniqueName('o');
      const next = kube().uniqueName('o');
      await kube().ensureNamespaces(ns);
      const client = kube().client();
      const stack = (name: string, l: Record<string, string>) =>
        ({
          apiVersion: 'pulumi.com/v1',
          kind: 'Stack',
          metadata: { name, namespace: ns, labels: l },
          spec: { stack: `acme/${name}/dev`, programRef: { name } },
        } as OrderObject);
      const ref = (name: string) => ({
        apiVersion: 'pulumi.com/v1',
        kind: 'Stack',
        namespace: ns,
        name,
      });
      await client.apply(stack('s1', labels(order)), {
        fieldManager: 'kebap-portal',
      });
      // the order's labels but not the portal's: not the portal's object
      const { 'app.kubernetes.io/managed-by': _m, ...stray } = labels(order);
      await client.apply(stack('stray', stray), {
        fieldManager: 'someone-else',
      });

      cache = new KebapClusterCache({
        clusters: [{ name: 'hub', client }],
        logger: mockServices.logger.mock(),
        argocdNamespace: ns,
      });
      const changes: OrderChange[] = [];
      cache.onChange(c => changes.push(c));
      cache.start();
      expect(await cache.waitForSync(20_000)).toBe(true);
      expect(cache.state()).toEqual([{ cluster: 'hub', synced: true }]);
      const held = (o: string) =>
        (cache!.order(o, 'dev')[0]?.objects ?? [])
          .map(x => `${x.kind}/${x.metadata.name}`)
          .sort();
      expect(held(order)).toEqual(['Stack/s1']);
      // what the real server sends carries managedFields; the cache drops them
      const [cached] = cache.order(order, 'dev')[0].objects;
      expect(cached.metadata).not.toHaveProperty('managedFields');
      expect(cached.metadata).toHaveProperty('resourceVersion');
      const firstSeen = cache.order(order, 'dev')[0].observedAt!;

      // the Stack's operator writes status (the /status subresource)
      await kube().setStatus({
        ...ref('s1'),
        status: {
          lastUpdate: { state: 'succeeded', lastSuccessfulCommit: 'abc' },
          outputs: { host: 'db.internal' },
        },
      });
      await until(
        () =>
          (cache!.order(order, 'dev')[0]?.objects[0] as any)?.status?.lastUpdate
            ?.state === 'succeeded',
        'the status in the cache',
      );
      expect(cache.order(order, 'dev')[0].observedAt! >= firstSeen).toBe(true);
      expect(changes).toContainEqual({ cluster: 'hub', order, env: 'dev' });

      // a second collection of the same order
      await client.apply(
        {
          apiVersion: 'pulumi.com/v1',
          kind: 'Program',
          metadata: { name: 's1', namespace: ns, labels: labels(order) },
          program: {},
        } as OrderObject,
        { fieldManager: 'kebap-portal' },
      );
      await until(() => held(order).length === 2, 'the Program');
      expect(held(order)).toEqual(['Program/s1', 'Stack/s1']);

      // the Stack moves to another order
      await client.apply(stack('s1', labels(next)), {
        fieldManager: 'kebap-portal',
      });
      await until(
        () => held(next).join() === 'Stack/s1',
        's1 in the next order',
      );
      expect(held(order)).toEqual(['Program/s1']);
      expect(
        (cache.order(next, 'dev')[0].objects[0] as any).status.lastUpdate.state,
      ).toBe('succeeded');

      // deleted (Foreground, as the portal deletes: a finalizer first, cleared
      // by the garbage collector) and gone from the cache
      await client.delete(ref('s1'));
      await until(() => cache!.order(next, 'dev').length === 0, 's1 to go');
      expect(held(order)).toEqual(['Program/s1']);
      expect(cache.state()).toEqual([{ cluster: 'hub', synced: true }]);
      expect(JSON.stringify(cache.orders())).not.toContain('"stray"');
    });
  },
);
