import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { mockServices } from '@backstage/backend-test-utils';
import { readCommittedOrders } from './readCommittedOrders';

const author = { name: 't', email: 't@localhost' };

describe('readCommittedOrders', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orders-'));
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  async function write(file: string, text: string) {
    await fs.promises.mkdir(path.dirname(path.join(dir, file)), {
      recursive: true,
    });
    await fs.promises.writeFile(path.join(dir, file), text);
    await git.add({ fs, dir, filepath: file });
  }

  it('has no orders without a repository or a commit', async () => {
    expect((await readCommittedOrders({ repoPath: dir })).orders.size).toBe(0);
    await git.init({ fs, dir });
    expect((await readCommittedOrders({ repoPath: dir })).orders.size).toBe(0);
  });

  it('groups the committed objects by order, with their part, and skips what is not an object', async () => {
    await git.init({ fs, dir });
    await write(
      'orders/dev/alpha/vcluster/namespace-.vc-alpha.yaml',
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: vc-alpha }\n',
    );
    await write(
      'orders/prod/db/stack.yaml',
      'apiVersion: pulumi.com/v1\nkind: Stack\nmetadata: { name: db }\n',
    );
    await write('orders/prod/db/broken.yaml', 'a: [');
    await write('orders/prod/db/notes.yaml', 'just: text\n');
    await write('README.md', '# orders\n');
    const oid = await git.commit({ fs, dir, message: 'orders', author });
    // not committed: not read
    await fs.promises.writeFile(
      path.join(dir, 'orders/dev/alpha/vcluster/extra.yaml'),
      'apiVersion: v1\nkind: LimitRange\nmetadata: { name: l }\n',
    );

    const logger = mockServices.logger.mock();
    const read = await readCommittedOrders({ repoPath: dir, logger });
    expect(read.oid).toBe(oid);
    expect([...read.orders.keys()].sort()).toEqual(['dev/alpha', 'prod/db']);
    expect(read.orders.get('dev/alpha')).toEqual({
      env: 'dev',
      name: 'alpha',
      folder: 'orders/dev/alpha',
      objects: [
        {
          part: 'vcluster',
          file: 'orders/dev/alpha/vcluster/namespace-.vc-alpha.yaml',
          object: {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: 'vc-alpha' },
          },
        },
      ],
    });
    expect(
      read.orders.get('prod/db')!.objects.map(o => [o.part, o.file]),
    ).toEqual([[undefined, 'orders/prod/db/stack.yaml']]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('Skipping orders/prod/db/broken.yaml: not YAML'),
    );
  });
});
