import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { FakeKubernetesApi } from '../testing/FakeKubernetesApi';
import { KebapClusterCache } from './KebapClusterCache';
import { kebapClusterCacheServiceRef } from './kebapClusterCacheServiceRef';
import { WATCHED_RESOURCES } from './watchedResources';

describe('kebapClusterCacheServiceRef (default factory)', () => {
  let api: FakeKubernetesApi;
  let dir: string;
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'kubeconfig-'));
    await fs.promises.writeFile(
      path.join(dir, 'config'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'fake',
            // the client library refuses plain HTTP without it
            cluster: { server: api.baseUrl, 'insecure-skip-tls-verify': true },
          },
        ],
        users: [{ name: 'portal', user: { token: 't' } }],
        contexts: [
          { name: 'fake', context: { cluster: 'fake', user: 'portal' } },
        ],
        'current-context': 'fake',
      }),
    );
  });
  afterEach(async () => {
    await api.stop();
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  /** A plugin that only takes the cache, to see which instance it gets. */
  const consumer = (pluginId: string, seen: KebapClusterCache[]) =>
    createBackendPlugin({
      pluginId,
      register(env) {
        env.registerInit({
          deps: { cache: kebapClusterCacheServiceRef },
          async init({ cache }) {
            seen.push(cache);
          },
        });
      },
    });

  it('gives every plugin the same cache, watching the configured cluster once', async () => {
    const seen: KebapClusterCache[] = [];
    const backend = await startTestBackend({
      features: [
        consumer('one', seen),
        consumer('two', seen),
        mockServices.rootConfig.factory({
          data: {
            kebap: {
              delivery: { mode: 'kubernetes' },
              kubernetes: { kubeconfigPath: path.join(dir, 'config') },
            },
          },
        }),
      ],
    });
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0].configured).toBe(true);
    expect(await seen[0].waitForSync(3000)).toBe(true);
    expect(seen[0].state()).toEqual([
      { cluster: 'control-plane', synced: true },
    ]);
    const end = Date.now() + 3000;
    while (api.openWatches < WATCHED_RESOURCES.length && Date.now() < end)
      await new Promise(r => setTimeout(r, 10));
    expect(api.openWatches).toBe(WATCHED_RESOURCES.length);
    // stopping the backend stops the informers (their watches close)
    await backend.stop();
    const stopped = Date.now() + 3000;
    while (api.openWatches > 0 && Date.now() < stopped)
      await new Promise(r => setTimeout(r, 10));
    expect(api.openWatches).toBe(0);
  });

  it('is not configured (and calls nothing) on the embedded defaults', async () => {
    const seen: KebapClusterCache[] = [];
    const backend = await startTestBackend({
      features: [
        consumer('one', seen),
        mockServices.rootConfig.factory({
          data: { kebap: { delivery: { mode: 'gitops' } } },
        }),
      ],
    });
    expect(seen[0].configured).toBe(false);
    expect(seen[0].state()).toEqual([]);
    await backend.stop();
    expect(api.calls).toHaveLength(0);
  });
});
