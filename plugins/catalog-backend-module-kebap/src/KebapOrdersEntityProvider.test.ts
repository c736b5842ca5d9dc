import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { orderMetadata } from '@internal/plugin-kebap-common';
import { CommittedOrdersReader } from '@internal/plugin-kebap-node';
import { KebapOrdersEntityProvider } from './KebapOrdersEntityProvider';

const author = { name: 't', email: 't@localhost' };

function object(
  kind: string,
  name: string,
  meta: ReturnType<typeof orderMetadata>,
  extra: Record<string, string> = {},
) {
  return {
    apiVersion: 'v1',
    kind,
    metadata: {
      name,
      labels: meta.labels,
      annotations: { ...meta.annotations, ...extra },
    },
  };
}

describe('KebapOrdersEntityProvider', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'orders-'));
    await git.init({ fs, dir, defaultBranch: 'main' });
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  async function commit(files: Record<string, unknown | undefined>) {
    for (const [file, content] of Object.entries(files)) {
      if (content === undefined) {
        await fs.promises.rm(path.join(dir, file));
        await git.remove({ fs, dir, filepath: file });
      } else {
        await fs.promises.mkdir(path.dirname(path.join(dir, file)), {
          recursive: true,
        });
        await fs.promises.writeFile(
          path.join(dir, file),
          yaml.stringify(content),
        );
        await git.add({ fs, dir, filepath: file });
      }
    }
    await git.commit({ fs, dir, message: 'x', author });
  }

  const vc = orderMetadata({
    orderName: 'alpha',
    owner: 'group:default/team-payments',
    entityRef: 'resource:default/dev-alpha',
    env: 'dev',
    kind: 'vcluster',
    template: 'template:default/dev-cluster',
    taskId: 't-1',
  });
  const reg = orderMetadata({
    ...{
      orderName: 'alpha',
      owner: 'group:default/team-payments',
      entityRef: 'resource:default/dev-alpha',
      env: 'dev',
    },
    kind: 'cluster-registration',
  });

  function connect(
    options: Partial<
      ConstructorParameters<typeof KebapOrdersEntityProvider>[0]
    > = {},
  ) {
    const mutations: any[] = [];
    // the catalog's copy, as the mutations leave it
    const catalog = new Map<string, any>();
    const provider = new KebapOrdersEntityProvider({
      repoPath: dir,
      logger: mockServices.logger.mock(),
      ...options,
    });
    provider.connect({
      applyMutation: async m => {
        mutations.push(m);
        if (m.type === 'full') catalog.clear();
        for (const { entity } of m.type === 'full' ? m.entities : m.added) {
          catalog.set(entity.metadata.name, entity);
        }
        if (m.type === 'delta') {
          for (const r of m.removed) {
            catalog.delete(
              'entity' in r ? r.entity.metadata.name : r.entityRef,
            );
          }
        }
      },
      refresh: async () => {},
    });
    const names = () => [...catalog.keys()].sort();
    return { provider, mutations, names };
  }

  it('emits one Resource per committed order, owned by the order’s owner', async () => {
    await commit({
      'orders/dev/alpha/vcluster/namespace-vc-alpha.yaml': object(
        'Namespace',
        'vc-alpha',
        vc,
        {
          'kebap.io/expires-at': '2026-12-01T00:00:00.000Z',
          'kebap.io/purpose': 'API tests',
        },
      ),
      'orders/dev/alpha/registration/secretstore.yaml': object(
        'SecretStore',
        'vc-alpha-kubeconfig',
        reg,
      ),
      'README.md': 'not an order',
    });
    const { provider, mutations } = connect();
    await provider.refresh();
    expect(mutations).toHaveLength(1);
    expect(mutations[0].type).toBe('full');
    expect(mutations[0].entities).toEqual([
      {
        locationKey: 'kebap-orders',
        entity: {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'Resource',
          metadata: {
            name: 'dev-alpha',
            title: 'alpha (dev vCluster)',
            description: 'API tests',
            annotations: {
              'backstage.io/managed-by-location': `kebap-orders:${dir}/orders/dev/alpha`,
              'backstage.io/managed-by-origin-location': `kebap-orders:${dir}/orders/dev/alpha`,
              'backstage.io/kubernetes-id': 'dev-alpha',
              'backstage.io/kubernetes-label-selector':
                'kebap.io/order=alpha,kebap.io/env=dev',
              'kebap.io/order': 'alpha',
              'kebap.io/env': 'dev',
              'kebap.io/kind': 'vcluster',
              'kebap.io/objects':
                'v1/SecretStore/vc-alpha-kubeconfig,v1/Namespace/vc-alpha',
              'kebap.io/template-ref': 'template:default/dev-cluster',
              'kebap.io/task-id': 't-1',
              'kebap.io/expires-at': '2026-12-01T00:00:00.000Z',
            },
            tags: ['kebap', 'dev', 'vcluster'],
          },
          spec: {
            type: 'kubernetes-cluster',
            owner: 'group:default/team-payments',
            system: 'kebap',
          },
        },
      },
    ]);
  });

  it('drops an order whose folder was removed, and ignores objects the portal did not write', async () => {
    await commit({
      'orders/dev/alpha/vcluster/ns.yaml': object('Namespace', 'vc-alpha', vc),
    });
    const { provider, mutations, names } = connect();
    await provider.refresh();
    const seen = [names()];
    await commit({
      'orders/dev/alpha/vcluster/ns.yaml': undefined,
      'orders/dev/stray/x/cm.yaml': {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm' },
      },
    });
    await provider.refresh();
    seen.push(names());
    // the catalog's entities after each refresh
    expect(seen).toEqual([['dev-alpha'], []]);
    // a full mutation at start-up, then only what changed
    expect(mutations.map(m => m.type)).toEqual(['full', 'delta']);
    expect(mutations[1].added).toEqual([]);
    expect(
      mutations[1].removed.map((r: any) => [
        r.entity.metadata.name,
        r.locationKey,
      ]),
    ).toEqual([['dev-alpha', 'kebap-orders']]);
    expect(provider.emittedNames()).toEqual(new Set());
  });

  it('emits a delta of the orders a new HEAD changed, and runs no git command while HEAD does not move', async () => {
    const meta = (name: string) =>
      orderMetadata({
        orderName: name,
        owner: 'group:default/team-payments',
        entityRef: `resource:default/dev-${name}`,
        env: 'dev',
        kind: 'vcluster',
      });
    await commit({
      'orders/dev/alpha/vcluster/ns.yaml': object('Namespace', 'vc-alpha', vc),
      'orders/dev/beta/vcluster/ns.yaml': object(
        'Namespace',
        'vc-beta',
        meta('beta'),
      ),
    });
    const reader = new CommittedOrdersReader({ repoPath: dir });
    const { provider, mutations, names } = connect({ reader });
    await provider.refresh();
    expect(names()).toEqual(['dev-alpha', 'dev-beta']);

    // HEAD unchanged: no git command, no mutation
    const commands = reader.stats.gitCommands;
    for (let i = 0; i < 5; i++) await provider.refresh();
    expect(reader.stats.gitCommands).toBe(commands);
    expect(mutations).toHaveLength(1);

    // one order added, one changed: a delta of those two
    await commit({
      'orders/dev/gamma/vcluster/ns.yaml': object(
        'Namespace',
        'vc-gamma',
        meta('gamma'),
      ),
      'orders/dev/beta/vcluster/ns.yaml': object(
        'Namespace',
        'vc-beta',
        meta('beta'),
        { 'kebap.io/purpose': 'changed' },
      ),
    });
    await provider.refresh();
    expect(mutations).toHaveLength(2);
    expect(mutations[1].type).toBe('delta');
    expect(
      mutations[1].added.map((a: any) => a.entity.metadata.name).sort(),
    ).toEqual(['dev-beta', 'dev-gamma']);
    expect(mutations[1].removed).toEqual([]);
    expect(
      mutations[1].added.find((a: any) => a.entity.metadata.name === 'dev-beta')
        .entity.metadata.description,
    ).toBe('changed');
    expect(names()).toEqual(['dev-alpha', 'dev-beta', 'dev-gamma']);
    expect(provider.emittedNames()).toEqual(
      new Set(['dev-alpha', 'dev-beta', 'dev-gamma']),
    );

    // a commit that changes no order: no mutation
    await commit({ 'README.md': 'notes' });
    await provider.refresh();
    expect(mutations).toHaveLength(2);
  });

  it('sends the whole set again as a full mutation when the resync is due', async () => {
    await commit({
      'orders/dev/alpha/vcluster/ns.yaml': object('Namespace', 'vc-alpha', vc),
    });
    let now = 0;
    const { provider, mutations } = connect({
      fullResyncMs: 60_000,
      now: () => now,
    });
    await provider.refresh();
    now = 30_000;
    await provider.refresh();
    expect(mutations.map(m => m.type)).toEqual(['full']);
    now = 60_000;
    await provider.refresh();
    expect(mutations.map(m => m.type)).toEqual(['full', 'full']);
    expect(
      mutations[1].entities.map((e: any) => e.entity.metadata.name),
    ).toEqual(['dev-alpha']);
  });

  it('emits nothing before the repository exists', async () => {
    await fs.promises.rm(path.join(dir, '.git'), { recursive: true });
    const { provider, mutations } = connect();
    await provider.refresh();
    expect(mutations[0].entities).toEqual([]);
  });

  it('reads through the shared reader of the repository', async () => {
    await commit({
      'orders/dev/alpha/vcluster/ns.yaml': object('Namespace', 'vc-alpha', vc),
    });
    const { provider } = connect();
    await provider.refresh();
    const shared = CommittedOrdersReader.forPath(dir);
    expect(shared.current()?.orders.has('dev/alpha')).toBe(true);
    expect(shared.stats.fullReads).toBe(1);
  });
});
