import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { databaseOrder } from '../testing/orderFixtures';
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
});
