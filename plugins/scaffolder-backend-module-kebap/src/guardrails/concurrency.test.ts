/*
 * Concurrency: 20 dev-cluster orders (vcluster + registration, like the
 * template) submitted at once through the actions, in gitops and in
 * kubernetes delivery: 6 distinct orders, 4 names ordered by two teams at
 * the same moment, 3 names ordered twice by the same team. Every distinct
 * order completes; of two teams racing for a name one wins and the other
 * gets a ConflictError with nothing of it written; the same team's
 * duplicates converge; nothing is overwritten (the objects and files of a
 * contested name belong to the winner); in gitops no commit is lost.
 */
import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import {
  gitopsDelivery,
  kubernetesDelivery,
  orderingActions,
  runStep,
} from './__testUtils__/faultHarness';
import {
  ownerA,
  ownerB,
  startFakeCluster,
  tempDir,
} from './__testUtils__/orderHarness';

interface Submitted {
  name: string;
  owner: string;
}

const submitted: Submitted[] = [
  ...['c0', 'c1', 'c2', 'c3', 'c4', 'c5'].map(name => ({
    name,
    owner: ownerA,
  })),
  ...['race0', 'race1', 'race2', 'race3'].flatMap(name => [
    { name, owner: ownerA },
    { name, owner: ownerB },
  ]),
  ...['same0', 'same1', 'same2'].flatMap(name => [
    { name, owner: ownerB },
    { name, owner: ownerB },
  ]),
];

type Outcome = {
  order: Submitted;
  index: number;
  error?: Error;
  /** steps that completed before the error */
  steps: number;
};

async function orderAll(
  actions: ReturnType<typeof orderingActions>,
): Promise<Outcome[]> {
  return Promise.all(
    submitted.map(async (order, i) => {
      let steps = 0;
      try {
        await runStep(
          actions.get('kebap:vcluster:create')!,
          { name: order.name, owner: order.owner, size: 'small' },
          { taskId: `task-${i}` },
        );
        steps++;
        await runStep(
          actions.get('kebap:argocd:cluster')!,
          { name: order.name, owner: order.owner },
          { taskId: `task-${i}` },
        );
        steps++;
        return { order, index: i, steps };
      } catch (e) {
        return { order, index: i, steps, error: e as Error };
      }
    }),
  );
}

/** Checks what both deliveries must show; returns the winner of each contested name. */
function checkOutcomes(outcomes: Outcome[]) {
  expect(submitted).toHaveLength(20);
  const failed = outcomes.filter(o => o.error);
  // distinct orders and same-owner duplicates all complete
  expect(
    failed
      .filter(o => !o.order.name.startsWith('race'))
      .map(o => `${o.order.name}: ${o.error!.message}`),
  ).toEqual([]);
  const winners = new Map<string, string>();
  for (const name of ['race0', 'race1', 'race2', 'race3']) {
    const mine = outcomes.filter(o => o.order.name === name);
    const ok = mine.filter(o => !o.error);
    const refused = mine.filter(o => o.error);
    expect({ name, ok: ok.length, refused: refused.length }).toEqual({
      name,
      ok: 1,
      refused: 1,
    });
    expect(refused[0].error!.name).toBe('ConflictError');
    expect(refused[0].error!.message).toMatch(/nothing was written/);
    // refused at its first step: no order of it was written and then
    // taken over by the other team (an overwrite would show here as a
    // refusal at the second step, after the first one "succeeded")
    expect({ name, refusedAfterSteps: refused[0].steps }).toEqual({
      name,
      refusedAfterSteps: 0,
    });
    winners.set(name, ok[0].order.owner);
  }
  return winners;
}

const ownerLabel = (ref: string) => ref.split('/').pop();

