import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { readKebapSettings } from '../KebapSettings';
import { createArgoCdClusterAction } from '../actions/argocd/cluster';
import { createExtendAction } from '../actions/extend/extend';
import { createVClusterCreateAction } from '../actions/vcluster/create';
import { GitopsDelivery } from '../delivery/GitopsDelivery';
import { KubernetesDelivery } from '../delivery/KubernetesDelivery';
import { mayOverwriteOrder } from '../delivery/createOrderDelivery';
import { OrderDelivery } from '../delivery/OrderDelivery';
import { createRecordingLogger } from '../testing/createRecordingLogger';
import { DevClusterExpiry, readExpirySettings } from './DevClusterExpiry';
import {
  DevClusterOrderSource,
  EXPIRY_WARNED_ANNOTATION,
  GitopsDevClusterOrders,
  KubernetesDevClusterOrders,
} from './DevClusterOrders';

const DAY = 24 * 3600 * 1000;
const T0 = Date.parse('2026-11-01T12:00:00.000Z');
const owner = 'group:default/team-payments';
const settings = readKebapSettings(new ConfigReader({}));

/** A clock the test moves; nothing waits. */
function clock() {
  let t = T0;
  return {
    now: () => new Date(t),
    set: (days: number) => {
      t = T0 + days * DAY;
    },
  };
}

async function order(
  delivery: OrderDelivery,
  now: () => Date,
  name: string,
  who = owner,
) {
  const deps = { delivery, settings, now };
  for (const [action, input] of [
    [createVClusterCreateAction(deps), { name, owner: who, size: 'small' }],
    [createArgoCdClusterAction(deps), { name, owner: who }],
  ] as const) {
    const ctx = createMockActionContext({
      input: input as any,
      logger: createRecordingLogger(),
    });
    await action.handler(ctx as any);
  }
}

function extend(
  deps: {
    delivery: OrderDelivery;
    orders: DevClusterOrderSource;
    now: () => Date;
  },
  input: Record<string, unknown>,
) {
  const ctx = createMockActionContext({
    input: input as any,
    logger: createRecordingLogger(),
  });
  return {
    ctx,
    done: createExtendAction({ ...deps, settings }).handler(ctx as any),
  };
}

