import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { orderMetadata } from '@internal/plugin-kebap-common';
import { CommittedOrdersReader } from '@internal/plugin-kebap-node';
import { GitopsDelivery } from '../delivery/GitopsDelivery';
import { mayOverwriteOrder } from '../delivery/createOrderDelivery';
import { createRecordingLogger } from '../testing/createRecordingLogger';
import { GitopsDevClusterOrders } from './DevClusterOrders';

function devCluster(name: string, expiresAt: string) {
  const meta = orderMetadata({
    orderName: name,
    owner: 'group:default/team-a',
    entityRef: `resource:default/dev-${name}`,
    env: 'dev',
    kind: 'vcluster',
  });
  return {
    env: 'dev',
    name,
    part: 'vcluster',
    ownerRef: 'group:default/team-a',
    objects: [
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: {
          name: `vcluster-${name}`,
          namespace: 'argocd',
          labels: meta.labels,
          annotations: {
            ...meta.annotations,
            'kebap.io/expires-at': expiresAt,
          },
        },
      },
    ],
  };
}

describe('GitopsDevClusterOrders', () => {
  let dir: string;
  let delivery: GitopsDelivery;
  const logger = createRecordingLogger();
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'dev-orders-'));
    delivery = new GitopsDelivery({
      repoPath: path.join(dir, 'repo'),
      mayOverwrite: mayOverwriteOrder,
    });
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  it('reads through the shared reader of the repository: once per HEAD, nothing while it does not move', async () => {
    await delivery.deliver(devCluster('alpha', '2026-12-01T00:00:00.000Z'), {
      logger,
    });
    const orders = new GitopsDevClusterOrders({ repoPath: delivery.repoPath });
    const other = new GitopsDevClusterOrders({ repoPath: delivery.repoPath });
    const shared = CommittedOrdersReader.forPath(delivery.repoPath);
    expect((await orders.list()).map(o => o.name)).toEqual(['alpha']);
    expect((await other.list()).map(o => o.name)).toEqual(['alpha']);
    expect(shared.stats.fullReads).toBe(1);
    const commands = shared.stats.gitCommands;
    await orders.list();
    expect(shared.stats.gitCommands).toBe(commands);

    await delivery.deliver(devCluster('beta', '2026-12-02T00:00:00.000Z'), {
      logger,
    });
    const [alpha, beta] = await orders.list();
    expect([alpha.name, beta.name]).toEqual(['alpha', 'beta']);
    expect(beta.expiresAt).toBe('2026-12-02T00:00:00.000Z');
    expect((await other.list()).map(o => o.name)).toEqual(['alpha', 'beta']);
    expect(shared.stats).toMatchObject({ fullReads: 1, incrementalReads: 1 });
  });
});
