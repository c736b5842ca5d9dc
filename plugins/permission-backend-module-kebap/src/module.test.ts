/*
 * End to end through the real scaffolder and permission backends (one test
 * backend on a loopback port): a user outside the platform group creates a
 * scaffolder task that orders a prod cluster, and the task fails with the
 * scaffolder's "not allowed" before anything reaches the orders repository;
 * a platform admin's identical order goes through; the guest orders a dev
 * cluster with the real templates/dev-cluster/template.yaml for its own
 * team, not for another, and extends it with the real
 * templates/extend-dev-cluster/template.yaml only as its owner.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { OWNER_CHECKED_ACTIONS } from './KebapPermissionPolicy';
import { permissionModuleKebapPolicy } from './module';
import permissionBackend from '@backstage/plugin-permission-backend';
import scaffolderBackend from '@backstage/plugin-scaffolder-backend';
import scaffolderModuleKebap from '@internal/plugin-scaffolder-backend-module-kebap';

const ownership: Record<string, string[]> = {
  'user:default/alice': ['user:default/alice', 'group:default/platform-team'],
  'user:default/bob': ['user:default/bob', 'group:default/team-payments'],
  'user:default/guest': ['user:default/guest', 'group:default/team-payments'],
};

/** The users' groups, as the catalog's sign-in resolver would give them. */
const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const ref = credentials.principal.userEntityRef;
      return {
        userEntityRef: ref,
        ownershipEntityRefs: ownership[ref] ?? [ref],
      };
    },
  }),
});

/*
 * The mock auth service turns an on-behalf-of token back into a plain user,
 * without the `actor` that the real auth service (backend-defaults'
 * DefaultAuthService) puts on it. The permission backend refuses resource
 * permissions without a resourceRef from a user with no actor (a direct
 * user request), so the scaffolder's conditional checks would fail here
 * but not in the real backend. This wrapper adds the actor, as the real
 * service does; nothing else changes.
 */
const httpAuthFactory = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }) => {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    const oboPrefix = mockCredentials.service
      .token({ onBehalfOf: mockCredentials.user(), targetPluginId: 'x' })
      .split('{')[0];
    return {
      async credentials(req: any, options?: any) {
        const credentials: any = await inner.credentials(req, options);
        const header = String(req.headers.authorization ?? '');
        if (
          header.startsWith(`Bearer ${oboPrefix}`) &&
          credentials.principal.type === 'user'
        ) {
          return mockCredentials.user(credentials.principal.userEntityRef, {
            actor: { subject: 'plugin:on-behalf-of' },
          });
        }
        return credentials;
      },
      issueUserCookie: (res: any, options?: any) =>
        inner.issueUserCookie(res, options),
    } as any;
  },
});

const prodOrderTemplate: Entity = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'prod-order-test', namespace: 'default' },
  spec: {
    owner: 'group:default/platform-team',
    type: 'test',
    parameters: [
      {
        properties: {
          name: { type: 'string' },
          owner: { type: 'string' },
          env: { type: 'string' },
          kind: { type: 'string' },
        },
      },
    ],
    steps: [
      {
        id: 'stack',
        name: 'Order the prod cluster',
        action: 'kebap:pulumi:stack',
        input: {
          name: '${{ parameters.name }}',
          namespace: 'kebap-stacks',
          owner: '${{ parameters.owner }}',
          env: '${{ parameters.env }}',
          kind: '${{ parameters.kind }}',
          stack: 'acme/${{ parameters.name }}-program/${{ parameters.name }}',
          program: {
            resources: {
              cluster: {
                type: 'digitalocean:KubernetesCluster',
                properties: { region: 'fra1', version: '1.31' },
              },
            },
          },
        },
      },
    ],
  },
};

const repoRoot = path.resolve(__dirname, '../../..');
const devClusterTemplate = yaml.parse(
  fs.readFileSync(
    path.join(repoRoot, 'templates/dev-cluster/template.yaml'),
    'utf8',
  ),
) as Entity;
devClusterTemplate.metadata.namespace = 'default';
const extendTemplate = yaml.parse(
  fs.readFileSync(
    path.join(repoRoot, 'templates/extend-dev-cluster/template.yaml'),
    'utf8',
  ),
) as Entity;
extendTemplate.metadata.namespace = 'default';