describe('dev-cluster expiry (gitops)', () => {
  let dir: string;
  let delivery: GitopsDelivery;
  let orders: GitopsDevClusterOrders;
  let time: ReturnType<typeof clock>;
  let send: jest.Mock;
  let logger: ReturnType<typeof createRecordingLogger>;

  const expiry = () =>
    new DevClusterExpiry({
      source: orders,
      delivery,
      notifications: { send },
      logger,
      warnDaysBefore: 2,
      maxLifetimeDays: settings.vcluster.maxLifetimeDays,
      now: time.now,
    });
  const files = async () =>
    (await git.listFiles({ fs, dir: delivery.repoPath, ref: 'HEAD' })).filter(
      f => f.startsWith('orders/'),
    );
  const annotationsAtHead = async (file: string) => {
    const oid = await git.resolveRef({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    const { blob } = await git.readBlob({
      fs,
      dir: delivery.repoPath,
      oid,
      filepath: file,
    });
    return yaml.parse(Buffer.from(blob).toString('utf8')).metadata
      .annotations as Record<string, string>;
  };
  const appFile =
    'orders/dev/alpha/vcluster/application-argocd.vcluster-alpha.yaml';

  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'expiry-'));
    delivery = new GitopsDelivery({
      repoPath: path.join(dir, 'repo'),
      mayOverwrite: mayOverwriteOrder,
    });
    orders = new GitopsDevClusterOrders({ repoPath: delivery.repoPath });
    time = clock();
    send = jest.fn(async () => undefined);
    logger = createRecordingLogger();
    await order(delivery, time.now, 'alpha'); // 7 days, the default
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  it('lists the dev cluster with its owner and expiry', async () => {
    const [alpha, ...rest] = await orders.list();
    expect(rest).toEqual([]);
    expect(alpha).toMatchObject({
      env: 'dev',
      name: 'alpha',
      ownerRef: owner,
      entityRef: 'resource:default/dev-alpha',
      expiresAt: new Date(T0 + 7 * DAY).toISOString(),
    });
    expect(alpha.warnedFor).toBeUndefined();
    expect(alpha.parts.map(p => p.part)).toEqual(['registration', 'vcluster']);
  });

  it('warns once at the threshold, not before, and not again after a restart', async () => {
    time.set(4.9); // 2.1 days left
    expect(await expiry().run()).toEqual({
      warned: [],
      decommissioned: [],
      failed: [],
    });
    expect(send).not.toHaveBeenCalled();

    time.set(5.5); // 1.5 days left
    expect((await expiry().run()).warned).toEqual(['alpha']);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith({
      recipients: { type: 'entity', entityRef: owner },
      payload: expect.objectContaining({
        title: 'Dev cluster alpha expires in 1 day',
        severity: 'high',
        link: '/catalog/default/resource/dev-alpha',
        scope: `kebap-expiry-warning:resource:default/dev-alpha:${new Date(
          T0 + 7 * DAY,
        ).toISOString()}`,
      }),
    });
    // the record is on the order's objects, in Git
    expect((await annotationsAtHead(appFile))[EXPIRY_WARNED_ANNOTATION]).toBe(
      new Date(T0 + 7 * DAY).toISOString(),
    );

    time.set(6); // same process, later run; then a "restarted" one
    expect((await expiry().run()).warned).toEqual([]);
    expect((await expiry().run()).warned).toEqual([]);
    expect(send).toHaveBeenCalledTimes(1);
    expect(await files()).toContain(appFile);
  });

  it('decommissions after expiry, logged, and tells the owner', async () => {
    time.set(6.99);
    expect((await expiry().run()).decommissioned).toEqual([]);
    time.set(7);
    const result = await expiry().run();
    expect(result.decommissioned).toEqual(['alpha']);
    expect(await files()).toEqual([]);
    expect(logger.lines).toContainEqual(
      expect.stringMatching(
        /^info: Dev cluster alpha of group:default\/team-payments expired at .*: decommissioned \(.*argoproj.io\/v1alpha1\/Application\/argocd\/vcluster-alpha.*commit [0-9a-f]{12}\)$/,
      ),
    );
    expect(send).toHaveBeenLastCalledWith(
      expect.objectContaining({
        payload: expect.objectContaining({
          title: 'Dev cluster alpha was decommissioned',
        }),
      }),
    );
    const [last] = await git.log({ fs, dir: delivery.repoPath, depth: 1 });
    expect(last.commit.message).toMatch(
      /^Decommission dev\/alpha by kebap-portal \(dev-cluster expiry\)/,
    );
  });

  it('an extension pushes both the warning and the decommissioning', async () => {
    time.set(5.5);
    await expiry().run(); // warned for day 7
    time.set(6);
    const { ctx, done } = extend(
      { delivery, orders, now: time.now },
      { order: 'resource:default/dev-alpha', owner, days: 7 },
    );
    await done;
    const newExpiry = new Date(T0 + 13 * DAY).toISOString();
    expect(ctx.output).toHaveBeenCalledWith('expiresAt', newExpiry);
    const annotations = await annotationsAtHead(appFile);
    expect(annotations['kebap.io/expires-at']).toBe(newExpiry);
    expect(annotations[EXPIRY_WARNED_ANNOTATION]).toBeUndefined();

    time.set(7.5); // past the old expiry
    expect(await expiry().run()).toEqual({
      warned: [],
      decommissioned: [],
      failed: [],
    });
    time.set(10.9);
    expect((await expiry().run()).warned).toEqual([]);
    time.set(11.5);
    expect((await expiry().run()).warned).toEqual(['alpha']);
    expect(send).toHaveBeenCalledTimes(2);
    time.set(13);
    expect((await expiry().run()).decommissioned).toEqual(['alpha']);
    expect(await files()).toEqual([]);
  });

  it('leaves an order alone when its folder holds an object that is not the owner’s, and reports it', async () => {
    // someone put another team's object into the order's folder
    const foreign = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'x',
        namespace: 'vc-alpha',
        labels: {
          'app.kubernetes.io/managed-by': 'kebap-portal',
          'kebap.io/order': 'alpha',
        },
        annotations: { 'kebap.io/owner-ref': 'group:default/team-search' },
      },
    };
    const file = 'orders/dev/alpha/extra/configmap-vc-alpha.x.yaml';
    await fs.promises.mkdir(path.join(delivery.repoPath, path.dirname(file)), {
      recursive: true,
    });
    await fs.promises.writeFile(
      path.join(delivery.repoPath, file),
      yaml.stringify(foreign),
    );
    await git.add({ fs, dir: delivery.repoPath, filepath: file });
    await git.commit({
      fs,
      dir: delivery.repoPath,
      message: 'foreign',
      author: { name: 't', email: 't@localhost' },
    });
    const before = await files();
    time.set(8);
    expect(await expiry().run()).toMatchObject({
      decommissioned: [],
      failed: ['alpha'],
    });
    expect(await files()).toEqual(before);
    expect(logger.lines).toContainEqual(
      expect.stringMatching(/^error: Dev cluster alpha .*not yours to change/),
    );
  });

  it('lets the delivery refresh its view before the orders are read', async () => {
    const calls: string[] = [];
    const refreshing = Object.assign(Object.create(delivery), {
      refresh: async () => void calls.push('refresh'),
    });
    const listing = {
      list: async () => {
        calls.push('list');
        return orders.list();
      },
    };
    await new DevClusterExpiry({
      source: listing,
      delivery: refreshing,
      logger,
      warnDaysBefore: 2,
      maxLifetimeDays: 30,
      now: time.now,
    }).run();
    expect(calls).toEqual(['refresh', 'list']);
  });

  it('goes on with the others when notifying fails, and tries again next run', async () => {
    await order(delivery, time.now, 'beta');
    send.mockRejectedValueOnce(new Error('notifications backend down'));
    time.set(5.5);
    expect(await expiry().run()).toMatchObject({
      warned: ['beta'],
      failed: ['alpha'],
    });
    expect((await expiry().run()).warned).toEqual(['alpha']);
  });
});

