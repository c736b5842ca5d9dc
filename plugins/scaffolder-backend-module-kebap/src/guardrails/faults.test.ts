/*
 * Faults across the ordering actions. Kubernetes delivery against the API
 * test double with injected faults (5xx, 429 with Retry-After, connection
 * resets, unanswered calls): retries are bounded (the attempts are counted),
 * a task that gives up says which objects were applied and which not, the
 * cluster holds exactly what the message says (no silent half-order), and
 * running the task again completes the order with every object once.
 * GitOps delivery with a failing disk write: nothing is committed, the next
 * order's commit does not carry the failed order's files, and a re-run
 * completes it in one commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import {
  ATTEMPTS,
  gitopsDelivery,
  kubernetesDelivery,
  orderingActions,
  runStep,
  TaskState,
} from './__testUtils__/faultHarness';
import {
  ownerA,
  startFakeCluster,
  tempDir,
} from './__testUtils__/orderHarness';

type Obj = Record<string, any>;
const refOf = (o: Obj) =>
  [o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name]
    .filter(Boolean)
    .join('/');

/** What the portal wrote, as `apiVersion/Kind/namespace/name`. */
function written(api: FakeKubernetesApi): string[] {
  return api
    .objects()
    .filter(
      o =>
        o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kebap-portal',
    )
    .map(refOf)
    .sort();
}

const orders: Array<{
  action: string;
  input: Obj;
  /** the path of the object whose apply fails for good */
  failing: RegExp;
  /** and that object as the message names it */
  failingRef: string;
  objects: number;
}> = [
  {
    action: 'kebap:vcluster:create',
    input: { name: 'alpha', owner: ownerA, size: 'small' },
    failing: /\/applications\/vcluster-alpha$/,
    failingRef: 'argoproj.io/v1alpha1/Application/argocd/vcluster-alpha',
    // Argo CD creates the namespace; the chart writes quota and limits
    objects: 1,
  },
  {
    action: 'kebap:argocd:cluster',
    input: { name: 'alpha', owner: ownerA },
    failing: /\/externalsecrets\/cluster-dev-alpha$/,
    failingRef:
      'external-secrets.io/v1/ExternalSecret/argocd/cluster-dev-alpha',
    objects: 2,
  },
  {
    action: 'kebap:pulumi:stack',
    input: {
      name: 'db',
      namespace: 'team-payments',
      owner: ownerA,
      kind: 'database',
      stack: 'acme/db-program/db',
      program: { resources: {}, outputs: {} },
      serviceAccountName: 'pulumi-db',
      createServiceAccount: true,
    },
    failing: /\/stacks\/db$/,
    failingRef: 'pulumi.com/v1/Stack/team-payments/db',
    // ServiceAccount, Program, Stack (auth-delegator is the platform's binding)
    objects: 3,
  },
  {
    action: 'kebap:external-secret',
    input: {
      order: 'db',
      owner: ownerA,
      name: 'db-cloud',
      namespace: 'team-payments',
      data: [{ secretKey: 'TOKEN', remoteKey: 'cloud', property: 'token' }],
    },
    failing: /\/externalsecrets\/db-cloud$/,
    failingRef: 'external-secrets.io/v1/ExternalSecret/team-payments/db-cloud',
    objects: 1,
  },
];

