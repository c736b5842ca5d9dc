import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { createRecordingLogger } from '../testing/createRecordingLogger';
import { GitopsDelivery, MayOverwrite } from './GitopsDelivery';
import { Order, OrderObject } from './OrderDelivery';

const sameOwner: MayOverwrite = (existing, target) =>
  existing.metadata.annotations?.['kebap.io/owner-ref'] === target.ownerRef
    ? true
    : `ordered by ${existing.metadata.annotations?.['kebap.io/owner-ref']}`;

function object(
  kind: string,
  name: string,
  owner: string,
  extra = {},
): OrderObject {
  return {
    apiVersion: 'v1',
    kind,
    metadata: { name, annotations: { 'kebap.io/owner-ref': owner } },
    ...extra,
  };
}

function order(
  orderName: string,
  owner = 'group:default/team-a',
  objects?: OrderObject[],
): Order {
  return {
    env: 'dev',
    name: orderName,
    part: 'vcluster',
    ownerRef: owner,
    objects: objects ?? [object('Namespace', `vc-${orderName}`, owner)],
    requestedBy: 'user:default/guest',
    taskId: 'task-1',
  };
}

describe('GitopsDelivery', () => {
  let dir: string;
  let delivery: GitopsDelivery;
  const logger = createRecordingLogger();

  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'gitops-'));
    delivery = new GitopsDelivery({
      repoPath: path.join(dir, 'repo'),
      mayOverwrite: sameOwner,
    });
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  const log = () => git.log({ fs, dir: delivery.repoPath });

  it('refuses to replace a part that holds another kind of order, even under other object names', async () => {
    const labelled = (name: string, kind: string) => ({
      ...object('Namespace', name, 'group:default/team-a'),
      metadata: {
        name,
        labels: { 'kebap.io/kind': kind },
        annotations: { 'kebap.io/owner-ref': 'group:default/team-a' },
      },
    });
    const first = await delivery.deliver(
      order('alpha', 'group:default/team-a', [labelled('ns-a', 'cluster')]),
      { logger },
    );
    await expect(
      delivery.deliver(
        order('alpha', 'group:default/team-a', [labelled('ns-b', 'database')]),
        { logger },
      ),
    ).rejects.toThrow(
      'Order dev/alpha is a cluster order; a database order cannot take its name (choose another name); nothing was written. v1/Namespace/ns-a',
    );
    expect((await log())[0].oid).toBe(first.commit);
    // the same kind replaces the part as before
    await delivery.deliver(
      order('alpha', 'group:default/team-a', [labelled('ns-c', 'cluster')]),
      { logger },
    );
    expect(
      (await delivery.readFolder('orders/dev/alpha/vcluster')).size,
    ).toBe(1);
  });

  it('creates the repository on first use and commits one file per object in orders/<env>/<name>/', async () => {
    const result = await delivery.deliver(
      order('alpha', 'group:default/team-a', [
        object('Namespace', 'vc-alpha', 'group:default/team-a'),
        {
          ...object('ResourceQuota', 'quota', 'group:default/team-a'),
          metadata: {
            name: 'quota',
            namespace: 'vc-alpha',
            annotations: { 'kebap.io/owner-ref': 'group:default/team-a' },
          },
        },
      ]),
      { logger },
    );
    expect(result).toEqual({
      mode: 'gitops',
      refs: ['v1/Namespace/vc-alpha', 'v1/ResourceQuota/vc-alpha/quota'],
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      folder: 'orders/dev/alpha/vcluster',
      changed: true,
    });
    const commits = await log();
    expect(commits.map(c => c.commit.message.trim())).toEqual([
      'Order dev/alpha (vcluster) for group:default/team-a by user:default/guest (task task-1)',
      'Create the orders repository',
    ]);
    const files = await git.listFiles({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    expect(files.sort()).toEqual([
      'README.md',
      'orders/dev/alpha/vcluster/namespace-vc-alpha.yaml',
      'orders/dev/alpha/vcluster/resourcequota-vc-alpha.quota.yaml',
    ]);
    const ns = yaml.parse(
      fs.readFileSync(
        path.join(
          delivery.repoPath,
          'orders/dev/alpha/vcluster/namespace-vc-alpha.yaml',
        ),
        'utf8',
      ),
    );
    expect(ns.metadata.name).toBe('vc-alpha');
  });

  it('converges on a re-run: same manifests, no new commit', async () => {
    const first = await delivery.deliver(order('alpha'), { logger });
    const second = await delivery.deliver(order('alpha'), { logger });
    expect(second.commit).toBe(first.commit);
    expect(second.changed).toBe(false);
    expect(await log()).toHaveLength(2);
  });

  it('refuses an order folder that belongs to another owner and writes nothing', async () => {
    const first = await delivery.deliver(
      order('alpha', 'group:default/team-a'),
      { logger },
    );
    await expect(
      delivery.deliver(order('alpha', 'group:default/team-b'), { logger }),
    ).rejects.toThrow(
      'Order dev/alpha already exists and is not yours to change; nothing was written. v1/Namespace/vc-alpha: ordered by group:default/team-a',
    );
    expect(
      await git.resolveRef({ fs, dir: delivery.repoPath, ref: 'HEAD' }),
    ).toBe(first.commit);
    const matrix = await git.statusMatrix({ fs, dir: delivery.repoPath });
    expect(matrix.every(([, h, w, s]) => h === 1 && w === 1 && s === 1)).toBe(
      true,
    );
  });

  it('removes files of objects the order no longer has', async () => {
    await delivery.deliver(
      order('alpha', undefined, [
        object('Namespace', 'vc-alpha', 'group:default/team-a'),
        object('ConfigMap', 'old', 'group:default/team-a'),
      ]),
      { logger },
    );
    await delivery.deliver(order('alpha'), { logger });
    const files = await git.listFiles({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    expect(files).not.toContain('orders/dev/alpha/vcluster/configmap-old.yaml');
    expect(files).toContain(
      'orders/dev/alpha/vcluster/namespace-vc-alpha.yaml',
    );
  });

  it('keeps the other parts of an order when one part is delivered again', async () => {
    await delivery.deliver(order('alpha'), { logger });
    await delivery.deliver(
      {
        ...order('alpha'),
        part: 'registration',
        objects: [object('Secret', 'cluster-alpha', 'group:default/team-a')],
      },
      { logger },
    );
    await delivery.deliver(order('alpha'), { logger });
    const files = await git.listFiles({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    expect(files.sort()).toEqual([
      'README.md',
      'orders/dev/alpha/registration/secret-cluster-alpha.yaml',
      'orders/dev/alpha/vcluster/namespace-vc-alpha.yaml',
    ]);
  });

  it('decommissions an order with a commit that removes its folder', async () => {
    await delivery.deliver(order('alpha'), { logger });
    const removed = await delivery.remove(order('alpha'), { logger });
    expect(removed.changed).toBe(true);
    expect(removed.refs).toEqual(['v1/Namespace/vc-alpha']);
    const files = await git.listFiles({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    expect(files).toEqual(['README.md']);
    expect((await log())[0].commit.message).toContain('Decommission dev/alpha');
    expect(
      fs.existsSync(path.join(delivery.repoPath, 'orders/dev/alpha')),
    ).toBe(false);
  });

  it('refuses to decommission an order of another owner', async () => {
    await delivery.deliver(order('alpha', 'group:default/team-a'), { logger });
    await expect(
      delivery.remove(order('alpha', 'group:default/team-b'), { logger }),
    ).rejects.toThrow(/not yours to change/);
    expect(
      fs.existsSync(path.join(delivery.repoPath, 'orders/dev/alpha')),
    ).toBe(true);
  });

  it('refuses names that are not DNS-1123 labels as folder names', async () => {
    await expect(
      delivery.deliver({ ...order('x'), name: '../../etc' }, { logger }),
    ).rejects.toThrow("name: '../../etc' is not a DNS-1123 label");
    expect(fs.existsSync(delivery.repoPath)).toBe(false);
  });

  it('serialises concurrent orders: every one is committed', async () => {
    const names = ['a1', 'a2', 'a3', 'a4', 'a5'];
    await Promise.all(names.map(n => delivery.deliver(order(n), { logger })));
    const files = await git.listFiles({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    for (const n of names)
      expect(files).toContain(
        `orders/dev/${n}/vcluster/namespace-vc-${n}.yaml`,
      );
    expect(await log()).toHaveLength(names.length + 1);
  });
});
