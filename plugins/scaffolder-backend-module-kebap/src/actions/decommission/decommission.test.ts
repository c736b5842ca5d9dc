import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { readKebapSettings } from '../../KebapSettings';
import { GitopsDelivery } from '../../delivery/GitopsDelivery';
import { mayOverwriteOrder } from '../../delivery/createOrderDelivery';
import { createRecordingLogger } from '../../testing/createRecordingLogger';
import { createVClusterCreateAction } from '../vcluster/create';
import { createDecommissionAction } from './decommission';

describe('kebap:decommission (gitops)', () => {
  let dir: string;
  let delivery: GitopsDelivery;
  const owner = 'group:default/team-payments';
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'decom-'));
    delivery = new GitopsDelivery({
      repoPath: path.join(dir, 'repo'),
      mayOverwrite: mayOverwriteOrder,
    });
    const ctx = createMockActionContext({
      input: { name: 'alpha', owner, size: 'small' } as any,
      logger: createRecordingLogger(),
    });
    await createVClusterCreateAction({
      delivery,
      settings: readKebapSettings(new ConfigReader({})),
    }).handler(ctx as any);
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  const files = () =>
    git.listFiles({ fs, dir: delivery.repoPath, ref: 'HEAD' });
  const run = (input: Record<string, unknown>) => {
    const ctx = createMockActionContext({
      input: input as any,
      logger: createRecordingLogger(),
    });
    return {
      ctx,
      done: createDecommissionAction({ delivery }).handler(ctx as any),
    };
  };

  it('removes the order folder with a commit after confirmation', async () => {
    const { ctx, done } = run({
      entityRef: 'resource:default/dev-alpha',
      owner,
      confirm: 'alpha',
    });
    await done;
    expect((await files()).filter(f => f.startsWith('orders/'))).toEqual([]);
    expect(ctx.output).toHaveBeenCalledWith(
      'refs',
      expect.arrayContaining([
        'argoproj.io/v1alpha1/Application/argocd/vcluster-alpha',
      ]),
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'commit',
      expect.stringMatching(/^[0-9a-f]{40}$/),
    );
  });

  it.each([
    [
      { confirm: 'alpha2' },
      "confirm: type the order name 'alpha' to confirm (confirmation)",
    ],
    [
      { entityRef: 'component:default/dev-alpha' },
      "entityRef: 'component:default/dev-alpha' is not the entity of an order",
    ],
    [
      { entityRef: 'resource:default/alpha' },
      "entityRef: 'alpha' is not an order entity",
    ],
    [
      { owner: 'group:default/team-search' },
      /not yours to change; nothing was written/,
    ],
  ])('refuses %j and removes nothing', async (change, message) => {
    const before = await files();
    await expect(
      run({
        entityRef: 'resource:default/dev-alpha',
        owner,
        confirm: 'alpha',
        ...change,
      }).done,
    ).rejects.toThrow(message);
    expect(await files()).toEqual(before);
  });
});
