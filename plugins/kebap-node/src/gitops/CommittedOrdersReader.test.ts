import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { CommittedOrdersReader, changedOrders } from './CommittedOrdersReader';
import { readCommittedOrders } from './readCommittedOrders';
import { runGit } from './git';

const author = { name: 't', email: 't@localhost' };

const ns = (name: string, extra: Record<string, unknown> = {}) =>
  yaml.stringify({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
    ...extra,
  });

describe('CommittedOrdersReader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orders-'));
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  /** One commit: files written (text) or removed (null). */
  async function commit(files: Record<string, string | null>) {
    for (const [file, text] of Object.entries(files)) {
      const abs = path.join(dir, file);
      if (text === null) {
        await fs.promises.rm(abs);
        await git.remove({ fs, dir, filepath: file });
      } else {
        await fs.promises.mkdir(path.dirname(abs), { recursive: true });
        await fs.promises.writeFile(abs, text);
        await git.add({ fs, dir, filepath: file });
      }
    }
    return git.commit({ fs, dir, message: 'x', author });
  }

  const names = (r: { orders: ReadonlyMap<string, unknown> }) =>
    [...r.orders.keys()].sort();

  it('has no orders without a repository or a commit', async () => {
    const reader = new CommittedOrdersReader({ repoPath: dir });
    expect((await reader.read()).orders.size).toBe(0);
    await git.init({ fs, dir, defaultBranch: 'main' });
    const read = await reader.read();
    expect(read.read).toBe('empty');
    expect(read.oid).toBeUndefined();
    expect(reader.stats.gitCommands).toBe(0);
  });

  it('reads what changed since the last HEAD: add, change, remove and rename an order', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    await commit({
      'orders/dev/alpha/vcluster/namespace-vc-alpha.yaml': ns('vc-alpha'),
      'orders/dev/beta/vcluster/namespace-vc-beta.yaml': ns('vc-beta'),
      'README.md': '# orders\n',
    });
    const reader = new CommittedOrdersReader({ repoPath: dir });
    const first = await reader.read();
    expect(first.read).toBe('full');
    expect(names(first)).toEqual(['dev/alpha', 'dev/beta']);
    expect(reader.stats.filesParsed).toBe(2);

    // add
    await commit({
      'orders/prod/db/stack/stack-db.yaml': ns('db'),
      'README.md': '# orders, changed\n',
    });
    const added = await reader.read();
    expect(added.read).toBe('incremental');
    expect([...added.changed]).toEqual(['prod/db']);
    expect(names(added)).toEqual(['dev/alpha', 'dev/beta', 'prod/db']);
    expect(reader.stats.filesParsed).toBe(3); // only the new file
    // the orders that did not change are the same objects
    expect(added.orders.get('dev/alpha')).toBe(first.orders.get('dev/alpha'));
    expect(changedOrders(first.orders, added.orders)).toEqual({
      changed: ['prod/db'],
      removed: [],
    });

    // change
    await commit({
      'orders/dev/alpha/vcluster/namespace-vc-alpha.yaml': ns('vc-alpha', {
        spec: { finalizers: ['x'] },
      }),
    });
    const changed = await reader.read();
    expect([...changed.changed]).toEqual(['dev/alpha']);
    expect(changed.orders.get('dev/alpha')!.objects[0].object).toMatchObject({
      spec: { finalizers: ['x'] },
    });
    // the older snapshot is left as it was
    expect(first.orders.get('dev/alpha')!.objects[0].object).not.toHaveProperty(
      'spec',
    );

    // remove
    await commit({ 'orders/dev/beta/vcluster/namespace-vc-beta.yaml': null });
    const removed = await reader.read();
    expect(removed.read).toBe('incremental');
    expect([...removed.changed]).toEqual(['dev/beta']);
    expect(names(removed)).toEqual(['dev/alpha', 'prod/db']);

    // rename (the folder moves: one order goes, another comes)
    await runGit(dir, ['mv', 'orders/prod/db', 'orders/prod/database']);
    await runGit(dir, [
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@localhost',
      'commit',
      '-q',
      '-m',
      'rename',
    ]);
    const renamed = await reader.read();
    expect(renamed.read).toBe('incremental');
    expect([...renamed.changed].sort()).toEqual(['prod/database', 'prod/db']);
    expect(names(renamed)).toEqual(['dev/alpha', 'prod/database']);
    expect(renamed.orders.get('prod/database')).toMatchObject({
      env: 'prod',
      name: 'database',
      folder: 'orders/prod/database',
      objects: [
        {
          part: 'stack',
          file: 'orders/prod/database/stack/stack-db.yaml',
          object: { metadata: { name: 'db' } },
        },
      ],
    });
    expect(reader.stats).toMatchObject({ fullReads: 1, incrementalReads: 4 });

    // the same orders as the reference implementation reads
    const reference = await readCommittedOrders({ repoPath: dir });
    expect(reference.oid).toBe(renamed.oid);
    expect(new Map(renamed.orders)).toEqual(reference.orders);
  });

  it('reads the whole tree again when HEAD does not descend from the last read (force-push), parsing only new files', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    await commit({
      'orders/dev/alpha/vcluster/ns.yaml': ns('vc-alpha'),
      'orders/dev/beta/vcluster/ns.yaml': ns('vc-beta'),
    });
    const logger = mockServices.logger.mock();
    const reader = new CommittedOrdersReader({ repoPath: dir, logger });
    await commit({ 'orders/dev/gamma/vcluster/ns.yaml': ns('vc-gamma') });
    const before = await reader.read();
    expect(names(before)).toEqual(['dev/alpha', 'dev/beta', 'dev/gamma']);
    // history rewritten: the last commit replaced by another
    await runGit(dir, ['reset', '-q', '--hard', 'HEAD~1']);
    await commit({ 'orders/dev/delta/vcluster/ns.yaml': ns('vc-delta') });
    const parsed = reader.stats.filesParsed;
    const after = await reader.read();
    expect(after.read).toBe('full');
    expect(names(after)).toEqual(['dev/alpha', 'dev/beta', 'dev/delta']);
    expect([...after.changed].sort()).toEqual(['dev/delta', 'dev/gamma']);
    expect(after.orders.get('dev/alpha')).toBe(before.orders.get('dev/alpha'));
    expect(reader.stats.filesParsed - parsed).toBe(1);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('history rewritten?'),
    );
  });

  it('skips a corrupt file with a warning and keeps the rest of its order', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    await commit({ 'orders/dev/alpha/vcluster/ns.yaml': ns('vc-alpha') });
    const logger = mockServices.logger.mock();
    const reader = new CommittedOrdersReader({ repoPath: dir, logger });
    await reader.read();
    await commit({
      'orders/dev/alpha/vcluster/broken.yaml': 'a: [',
      'orders/dev/alpha/vcluster/notes.yaml': 'just: text\n',
    });
    const read = await reader.read();
    expect(read.orders.get('dev/alpha')!.objects.map(o => o.file)).toEqual([
      'orders/dev/alpha/vcluster/ns.yaml',
    ]);
    // nothing of the order changed that the consumers see
    expect([...read.changed]).toEqual([]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'Skipping orders/dev/alpha/vcluster/broken.yaml: not YAML',
      ),
    );
  });

  it('runs no git command while HEAD does not move, and shares one read between concurrent callers', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    await commit({ 'orders/dev/alpha/vcluster/ns.yaml': ns('vc-alpha') });
    const reader = new CommittedOrdersReader({ repoPath: dir });
    const reads = await Promise.all([
      reader.read(),
      reader.read(),
      reader.read(),
    ]);
    expect(reads[1]).toBe(reads[0]);
    expect(reads[2]).toBe(reads[0]);
    expect(reader.stats.fullReads).toBe(1);
    const commands = reader.stats.gitCommands;
    for (let i = 0; i < 5; i++) expect(await reader.read()).toBe(reads[0]);
    expect(reader.stats.gitCommands).toBe(commands);
    // three concurrent callers: the first look at HEAD, and one the other
    // two share; then one each
    expect(reader.stats.headChecks).toBe(7);
  });

  it('sees a commit made before asking, even while an earlier look at HEAD is under way', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    await commit({ 'orders/dev/alpha/vcluster/ns.yaml': ns('vc-alpha') });
    const reader = new CommittedOrdersReader({ repoPath: dir });
    for (let i = 0; i < 5; i++) {
      const earlier = reader.head();
      const oid = await commit({
        [`orders/dev/o${i}/vcluster/ns.yaml`]: ns(`vc-${i}`),
      });
      expect(await reader.head()).toBe(oid);
      await earlier;
      expect((await reader.read()).orders.has(`dev/o${i}`)).toBe(true);
    }
  });

  it('follows a repository that is removed and created again', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    await commit({ 'orders/dev/alpha/vcluster/ns.yaml': ns('vc-alpha') });
    const reader = new CommittedOrdersReader({ repoPath: dir });
    expect(names(await reader.read())).toEqual(['dev/alpha']);
    await fs.promises.rm(path.join(dir, '.git'), { recursive: true });
    const gone = await reader.read();
    expect(gone).toMatchObject({
      read: 'empty',
      changed: new Set(['dev/alpha']),
    });
    await git.init({ fs, dir, defaultBranch: 'main' });
    await commit({ 'orders/dev/beta/vcluster/ns.yaml': ns('vc-beta') });
    const again = await reader.read();
    expect(again.read).toBe('full');
    expect(names(again)).toEqual(['dev/beta']);
  });

  it('lists commits oldest first, and knows ancestors', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    const a = await commit({ 'README.md': 'a\n' });
    const b = await git.commit({
      fs,
      dir,
      message: 'Order dev/x (vcluster) for group:default/a\n\nbody line\n',
      author: { ...author, timestamp: 1764000000, timezoneOffset: 0 },
    });
    const reader = new CommittedOrdersReader({ repoPath: dir });
    expect(await reader.commits({ to: b })).toEqual([
      expect.objectContaining({ oid: a, message: 'x' }),
      {
        oid: b,
        committedAt: new Date(1764000000 * 1000).toISOString(),
        message: 'Order dev/x (vcluster) for group:default/a\n\nbody line',
      },
    ]);
    expect((await reader.commits({ from: a, to: b })).map(c => c.oid)).toEqual([
      b,
    ]);
    expect((await reader.commits({ to: b, max: 1 })).map(c => c.oid)).toEqual([
      b,
    ]);
    expect(await reader.isAncestor(a, b)).toBe(true);
    expect(await reader.isAncestor(b, a)).toBe(false);
    expect(await reader.isAncestor('0'.repeat(40), b)).toBe(false);
  });

  it('is one reader per repository path in the process', () => {
    const a = CommittedOrdersReader.forPath(dir);
    expect(CommittedOrdersReader.forPath(`${dir}/./`)).toBe(a);
    expect(CommittedOrdersReader.forPath(`${dir}-other`)).not.toBe(a);
  });

  it('keeps what the blobs parse to in the git directory, so a restart parses only what changed meanwhile', async () => {
    await git.init({ fs, dir, defaultBranch: 'main' });
    await commit({
      'orders/dev/alpha/vcluster/ns.yaml': ns('vc-alpha'),
      'orders/dev/alpha/vcluster/broken.yaml': 'a: [',
      'orders/dev/beta/vcluster/ns.yaml': ns('vc-beta'),
    });
    const first = new CommittedOrdersReader({
      repoPath: dir,
      parsedCacheAfter: 1,
    });
    const before = await first.read();
    await first.cacheWritten();
    expect(
      fs.existsSync(path.join(dir, '.git', 'kebap-parsed-orders.v1')),
    ).toBe(true);
    await commit({ 'orders/dev/gamma/vcluster/ns.yaml': ns('vc-gamma') });

    // another process, later
    const logger = mockServices.logger.mock();
    const second = new CommittedOrdersReader({
      repoPath: dir,
      logger,
      parsedCacheAfter: 1,
    });
    const after = await second.read();
    expect(second.stats).toMatchObject({ filesParsed: 1, filesFromCache: 3 });
    expect(names(after)).toEqual(['dev/alpha', 'dev/beta', 'dev/gamma']);
    expect(new Map(after.orders)).toEqual(
      new Map([
        ...before.orders,
        ...[...after.orders].filter(([k]) => k === 'dev/gamma'),
      ]),
    );
    // the file that is not YAML is still reported
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        'Skipping orders/dev/alpha/vcluster/broken.yaml: not YAML',
      ),
    );
    await second.cacheWritten();
    // a cache file that cannot be read is ignored
    fs.writeFileSync(path.join(dir, '.git', 'kebap-parsed-orders.v1'), 'x');
    const third = new CommittedOrdersReader({
      repoPath: dir,
      parsedCacheAfter: 1,
    });
    expect(names(await third.read())).toEqual(names(after));
    expect(third.stats.filesParsed).toBe(4);
    await third.cacheWritten();
  });
});