describe('kubernetes delivery under API faults', () => {
  let api: FakeKubernetesApi;
  let actions: ReturnType<typeof orderingActions>;
  beforeEach(async () => {
    api = await startFakeCluster();
    actions = orderingActions(kubernetesDelivery(api));
  });
  afterEach(() => api.stop());

  const attemptsOn = (method: string, pattern: RegExp) =>
    api.calls.filter(c => c.method === method && pattern.test(c.path)).length;

  describe.each(orders)(
    '$action',
    ({ action, input, failing, failingRef, objects }) => {
      it('gives up after a bounded number of attempts, says what was and was not applied, and a re-run completes the order once', async () => {
        api.injectFault({
          method: 'PATCH',
          pathPattern: failing,
          times: 1000,
          fault: { status: 500 },
        });
        const state: TaskState = new Map();
        const error: Error = await runStep(actions.get(action)!, input, {
          taskId: 'task-1',
          state,
        }).then(
          () => {
            throw new Error('the order did not fail');
          },
          e => e,
        );
        // bounded: exactly ATTEMPTS tries of the failing call, no more
        expect(attemptsOn('PATCH', failing)).toBe(ATTEMPTS);
        const m =
          /^Order partly applied\. applied: (.*); not applied: (.*); cause: (.*)\. Run the task again to complete it\.$/s.exec(
            error.message,
          );
        expect(m).not.toBeNull();
        const applied = m![1] === 'nothing' ? [] : m![1].split(', ');
        const listed = m![2].split(', ');
        // a new object is created (POST) and then claimed (PATCH): with the
        // claim failing, the message says it was created, not finished
        const unfinished = listed
          .filter(r => r.endsWith(' (created but not finished)'))
          .map(r => r.replace(' (created but not finished)', ''));
        const notApplied = listed.map(r =>
          r.replace(' (created but not finished)', ''),
        );
        expect(m![3]).toMatch(/HTTP 500/);
        expect(notApplied).toContain(failingRef);
        expect(applied.length + notApplied.length).toBe(objects);
        // no silent half-order: the cluster holds exactly what the message says
        expect(written(api)).toEqual([...applied, ...unfinished].sort());

        // the fault is gone: the same task runs again and completes
        api.reset();
        await runStep(actions.get(action)!, input, { taskId: 'task-1', state });
        const complete = written(api);
        expect(complete).toHaveLength(objects);
        expect(new Set(complete).size).toBe(complete.length);
        expect(complete).toEqual(expect.arrayContaining(applied));
        expect(complete).toEqual(expect.arrayContaining(notApplied));

        // and once more: nothing changes (no duplicate, no new version)
        const versions = api.objects().map(o => o.metadata.resourceVersion);
        // (a fresh run of the same task: its checkpoints replayed or not)
        await runStep(actions.get(action)!, input, { taskId: 'task-1' });
        expect(api.objects().map(o => o.metadata.resourceVersion)).toEqual(
          versions,
        );
      });

      it('retries transient faults on reads and writes and completes', async () => {
        api.injectFault({
          method: 'GET',
          pathPattern: failing,
          times: 1,
          fault: 'timeout',
        });
        api.injectFault({
          method: 'PATCH',
          pathPattern: failing,
          times: 1,
          fault: { status: 429, retryAfterSeconds: 0 },
        });
        api.injectFault({
          method: 'PATCH',
          pathPattern: failing,
          times: 1,
          fault: 'reset',
        });
        api.injectFault({
          method: 'PATCH',
          pathPattern: failing,
          times: 1,
          fault: { status: 503 },
        });
        await runStep(actions.get(action)!, input, { taskId: 'task-1' });
        expect(attemptsOn('GET', failing)).toBe(2);
        // the claim after the create: three faults and a success; then the
        // apply that puts the claimed fields in apply form
        expect(attemptsOn('PATCH', failing)).toBe(5);
        expect(written(api)).toHaveLength(objects);
      });
    },
  );

  it('a read that keeps failing before any write fails the order with nothing written', async () => {
    api.injectFault({
      method: 'GET',
      pathPattern: /\/applications\//,
      times: 1000,
      fault: { status: 503 },
    });
    await expect(
      runStep(
        actions.get('kebap:vcluster:create')!,
        { name: 'alpha', owner: ownerA, size: 'small' },
        { taskId: 'task-1' },
      ),
    ).rejects.toThrow(/nothing was written.*HTTP 503.*Run the task again/s);
    expect(attemptsOn('GET', /\/applications\//)).toBe(ATTEMPTS);
    expect(api.calls.filter(c => c.method === 'PATCH')).toEqual([]);
    expect(written(api)).toEqual([]);
  });

  it('429 answers are retried after Retry-After, within the bound', async () => {
    api.injectFault({
      method: 'PATCH',
      pathPattern: /\/applications\/vcluster-alpha$/,
      times: ATTEMPTS - 1,
      fault: { status: 429, retryAfterSeconds: 0 },
    });
    await runStep(
      actions.get('kebap:vcluster:create')!,
      { name: 'alpha', owner: ownerA, size: 'small' },
      { taskId: 'task-1' },
    );
    // the claim within the bound (ATTEMPTS - 1 answers of 429, then done),
    // then the apply after it
    expect(attemptsOn('PATCH', /\/applications\/vcluster-alpha$/)).toBe(
      ATTEMPTS + 1,
    );
    expect(written(api)).toHaveLength(1);
  });

  it('decommissioning under a lasting fault says what was and was not deleted; a re-run finishes it', async () => {
    const order = { name: 'alpha', owner: ownerA, size: 'small' };
    await runStep(actions.get('kebap:vcluster:create')!, order, {
      taskId: 'task-1',
    });
    api.injectFault({
      method: 'DELETE',
      pathPattern: /\/applications\/vcluster-alpha$/,
      times: 1000,
      fault: { status: 500 },
    });
    const input = {
      entityRef: 'resource:default/dev-alpha',
      owner: ownerA,
      confirm: 'alpha',
    };
    const state: TaskState = new Map();
    await expect(
      runStep(actions.get('kebap:decommission')!, input, {
        taskId: 'task-2',
        state,
      }),
    ).rejects.toThrow(
      /Order partly removed\. deleted: .*; not deleted: argoproj\.io\/v1alpha1\/Application\/argocd\/vcluster-alpha.*; cause: .*HTTP 500.*Run the task again/s,
    );
    expect(attemptsOn('DELETE', /\/applications\/vcluster-alpha$/)).toBe(
      ATTEMPTS,
    );
    api.reset();
    const rerun = await runStep(actions.get('kebap:decommission')!, input, {
      taskId: 'task-2',
      state,
    });
    // deleted now, held by Argo CD's finalizer while it prunes the vCluster
    expect(rerun.outputs.state).toBe('deleting');
    api.finalize({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      namespace: 'argocd',
      name: 'vcluster-alpha',
    });
    await runStep(actions.get('kebap:decommission')!, input, {
      taskId: 'task-3',
    });
    expect(written(api)).toEqual([]);
  });
});

describe('gitops delivery when a write fails half-way', () => {
  it('commits nothing, leaks nothing into the next order, and a re-run completes the order in one commit', async () => {
    const work = await tempDir('faults-gitops-');
    const repoPath = path.join(work.dir, 'gitops');
    const actions = orderingActions(gitopsDelivery(repoPath));
    // a dev cluster's registration: two files (the dev cluster is one)
    const create = actions.get('kebap:argocd:cluster')!;
    // a first order creates the repository
    await runStep(
      create,
      { name: 'first', owner: ownerA },
      {
        taskId: 'task-0',
      },
    );
    const head = await git.resolveRef({ fs, dir: repoPath, ref: 'HEAD' });

    const real = fs.promises.writeFile;
    let writes = 0;
    const spy = jest
      .spyOn(fs.promises, 'writeFile')
      .mockImplementation(async (...args: Parameters<typeof real>) => {
        if (String(args[0]).includes('/orders/dev/alpha/') && ++writes === 2) {
          throw Object.assign(new Error('ENOSPC: no space left on device'), {
            code: 'ENOSPC',
          });
        }
        return real(...args);
      });
    const state: TaskState = new Map();
    try {
      await expect(
        runStep(
          create,
          { name: 'alpha', owner: ownerA },
          {
            taskId: 'task-1',
            state,
          },
        ),
      ).rejects.toThrow(/ENOSPC/);
    } finally {
      spy.mockRestore();
    }
    expect(await git.resolveRef({ fs, dir: repoPath, ref: 'HEAD' })).toBe(head);

    // another order commits next: its commit holds none of alpha's files
    await runStep(
      create,
      { name: 'beta', owner: ownerA },
      {
        taskId: 'task-2',
      },
    );
    const afterBeta = await git.listFiles({ fs, dir: repoPath, ref: 'HEAD' });
    expect(afterBeta.filter(f => f.includes('/alpha/'))).toEqual([]);
    expect(afterBeta.filter(f => f.includes('/beta/'))).toHaveLength(2);

    // the failed task runs again and completes, in one commit
    await runStep(
      create,
      { name: 'alpha', owner: ownerA },
      {
        taskId: 'task-1',
        state,
      },
    );
    const log = await git.log({ fs, dir: repoPath });
    expect(
      log.filter(c => c.commit.message.startsWith('Order dev/alpha')),
    ).toHaveLength(1);
    const files = await git.listFiles({ fs, dir: repoPath, ref: 'HEAD' });
    expect(files.filter(f => f.includes('/alpha/'))).toHaveLength(2);
    await work.remove();
  });
});
