import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { ConfigReader } from '@backstage/config';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { readKebapSettings } from '../../KebapSettings';
import { GitopsDelivery } from '../../delivery/GitopsDelivery';
import { mayOverwriteOrder } from '../../delivery/createOrderDelivery';
import { GitopsDevClusterOrders } from '../../expiry/DevClusterOrders';
import { createRecordingLogger } from '../../testing/createRecordingLogger';
import { createVClusterCreateAction } from '../vcluster/create';
import { createExtendAction } from './extend';
import { examples } from './extend.examples';

const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2026-11-01T12:00:00.000Z');
const owner = 'group:default/team-payments';

describe('kebap:extend (gitops)', () => {
  let dir: string;
  let delivery: GitopsDelivery;
  let t: number;
  const now = () => new Date(t);
  const settings = readKebapSettings(
    new ConfigReader({ kebap: { vcluster: { maxLifetimeDays: 30 } } }),
  );

  beforeEach(async () => {
    t = T0;
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'extend-'));
    delivery = new GitopsDelivery({
      repoPath: path.join(dir, 'repo'),
      mayOverwrite: mayOverwriteOrder,
    });
    await createVClusterCreateAction({ delivery, settings, now }).handler(
      createMockActionContext({
        input: { name: 'alpha', owner, size: 'small', lifetimeDays: 3 } as any,
        logger: createRecordingLogger(),
      }) as any,
    );
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  const head = () =>
    git.resolveRef({ fs, dir: delivery.repoPath, ref: 'HEAD' });
  const run = (input: Record<string, unknown>, isDryRun = false) => {
    const ctx = createMockActionContext({
      input: input as any,
      logger: createRecordingLogger(),
    });
    Object.assign(ctx, { isDryRun });
    const done = createExtendAction({
      delivery,
      settings,
      orders: new GitopsDevClusterOrders({ repoPath: delivery.repoPath }),
      now,
    }).handler(ctx as any);
    return { ctx, done };
  };

  it('moves the expiry to days from now with one commit', async () => {
    t = T0 + 2 * DAY;
    const before = await head();
    const { ctx, done } = run({
      order: 'resource:default/dev-alpha',
      owner,
      days: 30,
    });
    await done;
    const expiresAt = new Date(T0 + 32 * DAY).toISOString();
    expect(ctx.output).toHaveBeenCalledWith('expiresAt', expiresAt);
    expect(ctx.output).toHaveBeenCalledWith(
      'previousExpiresAt',
      new Date(T0 + 3 * DAY).toISOString(),
    );
    const log = await git.log({ fs, dir: delivery.repoPath, depth: 2 });
    expect(log[1].oid).toBe(before);
    expect(ctx.output).toHaveBeenCalledWith('commit', log[0].oid);
    const [order] = await new GitopsDevClusterOrders({
      repoPath: delivery.repoPath,
    }).list();
    expect(order.expiresAt).toBe(expiresAt);
    // every object of the dev cluster carries the new expiry
    for (const o of order.parts.find(p => p.part === 'vcluster')!.objects)
      expect(o.metadata.annotations?.['kebap.io/expires-at']).toBe(expiresAt);
  });

  it.each([
    [
      { days: 31 },
      InputError,
      'days: 31 is not a whole number of days from 1 to 30 (kebap.vcluster.maxLifetimeDays, counted from now) (max-lifetime)',
    ],
    [{ days: 0 }, InputError, 'days: 0 is not a whole number'],
    [{ days: 2.5 }, InputError, 'days: 2.5 is not a whole number'],
    [
      { order: 'resource:default/prod-alpha' },
      InputError,
      "order: 'resource:default/prod-alpha' is not the entity of a dev cluster",
    ],
    [
      { order: 'component:default/dev-alpha' },
      InputError,
      'is not the entity of a dev cluster',
    ],
    [
      { owner: 'user:default/guest' },
      InputError,
      'owner: must be a group, not a user (group)',
    ],
    [
      { order: 'resource:default/dev-beta' },
      NotFoundError,
      "order: no dev cluster 'beta' was ordered through the portal",
    ],
    [
      { owner: 'group:default/team-search' },
      NotAllowedError,
      "owner: dev cluster 'alpha' belongs to group:default/team-payments, not group:default/team-search; only its owner may extend it",
    ],
    [
      { days: 1 },
      InputError,
      "days: dev cluster 'alpha' already runs until 2026-11-04T12:00:00.000Z; 1 days from now (2026-11-02T12:00:00.000Z) would shorten it (extend-only)",
    ],
  ])('refuses %j and writes nothing', async (change, type, message) => {
    const before = await head();
    const { done } = run({
      order: 'resource:default/dev-alpha',
      owner,
      days: 7,
      ...change,
    });
    await expect(done).rejects.toThrow(type);
    await expect(
      run({ order: 'resource:default/dev-alpha', owner, days: 7, ...change })
        .done,
    ).rejects.toThrow(message);
    expect(await head()).toBe(before);
  });

  it('writes nothing in a dry run', async () => {
    const before = await head();
    const { ctx, done } = run(
      { order: 'resource:default/dev-alpha', owner, days: 10 },
      true,
    );
    await done;
    expect(ctx.output).toHaveBeenCalledWith(
      'expiresAt',
      new Date(T0 + 10 * DAY).toISOString(),
    );
    expect(await head()).toBe(before);
  });

  it('has an example that uses its inputs', () => {
    expect(examples[0].example).toContain('action: kebap:extend');
    expect(examples[0].example).toContain('days: 14');
  });
});