describe('dev-cluster expiry (kubernetes, against the API test double)', () => {
  let api: FakeKubernetesApi;
  let delivery: KubernetesDelivery;
  let orders: KubernetesDevClusterOrders;

  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
      { manager: 'argocd-install' },
    );
    const client = new KubernetesClient({
      baseUrl: api.baseUrl,
      logger: mockServices.logger.mock(),
      retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10, timeoutMs: 300 },
    });
    delivery = new KubernetesDelivery({
      client,
      mayOverwrite: mayOverwriteOrder,
      removalWaitMs: 0,
    });
    orders = new KubernetesDevClusterOrders({ client });
  });
  afterEach(() => api.stop());

  const annotationOf = (kind: string, key: string) =>
    api
      .objects()
      .filter(
        o =>
          o.kind === kind && o.metadata.labels?.['kebap.io/order'] === 'alpha',
      )
      .map(o => o.metadata.annotations?.[key]);

  it('warns by applying the record, extends by applying the new expiry, decommissions by deleting', async () => {
    const time = clock();
    await order(delivery, time.now, 'alpha');
    const send = jest.fn(async () => undefined);
    const expiry = new DevClusterExpiry({
      source: orders,
      delivery,
      notifications: { send },
      logger: createRecordingLogger(),
      warnDaysBefore: 2,
      maxLifetimeDays: 30,
      now: time.now,
    });
    const firstExpiry = new Date(T0 + 7 * DAY).toISOString();
    time.set(5.5);
    expect((await expiry.run()).warned).toEqual(['alpha']);
    // a dev cluster is its Application (Argo CD owns the namespace)
    expect(annotationOf('Application', EXPIRY_WARNED_ANNOTATION)).toEqual([
      firstExpiry,
    ]);
    expect((await expiry.run()).warned).toEqual([]);
    expect(send).toHaveBeenCalledTimes(1);

    await extend(
      { delivery, orders, now: time.now },
      { order: 'dev-alpha', owner, days: 10 },
    ).done;
    const newExpiry = new Date(T0 + 15.5 * DAY).toISOString();
    expect(annotationOf('Application', 'kebap.io/expires-at')).toEqual([
      newExpiry,
    ]);
    expect(annotationOf('Application', EXPIRY_WARNED_ANNOTATION)).toEqual([
      undefined,
    ]);
    // the vCluster's spec is still what was ordered
    const app = api.objects().find(o => o.kind === 'Application');
    expect(app?.spec?.source?.chart).toBe('vcluster');

    time.set(8);
    expect((await expiry.run()).decommissioned).toEqual([]);
    time.set(15.5);
    expect((await expiry.run()).decommissioned).toEqual(['alpha']);
    // the Application is deleted and held by Argo CD's finalizer while it
    // prunes the vCluster; its registration waits until it is gone
    const held = api
      .objects()
      .filter(o => o.metadata.labels?.['kebap.io/order'] === 'alpha');
    expect(
      held.map(o => [o.kind, Boolean(o.metadata.deletionTimestamp)]).sort(),
    ).toEqual([
      ['Application', true],
      ['ExternalSecret', false],
      ['SecretStore', false],
    ]);
    api.finalize({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      namespace: 'argocd',
      name: 'vcluster-alpha',
    });
    // the next run finishes the decommission
    await expiry.run();
    expect(
      api
        .objects()
        .filter(o => o.metadata.labels?.['kebap.io/order'] === 'alpha'),
    ).toEqual([]);
  });
});

describe('readExpirySettings', () => {
  it('has defaults and reads kebap.expiry.*', () => {
    expect(readExpirySettings(new ConfigReader({}))).toEqual({
      enabled: true,
      frequency: { hours: 1 },
      warnDaysBefore: 2,
    });
    expect(
      readExpirySettings(
        new ConfigReader({
          kebap: {
            expiry: { enabled: false, frequency: 'PT15M', warnDaysBefore: 3 },
          },
        }),
      ),
    ).toEqual({
      enabled: false,
      frequency: { minutes: 15 },
      warnDaysBefore: 3,
    });
  });
});
