import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRecordingLogger } from '../testing/createRecordingLogger';
import { mayOverwriteOrder } from './createOrderDelivery';
import {
  RemoteGitopsDelivery,
  scheduleOrdersFetch,
} from './RemoteGitopsDelivery';
import { Order } from './OrderDelivery';

// several replicas clone, commit and push to a bare repository: seconds on a
// loaded 2-core machine (5 s timed out there)
jest.setTimeout(60_000);

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  })
    .toString()
    .trim();

const labels = (name: string) => ({
  'app.kubernetes.io/managed-by': 'kebap-portal',
  'kebap.io/order': name,
});
function order(name: string, ownerRef = 'group:default/team-a'): Order {
  return {
    env: 'dev',
    name,
    part: 'vcluster',
    ownerRef,
    objects: [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: `vc-${name}`,
          labels: labels(name),
          annotations: { 'kebap.io/owner-ref': ownerRef },
        },
      },
    ],
  };
}

describe('RemoteGitopsDelivery (a bare repository stands in for the Git host)', () => {
  let dir: string;
  let remote: string;
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'remote-gitops-'));
    remote = path.join(dir, 'remote.git');
    git(dir, 'init', '--quiet', '--bare', '--initial-branch', 'main', remote);
    const seed = path.join(dir, 'seed');
    git(dir, 'clone', '--quiet', remote, seed);
    fs.writeFileSync(path.join(seed, 'README.md'), 'platform repo\n');
    git(seed, 'add', '.');
    git(seed, 'commit', '--quiet', '-m', 'init');
    git(seed, 'push', '--quiet', 'origin', 'HEAD:main');
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  const delivery = (name: string) =>
    new RemoteGitopsDelivery({
      url: remote,
      clonePath: path.join(dir, name),
      mayOverwrite: mayOverwriteOrder,
    });
  const remoteFiles = () =>
    git(dir, '--git-dir', remote, 'ls-tree', '-r', '--name-only', 'main').split(
      '\n',
    );

  it('pushes the order commit to the remote branch, and a re-run pushes nothing', async () => {
    const d = delivery('replica-1');
    const first = await d.deliver(order('alpha'), {
      logger: createRecordingLogger(),
    });
    expect(remoteFiles()).toEqual([
      'README.md',
      'orders/dev/alpha/vcluster/namespace-vc-alpha.yaml',
    ]);
    expect(git(dir, '--git-dir', remote, 'rev-parse', 'main')).toBe(
      first.commit,
    );
    const again = await d.deliver(order('alpha'), {
      logger: createRecordingLogger(),
    });
    expect(again.changed).toBe(false);
    expect(git(dir, '--git-dir', remote, 'rev-list', '--count', 'main')).toBe(
      '2',
    );
  });

  it('lands every order when replicas write at the same time (rejected pushes are synced and retried)', async () => {
    const replicas = [
      delivery('replica-a'),
      delivery('replica-b'),
      delivery('replica-c'),
    ];
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    await Promise.all(
      names.map((n, i) =>
        replicas[i % 3].deliver(order(n), { logger: createRecordingLogger() }),
      ),
    );
    expect(remoteFiles().sort()).toEqual(
      [
        'README.md',
        ...names.map(n => `orders/dev/${n}/vcluster/namespace-vc-${n}.yaml`),
      ].sort(),
    );
  });

  it('refresh brings an order another replica pushed into this replica’s clone', async () => {
    const a = delivery('replica-a');
    const b = delivery('replica-b');
    await b.deliver(order('beta'), { logger: createRecordingLogger() });
    await a.deliver(order('alpha'), { logger: createRecordingLogger() });
    await b.deliver(order('gamma'), { logger: createRecordingLogger() });
    const inClone = () =>
      fs.existsSync(path.join(dir, 'replica-a/orders/dev/gamma'));
    expect(inClone()).toBe(false);
    await a.refresh();
    expect(inClone()).toBe(true);
  });

  it("refuses another owner's order that only the remote has, pushing nothing", async () => {
    await delivery('replica-a').deliver(
      order('alpha', 'group:default/team-a'),
      { logger: createRecordingLogger() },
    );
    const head = git(dir, '--git-dir', remote, 'rev-parse', 'main');
    await expect(
      delivery('replica-b').deliver(order('alpha', 'group:default/team-b'), {
        logger: createRecordingLogger(),
      }),
    ).rejects.toThrow(/not yours to change; nothing was written/);
    expect(git(dir, '--git-dir', remote, 'rev-parse', 'main')).toBe(head);
  });

  it('decommissions with a pushed commit that removes the folder', async () => {
    const d = delivery('replica-1');
    await d.deliver(order('alpha'), { logger: createRecordingLogger() });
    await d.remove(order('alpha'), { logger: createRecordingLogger() });
    expect(remoteFiles()).toEqual(['README.md']);
  });

  it('pushes the orders that arrive together at once, one commit each, checking each against the remote', async () => {
    // another replica holds 'taken' on the remote only
    await delivery('replica-b').deliver(
      order('taken', 'group:default/team-b'),
      {
        logger: createRecordingLogger(),
      },
    );
    const d = delivery('replica-a');
    const logger = createRecordingLogger();
    const outcomes = await Promise.allSettled(
      ['one', 'taken', 'two', 'three'].map(n =>
        d.deliver(order(n), { logger }),
      ),
    );
    expect(outcomes.map(o => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toMatch(
      /not yours to change; nothing was written/,
    );
    const messages = git(
      dir,
      '--git-dir',
      remote,
      'log',
      '--format=%s',
      'main',
    ).split('\n');
    expect(messages.slice(0, 3).reverse()).toEqual(
      ['one', 'two', 'three'].map(
        n => `Order dev/${n} (vcluster) for group:default/team-a`,
      ),
    );
    const results = outcomes.map(o =>
      o.status === 'fulfilled' ? o.value : undefined,
    );
    expect(git(dir, '--git-dir', remote, 'rev-parse', 'main')).toBe(
      results[3]!.commit,
    );
  });

  it('fetches on a schedule, on every replica, so each sees what the others pushed', async () => {
    const a = delivery('replica-a');
    const b = delivery('replica-b');
    await a.deliver(order('alpha'), { logger: createRecordingLogger() });
    const tasks: any[] = [];
    const scheduler = {
      scheduleTask: jest.fn(async (task: any) => void tasks.push(task)),
    } as any;
    await scheduleOrdersFetch({
      scheduler,
      delivery: a,
      seconds: 30,
      logger: createRecordingLogger(),
    });
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      id: 'kebap-orders-fetch',
      scope: 'local',
      frequency: { seconds: 30 },
    });
    await b.deliver(order('beta'), { logger: createRecordingLogger() });
    const inClone = () =>
      fs.existsSync(path.join(dir, 'replica-a/orders/dev/beta'));
    expect(inClone()).toBe(false);
    await tasks[0].fn();
    expect(inClone()).toBe(true);
    // nothing new: the clone is left as it is
    await tasks[0].fn();
    expect(inClone()).toBe(true);
    // 0 turns it off
    await scheduleOrdersFetch({
      scheduler,
      delivery: a,
      seconds: 0,
      logger: createRecordingLogger(),
    });
    expect(tasks).toHaveLength(1);
  });
});
