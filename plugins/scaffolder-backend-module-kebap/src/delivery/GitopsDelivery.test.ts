import { execFileSync } from 'node:child_process';
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
    expect((await delivery.readFolder('orders/dev/alpha/vcluster')).size).toBe(
      1,
    );
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

  const reflog = () =>
    execFileSync('git', ['reflog', 'refs/heads/main'], {
      cwd: delivery.repoPath,
    })
      .toString()
      .trim()
      .split('\n');

  it('commits the orders that arrive together in one write, one commit each, the first of two orders of one name winning', async () => {
    await delivery.deliver(order('first'), { logger });
    const updates = reflog().length;
    const submitted = [
      order('a1'),
      order('race', 'group:default/team-a'),
      order('a2'),
      order('race', 'group:default/team-b'),
      order('same', 'group:default/team-b'),
      order('same', 'group:default/team-b'),
    ];
    const outcomes = await Promise.allSettled(
      submitted.map(o => delivery.deliver(o, { logger })),
    );
    expect(outcomes.map(o => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const refused = outcomes[3] as PromiseRejectedResult;
    expect(refused.reason.name).toBe('ConflictError');
    expect(refused.reason.message).toBe(
      'Order dev/race already exists and is not yours to change; nothing was written. v1/Namespace/vc-race: ordered by group:default/team-a',
    );
    const results = outcomes.map(o =>
      o.status === 'fulfilled' ? o.value : undefined,
    );
    // the duplicate of the same team converges on the first one's commit
    expect(results[4]!.changed).toBe(true);
    expect(results[5]!.changed).toBe(false);
    expect(results[5]!.commit).toBe(results[4]!.commit);
    // one branch update for the whole batch, one commit per order, in order
    expect(reflog()).toHaveLength(updates + 1);
    const messages = (await log()).map(c => c.commit.message.trim());
    expect(messages.slice(0, 4).reverse()).toEqual([
      'Order dev/a1 (vcluster) for group:default/team-a by user:default/guest (task task-1)',
      'Order dev/race (vcluster) for group:default/team-a by user:default/guest (task task-1)',
      'Order dev/a2 (vcluster) for group:default/team-a by user:default/guest (task task-1)',
      'Order dev/same (vcluster) for group:default/team-b by user:default/guest (task task-1)',
    ]);
    expect(results[2]!.commit).toBe((await log())[1].oid);
    // the winner's files, and a clean working tree and index
    const race = await delivery.readFolder('orders/dev/race');
    expect(
      [...race.values()].map(
        o => o.metadata.annotations?.['kebap.io/owner-ref'],
      ),
    ).toEqual(['group:default/team-a']);
    const matrix = await git.statusMatrix({ fs, dir: delivery.repoPath });
    expect(matrix.every(([, h, w, st]) => h === 1 && w === 1 && st === 1)).toBe(
      true,
    );
  });

  it('applies a batch as if its changes came one by one: decommission then order again, part after part', async () => {
    await delivery.deliver(order('alpha'), { logger });
    const [removed, again, part] = await Promise.all([
      delivery.remove(order('alpha'), { logger }),
      delivery.deliver(order('alpha', 'group:default/team-b'), { logger }),
      delivery.deliver(
        {
          ...order('alpha', 'group:default/team-b'),
          part: 'registration',
          objects: [object('Secret', 'cluster-alpha', 'group:default/team-b')],
        },
        { logger },
      ),
    ]);
    expect([removed.changed, again.changed, part.changed]).toEqual([
      true,
      true,
      true,
    ]);
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
    const messages = (await log()).map(c => c.commit.message.trim());
    expect(messages.slice(0, 3)).toEqual([
      'Order dev/alpha (registration) for group:default/team-b by user:default/guest (task task-1)',
      'Order dev/alpha (vcluster) for group:default/team-b by user:default/guest (task task-1)',
      'Decommission dev/alpha by user:default/guest (task task-1)',
    ]);
    // each commit holds what its change left
    const afterRemoval = await git.listFiles({
      fs,
      dir: delivery.repoPath,
      ref: removed.commit,
    });
    expect(afterRemoval).toEqual(['README.md']);
  });

  it('fails every change of a batch whose write fails, and commits none of them', async () => {
    await delivery.deliver(order('first'), { logger });
    const head = await git.resolveRef({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    const real = fs.promises.writeFile;
    const spy = jest
      .spyOn(fs.promises, 'writeFile')
      .mockImplementation(async (...args: Parameters<typeof real>) => {
        if (String(args[0]).includes('/orders/dev/b2/')) {
          throw Object.assign(new Error('ENOSPC: no space left on device'), {
            code: 'ENOSPC',
          });
        }
        return real(...args);
      });
    let outcomes: PromiseSettledResult<unknown>[];
    try {
      outcomes = await Promise.allSettled(
        ['b1', 'b2', 'b3'].map(n => delivery.deliver(order(n), { logger })),
      );
    } finally {
      spy.mockRestore();
    }
    expect(outcomes.map(o => o.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(
      await git.resolveRef({ fs, dir: delivery.repoPath, ref: 'HEAD' }),
    ).toBe(head);
    expect(fs.existsSync(path.join(delivery.repoPath, 'orders/dev/b1'))).toBe(
      false,
    );
    // the next order commits alone, nothing of the failed batch with it
    await delivery.deliver(order('c1'), { logger });
    const files = await git.listFiles({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    expect(files.filter(f => f.includes('/b'))).toEqual([]);
  });

  it('leaves the working tree and the index as HEAD has them when the commit fails', async () => {
    await delivery.deliver(order('first'), { logger });
    const head = await git.resolveRef({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    // another git process holds the branch: the commit cannot move it
    const lock = path.join(delivery.repoPath, '.git/refs/heads/main.lock');
    fs.writeFileSync(lock, '');
    await expect(delivery.deliver(order('second'), { logger })).rejects.toThrow(
      /fast-import/,
    );
    fs.rmSync(lock);
    expect(
      await git.resolveRef({ fs, dir: delivery.repoPath, ref: 'HEAD' }),
    ).toBe(head);
    const matrix = await git.statusMatrix({ fs, dir: delivery.repoPath });
    expect(
      matrix.filter(([, h, w, st]) => !(h === 1 && w === 1 && st === 1)),
    ).toEqual([]);
    expect(
      fs.existsSync(path.join(delivery.repoPath, 'orders/dev/second')),
    ).toBe(false);
    // and the next order goes through
    const next = await delivery.deliver(order('second'), { logger });
    expect(next.changed).toBe(true);
  });
});
