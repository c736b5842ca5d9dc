import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Entity } from '@backstage/catalog-model';
import {
  KebapClusterCache,
  kebapClusterCacheServiceRef,
  KubernetesClient,
} from '@internal/plugin-kebap-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { kebapPlugin } from './plugin';
import { databaseOrder, orderEntity } from './testing/orderFixtures';

const reader = 'user:default/reader';
const stranger = 'user:default/stranger';

/** A catalog that applies a read rule: only `reader` may read entities. */
function catalogFor(entities: Entity[]) {
  return catalogServiceMock.mock({
    getEntityByRef: async (ref, options) => {
      const credentials =
        options && 'credentials' in options ? options.credentials : undefined;
      const principal = credentials?.principal as
        | { userEntityRef?: string }
        | undefined;
      if (principal?.userEntityRef !== reader) return undefined;
      const wanted = typeof ref === 'string' ? ref : '';
      return entities.find(
        e =>
          `${e.kind.toLocaleLowerCase('en-US')}:${
            e.metadata.namespace ?? 'default'
          }/${e.metadata.name}` === wanted,
      );
    },
  });
}

async function until<T>(
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  what: string,
): Promise<T> {
  const end = Date.now() + 5000;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise(r => setTimeout(r, 20));
  }
}

describe('GET /api/kebap/status (against the API test double)', () => {
  let api: FakeKubernetesApi;
  let cache: KebapClusterCache;
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    cache = new KebapClusterCache({
      clusters: [
        {
          name: 'control-plane',
          client: new KubernetesClient({
            baseUrl: api.baseUrl,
            logger: mockServices.logger.mock(),
            retry: {
              attempts: 1,
              baseDelayMs: 5,
              maxDelayMs: 5,
              timeoutMs: 500,
            },
          }),
        },
      ],
      logger: mockServices.logger.mock(),
      backoff: { initialMs: 20, maxMs: 100 },
    });
  });
  afterEach(async () => {
    await cache.stop();
    await api.stop();
  });

  async function start(config: object, entities: Entity[]) {
    const { server } = await startTestBackend({
      features: [
        kebapPlugin,
        catalogFor(entities).factory,
        createServiceFactory({
          service: kebapClusterCacheServiceRef,
          deps: {},
          factory: () => {
            cache.start();
            return cache;
          },
        }),
        mockServices.rootConfig.factory({ data: config }),
      ],
    });
    const get = (ref: string, user = reader) =>
      request(server)
        .get(`/api/kebap/status/${ref}`)
        .set('Authorization', mockCredentials.user.header(user));
    return { get };
  }

  it('serves the status from the watch cache: appears, changes after a watch event, disappears', async () => {
    const { namespace, stack } = databaseOrder('orders');
    api.seed(namespace, { manager: 'test' });
    const { get } = await start(
      {
        kebap: {
          delivery: { mode: 'kubernetes' },
          pulumi: { cloudUrl: 'https://pulumi.example.com' },
        },
      },
      [orderEntity('orders')],
    );
    expect(await cache.waitForSync(3000)).toBe(true);

    const before = await get('resource/default/dev-orders');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      state: 'not-found',
      source: 'cluster',
    });

    api.seed(stack, { manager: 'kebap-portal' });
    const appeared = await until(
      () => get('resource/default/dev-orders'),
      r => r.body.state === 'progressing',
      'the Stack to appear',
    );
    expect(appeared.body.stack).toMatchObject({
      name: 'dev-orders-database',
      url: 'https://pulumi.example.com/acme/databases/dev-orders',
    });

    const calls = api.calls.length;
    api.setStatus(
      {
        apiVersion: 'pulumi.com/v1',
        kind: 'Stack',
        namespace: 'kebap-orders',
        name: 'dev-orders-database',
      },
      {
        lastUpdate: { state: 'failed', message: 'quota exceeded' },
        conditions: [{ type: 'Ready', status: 'False' }],
        outputs: { host: 'db', password: '[secret]' },
      },
    );
    const failed = await until(
      () => get('resource/default/dev-orders'),
      r => r.body.state === 'failed',
      'the failure to show',
    );
    expect(failed.body.stack.failureMessage).toBe('quota exceeded');
    expect(failed.body.stack.outputs).toEqual([
      { name: 'host', secret: false, value: 'db' },
      { name: 'password', secret: true },
    ]);
    // page views cost no Kubernetes API call
    expect(api.calls.length).toBe(calls);

    api.remove({
      apiVersion: 'pulumi.com/v1',
      kind: 'Stack',
      namespace: 'kebap-orders',
      name: 'dev-orders-database',
    });
    await until(
      () => get('resource/default/dev-orders'),
      r => r.body.state === 'not-found',
      'the deletion to show',
    );
  });

  it('refuses entities the caller may not read (404) and bad refs (400)', async () => {
    const { get } = await start(
      { kebap: { delivery: { mode: 'kubernetes' } } },
      [orderEntity('orders')],
    );
    const hidden = await get('resource/default/dev-orders', stranger);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.name).toBe('NotFoundError');
    expect((await get('resource/default/dev-nothing')).status).toBe(404);
    const bad = await get('resource/default/-bad-');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /^name: '-bad-' is not a valid entity name/,
    );
    expect((await get('re source/default/x')).status).toBe(400);
  });

  it('is unreachable while the cluster cannot be read', async () => {
    api.injectFault({ method: 'GET', times: 1000, fault: { status: 503 } });
    const { get } = await start(
      { kebap: { delivery: { mode: 'kubernetes' } } },
      [orderEntity('orders')],
    );
    const answer = await until(
      () => get('resource/default/dev-orders'),
      r => r.body.summary?.includes('HTTP 503'),
      'the failure',
    );
    expect(answer.body.state).toBe('unreachable');
  });

  describe('without a cluster (embedded default)', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orders-'));
      await git.init({ fs, dir, defaultBranch: 'main' });
    });
    afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

    it('answers pending-sync from the orders repository at HEAD', async () => {
      const { stack } = databaseOrder('orders');
      const file =
        'orders/dev/orders/database/stack-kebap-orders.dev-orders-database.yaml';
      await fs.promises.mkdir(path.dirname(path.join(dir, file)), {
        recursive: true,
      });
      await fs.promises.writeFile(path.join(dir, file), yaml.stringify(stack));
      await git.add({ fs, dir, filepath: file });
      await git.commit({
        fs,
        dir,
        message:
          'Order dev/orders (database) for group:default/team-payments by user:default/guest (task t-1)',
        author: {
          name: 'KEBAP portal',
          email: 'kebap-portal@localhost',
          timestamp: 1764057600,
          timezoneOffset: 0,
        },
      });
      const unconfigured = new KebapClusterCache({
        clusters: [],
        logger: mockServices.logger.mock(),
      });
      const { server } = await startTestBackend({
        features: [
          kebapPlugin,
          catalogFor([orderEntity('orders'), orderEntity('gone')]).factory,
          createServiceFactory({
            service: kebapClusterCacheServiceRef,
            deps: {},
            factory: () => unconfigured,
          }),
          mockServices.rootConfig.factory({
            data: {
              kebap: {
                delivery: { mode: 'gitops', gitops: { repoPath: dir } },
              },
            },
          }),
        ],
      });
      const answer = await request(server)
        .get('/api/kebap/status/resource/default/dev-orders')
        .set('Authorization', mockCredentials.user.header(reader));
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        state: 'pending-sync',
        source: 'gitops',
        summary: 'Committed to Git; not applied yet',
        order: {
          name: 'orders',
          owner: 'group:default/team-payments',
          requestedBy: 'user:default/guest',
          orderedAt: '2025-11-25T08:00:00.000Z',
          template: 'template:default/database',
        },
        objects: [{ kind: 'Stack', name: 'dev-orders-database' }],
      });
      const gone = await request(server)
        .get('/api/kebap/status/resource/default/dev-gone')
        .set('Authorization', mockCredentials.user.header(reader));
      expect(gone.body.state).toBe('not-found');
    });
  });
});