describe('20 concurrent orders, gitops delivery', () => {
  it('completes every order, refuses the loser of each race, converges duplicates and loses no commit', async () => {
    const work = await tempDir('concurrency-gitops-');
    const repoPath = path.join(work.dir, 'gitops');
    const outcomes = await orderAll(orderingActions(gitopsDelivery(repoPath)));
    const winners = checkOutcomes(outcomes);

    const names = [...new Set(submitted.map(s => s.name))];
    const head = await git.resolveRef({ fs, dir: repoPath, ref: 'HEAD' });
    const files = await git.listFiles({ fs, dir: repoPath, ref: head });
    for (const name of names) {
      const mine = files.filter(f => f.startsWith(`orders/dev/${name}/`));
      // the Application, the registration's SecretStore and ExternalSecret
      expect({ name, files: mine.length }).toEqual({ name, files: 3 });
      // every file of the order belongs to the owner that won it
      const owner =
        winners.get(name) ?? submitted.find(s => s.name === name)!.owner;
      for (const f of mine) {
        const { blob } = await git.readBlob({
          fs,
          dir: repoPath,
          oid: head,
          filepath: f,
        });
        const obj = yaml.parse(Buffer.from(blob).toString('utf8'));
        expect(obj.metadata.labels['kebap.io/owner']).toBe(ownerLabel(owner));
      }
    }
    // no commit lost: each successful submission left one commit per part
    // (a duplicate of the same team differs only in its task id), the
    // refused ones none
    const log = await git.log({ fs, dir: repoPath });
    const orderCommits = log.filter(c => c.commit.message.startsWith('Order '));
    const succeeded = outcomes.filter(o => !o.error);
    expect(orderCommits).toHaveLength(succeeded.length * 2);
    for (const o of succeeded) {
      for (const part of ['vcluster', 'registration']) {
        expect(
          orderCommits.filter(c =>
            c.commit.message.startsWith(
              `Order dev/${o.order.name} (${part}) for ${o.order.owner} by user:default/guest (task task-${o.index})`,
            ),
          ),
        ).toHaveLength(1);
      }
    }
    // the history is a line: every commit has one parent, the first none
    expect(log.filter(c => c.commit.parent.length > 1)).toEqual([]);
    expect(log[log.length - 1].commit.parent).toEqual([]);
    // and the working tree is clean (nothing half-staged)
    const dirty = (await git.statusMatrix({ fs, dir: repoPath })).filter(
      ([, h, w, s]) => !(h === 1 && w === 1 && s === 1),
    );
    expect(dirty).toEqual([]);
    await work.remove();
  }, 120_000);
});

describe.each([0, 10])(
  '20 concurrent orders, kubernetes delivery, %i ms API latency',
  latencyMs => {
    let api: FakeKubernetesApi;
    beforeEach(async () => {
      api = await startFakeCluster({ latencyMs });
    });
    afterEach(() => api.stop());

    it('completes every order, refuses the loser of each race, converges duplicates and overwrites nothing', async () => {
      const outcomes = await orderAll(
        orderingActions(kubernetesDelivery(api, 10_000)),
      );
      const winners = checkOutcomes(outcomes);
      const names = [...new Set(submitted.map(s => s.name))];
      const portal = api
        .objects()
        .filter(
          o =>
            o.metadata.labels?.['app.kubernetes.io/managed-by'] ===
            'kebap-portal',
        );
      expect(portal).toHaveLength(names.length * 3);
      for (const name of names) {
        const mine = portal.filter(
          o => o.metadata.labels['kebap.io/order'] === name,
        );
        expect({ name, objects: mine.length }).toEqual({ name, objects: 3 });
        const owner =
          winners.get(name) ?? submitted.find(s => s.name === name)!.owner;
        for (const o of mine) {
          expect({
            name,
            object: o.metadata.name,
            owner: o.metadata.labels['kebap.io/owner'],
          }).toEqual({
            name,
            object: o.metadata.name,
            owner: ownerLabel(owner),
          });
          expect(o.metadata.annotations['kebap.io/owner-ref']).toBe(owner);
        }
      }
    }, 120_000);
  },
);