/** A template of templates/ as the catalog registers it (a file location). */
function realTemplate(folder: string): Entity {
  const file = path.join(repoRoot, 'templates', folder, 'template.yaml');
  const entity = yaml.parse(fs.readFileSync(file, 'utf8')) as Entity;
  entity.metadata.namespace = 'default';
  entity.metadata.annotations = {
    ...entity.metadata.annotations,
    'backstage.io/managed-by-location': `file:${file}`,
    'backstage.io/managed-by-origin-location': `file:${file}`,
  };
  return entity;
}
const prodClusterTemplate = realTemplate('prod-cluster');

describe('permission policy, end to end through the scaffolder', () => {
  let dir: string;
  let baseUrl: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'kebap-perm-'));
    const backend = await startTestBackend({
      features: [
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            kebap: {
              delivery: {
                mode: 'gitops',
                gitops: { repoPath: path.join(dir, 'gitops') },
              },
              expiry: { enabled: false },
            },
          },
        }),
        userInfoFactory,
        httpAuthFactory,
        catalogServiceMock.factory({
          entities: [
            prodOrderTemplate,
            devClusterTemplate,
            extendTemplate,
            prodClusterTemplate,
          ],
        }),
        permissionBackend,
        permissionModuleKebapPolicy,
        scaffolderBackend,
        scaffolderModuleKebap,
      ],
    });
    const address = backend.server.address();
    baseUrl = `http://127.0.0.1:${
      typeof address === 'object' && address ? address.port : 0
    }`;
    stop = () => backend.stop();
  });
  afterAll(async () => {
    await stop?.();
    await fs.promises.rm(dir, { recursive: true, force: true });
  });

  async function api(
    user: string,
    method: string,
    url: string,
    body?: unknown,
  ) {
    const res = await fetch(`${baseUrl}/api/scaffolder${url}`, {
      method,
      headers: {
        authorization: mockCredentials.user.header(user),
        'content-type': 'application/json',
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Creates a task as `user` and waits (polling) until it ends. */
  async function runTask(
    user: string,
    templateRef: string,
    values: Record<string, unknown>,
  ): Promise<{ status: string; log: string; createdBy: string }> {
    const { id } = await api(user, 'POST', '/v2/tasks', {
      templateRef,
      values,
    });
    for (let i = 0; i < 300; i++) {
      const task = await api(user, 'GET', `/v2/tasks/${id}`);
      if (['completed', 'failed', 'cancelled'].includes(task.status)) {
        const events = await api(user, 'GET', `/v2/tasks/${id}/events`);
        const log = events
          .map((e: any) => e.body?.message)
          .filter(Boolean)
          .join('\n');
        return { status: task.status, log, createdBy: task.createdBy };
      }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`task ${id} did not end`);
  }

  const orderFolders = (env: string) => {
    const root = path.join(dir, 'gitops', 'orders', env);
    return fs.existsSync(root) ? fs.readdirSync(root).sort() : [];
  };

  it('refuses a prod-cluster order by a user outside the platform group, and writes nothing', async () => {
    const { status, log, createdBy } = await runTask(
      'user:default/bob',
      'template:default/prod-order-test',
      {
        name: 'payments-prod',
        owner: 'group:default/team-payments',
        env: 'prod',
        kind: 'cluster',
      },
    );
    expect(createdBy).toBe('user:default/bob');
    expect(status).toBe('failed');
    expect(log).toContain(
      'Unauthorized action: kebap:pulumi:stack. The action is not allowed.',
    );
    expect(orderFolders('prod')).toEqual([]);
  });

  it('lets a platform admin order the same prod cluster', async () => {
    const { status, log } = await runTask(
      'user:default/alice',
      'template:default/prod-order-test',
      {
        name: 'payments-prod',
        owner: 'group:default/team-payments',
        env: 'prod',
        kind: 'cluster',
      },
    );
    expect(`${status}: ${log}`).toMatch(/^completed/);
    expect(orderFolders('prod')).toEqual(['payments-prod']);
  });

  it('refuses the real prod-cluster template to a non-admin and runs it for an admin', async () => {
    const values = {
      name: 'real-prod',
      owner: 'group:default/team-payments',
      cloud: 'aws',
      region: 'eu-central-1',
      nodeSize: 'm7i.xlarge',
      minNodes: 3,
      maxNodes: 6,
      kubernetesVersion: '1.32',
    };
    const refused = await runTask(
      'user:default/bob',
      'template:default/prod-cluster',
      values,
    );
    expect(refused.status).toBe('failed');
    expect(refused.log).toContain(
      'Unauthorized action: kebap:pulumi:stack. The action is not allowed.',
    );
    expect(orderFolders('prod')).not.toContain('real-prod');

    const done = await runTask(
      'user:default/alice',
      'template:default/prod-cluster',
      values,
    );
    expect(`${done.status}: ${done.log}`).toMatch(/^completed/);
    expect(orderFolders('prod')).toContain('real-prod');
  });

  it('lets the guest order a dev cluster for its own team with the real template, not for another', async () => {
    const values = { name: 'guest-dev', size: 'small', lifetimeDays: 3 };
    const own = await runTask(
      'user:default/guest',
      'template:default/dev-cluster',
      {
        ...values,
        owner: 'group:default/team-payments',
      },
    );
    expect(`${own.status}: ${own.log}`).toMatch(/^completed/);
    expect(orderFolders('dev')).toEqual(['guest-dev']);

    const other = await runTask(
      'user:default/guest',
      'template:default/dev-cluster',
      {
        ...values,
        name: 'other-dev',
        owner: 'group:default/team-search',
      },
    );
    expect(other.status).toBe('failed');
    expect(other.log).toContain(
      'Unauthorized action: kebap:vcluster:create. The action is not allowed.',
    );
    expect(orderFolders('dev')).toEqual(['guest-dev']);
  });

  it('lets the guest extend its team’s dev cluster with the real template, and nobody else’s', async () => {
    // guest-dev was ordered by the test before, for team-payments
    const expiresAt = () =>
      yaml.parse(
        fs.readFileSync(
          path.join(
            dir,
            'gitops/orders/dev/guest-dev/vcluster/application-argocd.vcluster-guest-dev.yaml',
          ),
          'utf8',
        ),
      ).metadata.annotations['kebap.io/expires-at'];
    const before = expiresAt();
    const refused = await runTask(
      'user:default/guest',
      'template:default/extend-dev-cluster',
      {
        order: 'resource:default/dev-guest-dev',
        owner: 'group:default/team-search',
        days: 20,
      },
    );
    expect(refused.status).toBe('failed');
    expect(refused.log).toContain(
      'Unauthorized action: kebap:extend. The action is not allowed.',
    );
    expect(expiresAt()).toBe(before);

    const extended = await runTask(
      'user:default/guest',
      'template:default/extend-dev-cluster',
      {
        order: 'resource:default/dev-guest-dev',
        owner: 'group:default/team-payments',
        days: 20,
      },
    );
    expect(`${extended.status}: ${extended.log}`).toMatch(/^completed/);
    expect(Date.parse(expiresAt())).toBeGreaterThan(
      Date.parse(before) + 16 * 24 * 3600 * 1000,
    );
  });

  it('owner-checks every kebap:* action the scaffolder lists that takes an owner', async () => {
    const actions: { id: string; schema?: { input?: any } }[] = await api(
      'user:default/bob',
      'GET',
      '/v2/actions',
    );
    const withOwner = actions
      .filter(a => a.id.startsWith('kebap:'))
      .filter(a => a.schema?.input?.properties?.owner)
      .map(a => a.id)
      .sort();
    expect(withOwner.length).toBeGreaterThanOrEqual(5);
    expect(withOwner.filter(id => !OWNER_CHECKED_ACTIONS.includes(id))).toEqual(
      [],
    );
  });
});
