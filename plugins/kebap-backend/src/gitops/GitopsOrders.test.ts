import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { databaseOrder } from '../testing/orderFixtures';
import { CommittedOrdersReader } from '@internal/plugin-kebap-node';
import { GitopsOrders } from './GitopsOrders';

describe('GitopsOrders', () => {
  let dir: string;
  let time = 1764000000;
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orders-'));
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  const file = 'orders/dev/orders/database/stack.yaml';
  async function commit(message: string, content?: unknown) {
    const abs = path.join(dir, file);
    if (content === undefined) {
      await fs.promises.rm(abs);
      await git.remove({ fs, dir, filepath: file });
    } else {
      await fs.promises.mkdir(path.dirname(abs), { recursive: true });
      await fs.promises.writeFile(abs, yaml.stringify(content));
      await git.add({ fs, dir, filepath: file });
    }
    time += 3600;
    await git.commit({
      fs,
      dir,
      message,
      author: {
        name: 'p',
        email: 'p@localhost',
        timestamp: time,
        timezoneOffset: 0,
      },
    });
    return new Date(time * 1000).toISOString();
  }

  it('knows nothing without a repository or a commit', async () => {
    const orders = new GitopsOrders({
      repoPath: dir,
      logger: mockServices.logger.mock(),
    });
    expect(await orders.order('dev', 'orders')).toBeUndefined();
    await git.init({ fs, dir, defaultBranch: 'main' });
    expect(await orders.order('dev', 'orders')).toBeUndefined();
  });

  it('dates an order by its ordering commit since the last decommission, and follows HEAD', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    const { stack } = databaseOrder('orders');
    const orders = new GitopsOrders({
      repoPath: dir,
      logger: mockServices.logger.mock(),
    });
    await commit(
      'Order dev/orders (database) for group:default/team-payments by user:default/ann (task t-1)',
      stack,
    );
    await commit('Decommission dev/orders by user:default/ann (task t-2)');
    expect(await orders.order('dev', 'orders')).toBeUndefined();
    const second = await commit(
      'Order dev/orders (database) for group:default/team-payments by user:default/bob (task t-3)',
      stack,
    );
    await commit(
      'Order dev/orders (database) for group:default/team-payments (task t-4)',
      {
        ...stack,
        spec: { stack: 'acme/databases/dev-orders-2' },
      },
    );
    const order = await orders.order('dev', 'orders');
    expect(order).toMatchObject({
      env: 'dev',
      name: 'orders',
      committedAt: second,
      requestedBy: 'user:default/bob',
    });
    expect((order!.objects[0].spec as any).stack).toBe(
      'acme/databases/dev-orders-2',
    );
  });

  it('follows HEAD commit by commit as a full read would date it, with one line per order in a commit of several', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    const { stack } = databaseOrder('orders');
    const orders = new GitopsOrders({
      repoPath: dir,
      logger: mockServices.logger.mock(),
    });
    const first = await commit(
      'Order dev/orders (database) for group:default/team-payments by user:default/ann (task t-1)',
      stack,
    );
    expect(await orders.order('dev', 'orders')).toMatchObject({
      committedAt: first,
      requestedBy: 'user:default/ann',
    });
    await commit('Decommission dev/orders by user:default/ann (task t-2)');
    expect(await orders.order('dev', 'orders')).toBeUndefined();
    // a commit of several orders (the delivery batches orders that arrive together)
    const batch = await commit(
      [
        'Orders: 2 changes',
        '',
        'Order dev/other (database) for group:default/team-a by user:default/eve (task t-3)',
        'Order dev/orders (database) for group:default/team-payments by user:default/bob (task t-4)',
      ].join('\n'),
      stack,
    );
    const order = await orders.order('dev', 'orders');
    expect(order).toMatchObject({
      committedAt: batch,
      requestedBy: 'user:default/bob',
    });
    // the same as a reader of its own reading everything at once
    const fresh = new GitopsOrders({
      repoPath: dir,
      logger: mockServices.logger.mock(),
      reader: new CommittedOrdersReader({ repoPath: dir }),
    });
    expect(await fresh.order('dev', 'orders')).toEqual(order);
    // a page view while HEAD does not move reads nothing again
    expect(await orders.all()).toBe(await orders.all());
  });

  it('reads the history again when HEAD no longer descends from the last read', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    const { stack } = databaseOrder('orders');
    const orders = new GitopsOrders({
      repoPath: dir,
      logger: mockServices.logger.mock(),
      reader: new CommittedOrdersReader({ repoPath: dir }),
    });
    await commit(
      'Order dev/orders (database) for group:default/a by user:default/ann',
      stack,
    );
    expect((await orders.order('dev', 'orders'))?.requestedBy).toBe(
      'user:default/ann',
    );
    // history rewritten: the ordering commit replaced by another
    const oid = await git.resolveRef({ fs, dir, ref: 'HEAD' });
    const { commit: c } = await git.readCommit({ fs, dir, oid });
    const replaced = await git.commit({
      fs,
      dir,
      message:
        'Order dev/orders (database) for group:default/a by user:default/zoe',
      tree: c.tree,
      parent: c.parent,
      author: {
        name: 'p',
        email: 'p@localhost',
        timestamp: time + 7200,
        timezoneOffset: 0,
      },
    });
    await git.writeRef({
      fs,
      dir,
      ref: 'refs/heads/main',
      value: replaced,
      force: true,
    });
    expect(await orders.order('dev', 'orders')).toMatchObject({
      commit: replaced,
      requestedBy: 'user:default/zoe',
    });
  });

  it('reads through the shared reader of the repository', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    const { stack } = databaseOrder('orders');
    await commit('Order dev/orders (database) for group:default/a', stack);
    const orders = new GitopsOrders({
      repoPath: dir,
      logger: mockServices.logger.mock(),
    });
    const shared = CommittedOrdersReader.forPath(dir);
    expect(await orders.order('dev', 'orders')).toBeDefined();
    expect(shared.current()?.orders.has('dev/orders')).toBe(true);
    expect(shared.stats.fullReads).toBe(1);
    // a new HEAD: the reader's git log, diff-tree and cat-file, nothing more
    const commands = shared.stats.gitCommands;
    const at = await commit(
      'Order dev/orders (database) for group:default/a by user:default/cy',
      { ...stack, spec: { stack: 'acme/databases/changed' } },
    );
    const order = await orders.order('dev', 'orders');
    expect((order!.objects[0].spec as any).stack).toBe(
      'acme/databases/changed',
    );
    expect(order!.committedAt).not.toBe(at); // still dated by its first Order
    expect(shared.stats.gitCommands - commands).toBe(3);
  });

  it('answers from the previous HEAD when the new one takes longer than maxWaitMs to read, and catches up', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    const { stack } = databaseOrder('orders');
    await commit('Order dev/orders (database) for group:default/a', stack);
    const reader = new CommittedOrdersReader({ repoPath: dir });
    const orders = new GitopsOrders({
      repoPath: dir,
      logger: mockServices.logger.mock(),
      reader,
      maxWaitMs: 20,
    });
    expect(
      ((await orders.order('dev', 'orders'))!.objects[0].spec as any).stack,
    ).toBe('acme/databases/dev-orders');
    await commit('Order dev/orders (database) for group:default/a', {
      ...stack,
      spec: { stack: 'acme/databases/changed' },
    });
    const read = reader.read.bind(reader);
    let release!: () => void;
    const slow = new Promise<void>(r => (release = r));
    const spy = jest.spyOn(reader, 'read').mockImplementation(async () => {
      await slow;
      return read();
    });
    // the new HEAD is not read yet: the order as it was
    expect(
      ((await orders.order('dev', 'orders'))!.objects[0].spec as any).stack,
    ).toBe('acme/databases/dev-orders');
    release();
    spy.mockRestore();
    // without a limit, all() waits for it
    await orders.all();
    expect(
      ((await orders.order('dev', 'orders'))!.objects[0].spec as any).stack,
    ).toBe('acme/databases/changed');
  });
});
