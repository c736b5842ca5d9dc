import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { FakeKubernetesApi } from '../testing/FakeKubernetesApi';
import { KubernetesClient } from './KubernetesClient';

describe('KubernetesClient.fromConfig', () => {
  let api: FakeKubernetesApi;
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } },
      { manager: 'install' },
    );
  });
  afterEach(() => api.stop());
  const logger = mockServices.logger.mock();
  const read = (client: KubernetesClient) =>
    client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'argocd' });

  it('reads a kubeconfig file and its context', async () => {
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'kc-'));
    const file = path.join(dir, 'config');
    await fs.promises.writeFile(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'cp',
            cluster: { server: api.baseUrl, 'insecure-skip-tls-verify': true },
          },
          { name: 'other', cluster: { server: 'http://127.0.0.1:1' } },
        ],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [
          { name: 'cp', context: { cluster: 'cp', user: 'u' } },
          { name: 'other', context: { cluster: 'other', user: 'u' } },
        ],
        'current-context': 'other',
      }),
    );
    const client = KubernetesClient.fromConfig(
      new ConfigReader({
        kebap: { kubernetes: { kubeconfigPath: file, context: 'cp' } },
      }),
      { logger },
    );
    expect((await read(client))?.metadata.name).toBe('argocd');
    await fs.promises.rm(dir, { recursive: true });
  });

  it('uses a cluster of the Backstage kubernetes config by name', async () => {
    const client = KubernetesClient.fromConfig(
      new ConfigReader({
        kebap: { kubernetes: { clusterName: 'control-plane' } },
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                {
                  name: 'control-plane',
                  url: api.baseUrl,
                  authProvider: 'serviceAccount',
                  serviceAccountToken: 'token',
                  skipTLSVerify: true,
                },
              ],
            },
          ],
        },
      }),
      { logger },
    );
    expect((await read(client))?.metadata.name).toBe('argocd');
  });

  it('names a missing cluster clearly', () => {
    expect(() =>
      KubernetesClient.fromConfig(
        new ConfigReader({ kebap: { kubernetes: { clusterName: 'nope' } } }),
        { logger },
      ),
    ).toThrow(
      "kebap.kubernetes.clusterName: no cluster named 'nope' in the kubernetes config",
    );
  });
});
