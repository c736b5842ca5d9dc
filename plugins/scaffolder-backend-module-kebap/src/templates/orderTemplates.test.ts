/*
 * The prod-cluster and database templates ordered for real into a gitops
 * repository: every committed object validates against the real CRDs, the
 * catalog sees each order as one Resource of the right type, and the
 * decommission template removes every part of an order (Stack, Program,
 * ExternalSecrets, the share's ServiceAccount and SecretStore) in one commit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { describeWithSchemas } from '@internal/plugin-kebap-common/testing';
// the catalog module reads what the orders committed (test only)
import { KebapOrdersEntityProvider } from '@internal/plugin-catalog-backend-module-kebap';
import { startModuleActions } from '../__testUtils__/startModuleActions';
import {
  exampleParameters,
  readTemplateFiles,
  runTemplateSteps,
} from './__testUtils__/runTemplateSteps';

// real git commits and a test backend: slower than a unit test on a busy machine
jest.setTimeout(60_000);

const templates = readTemplateFiles();
const template = (folder: string) => templates.find(t => t.folder === folder)!;
const owner = 'group:default/team-payments';

let actions: Map<string, TemplateAction<any, any, any>>;
let stop: () => Promise<void>;
let tmp: string;
let repoPath: string;

beforeAll(async () => {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'order-templates-'));
  repoPath = path.join(tmp, 'repo');
  ({ actions, stop } = await startModuleActions({
    kebap: { delivery: { gitops: { repoPath } } },
  }));
});

afterAll(async () => {
  await stop?.();
  await fs.promises.rm(tmp, { recursive: true, force: true });
});

/** Every object committed under orders/ at HEAD, by file. */
async function committed(): Promise<Record<string, any>> {
  const oid = await git.resolveRef({ fs, dir: repoPath, ref: 'HEAD' });
  const files = (await git.listFiles({ fs, dir: repoPath, ref: oid })).filter(
    f => f.startsWith('orders/'),
  );
  const out: Record<string, any> = {};
  for (const filepath of files) {
    const { blob } = await git.readBlob({ fs, dir: repoPath, oid, filepath });
    out[filepath] = yaml.parse(Buffer.from(blob).toString('utf8'));
  }
  return out;
}

async function order(folder: string, overrides: Record<string, unknown>) {
  const t = template(folder);
  // the form's branch for the cloud asked for (its regions and sizes)
  const sets = exampleParameters(t);
  const parameters = sets.find(p => p.cloud === overrides.cloud) ?? sets[0];
  return runTemplateSteps({
    template: t,
    actions,
    parameters: { ...parameters, ...overrides },
    workspacePath: await fs.promises.mkdtemp(path.join(tmp, `ws-${folder}-`)),
    dryRun: false,
    taskId: `task-${folder}`,
  });
}

describeWithSchemas('prod-cluster and database orders in gitops', validator => {
  it('commits valid objects, shows both in the catalog, and decommissions all parts', async () => {
    await order('prod-cluster', { name: 'payments', owner, cloud: 'gcp' });
    await order('database', {
      name: 'ledger',
      owner,
      namespace: 'team-payments',
      cloud: 'aws',
    });

    const objects = await committed();
    expect(Object.keys(objects).sort()).toEqual([
      'orders/prod/ledger/secret-ledger-cloud/externalsecret-kebap-stacks.ledger-cloud.yaml',
      'orders/prod/ledger/stack/externalsecret-team-payments.ledger-db.yaml',
      'orders/prod/ledger/stack/program-kebap-stacks.ledger-program.yaml',
      'orders/prod/ledger/stack/secretstore-team-payments.ledger-connection-reader.yaml',
      'orders/prod/ledger/stack/serviceaccount-team-payments.ledger-connection-reader.yaml',
      'orders/prod/ledger/stack/stack-kebap-stacks.ledger.yaml',
      'orders/prod/payments/secret-payments-cloud/externalsecret-kebap-stacks.payments-cloud.yaml',
      'orders/prod/payments/stack/program-kebap-stacks.payments-program.yaml',
      'orders/prod/payments/stack/stack-kebap-stacks.payments.yaml',
    ]);
    for (const [file, obj] of Object.entries(objects)) {
      expect({ file, errors: validator().validate(obj) }).toEqual({
        file,
        errors: [],
      });
    }

    // the cluster's Stack: its program from the template folder, form values as config, credentials by reference
    const clusterStack =
      objects['orders/prod/payments/stack/stack-kebap-stacks.payments.yaml'];
    expect(clusterStack.spec).toMatchObject({
      stack: 'kebap/payments-program/payments',
      programRef: { name: 'payments-program' },
      destroyOnFinalize: true,
      config: {
        clusterName: 'payments',
        region: 'europe-west3',
        nodeSize: 'n2-standard-4',
        minNodes: '3',
        maxNodes: '6',
        kubernetesVersion: '1.32',
      },
      envRefs: {
        GOOGLE_CREDENTIALS: {
          type: 'Secret',
          secret: { name: 'payments-cloud', key: 'GOOGLE_CREDENTIALS' },
        },
      },
    });
    const clusterProgram =
      objects[
        'orders/prod/payments/stack/program-kebap-stacks.payments-program.yaml'
      ];
    expect(clusterProgram.program.resources.cluster.type).toBe(
      'gcp:container:Cluster',
    );
    const cloudSecret =
      objects[
        'orders/prod/payments/secret-payments-cloud/externalsecret-kebap-stacks.payments-cloud.yaml'
      ];
    expect(cloudSecret.spec.secretStoreRef).toEqual({
      kind: 'ClusterSecretStore',
      name: expect.any(String),
    });
    // Pulumi ESC reads only the key, a path into the environment (ESO-2)
    expect(cloudSecret.spec.data.map((d: any) => d.remoteRef)).toEqual([
      { key: 'gcp-credentials.GOOGLE_CREDENTIALS' },
      { key: 'gcp-credentials.GOOGLE_PROJECT' },
    ]);
    // the database's Program comes from programs/postgres/aws
    const dbProgram =
      objects[
        'orders/prod/ledger/stack/program-kebap-stacks.ledger-program.yaml'
      ];
    expect(dbProgram.program.resources.db.type).toBe('aws:rds:Instance');
    expect(
      objects[
        'orders/prod/ledger/stack/externalsecret-team-payments.ledger-db.yaml'
      ].spec.dataFrom,
    ).toEqual([{ extract: { key: 'ledger-connection' } }]);
    // no secret value anywhere in the commit
    expect(JSON.stringify(objects)).not.toMatch(/password":\s*"[^$]/);

    // the catalog: one Resource per order, of the right type
    const provider = new KebapOrdersEntityProvider({
      repoPath,
      logger: mockServices.logger.mock(),
    });
    const entities = await provider.readOrders();
    expect(
      entities.map(e => [e.metadata.name, e.spec?.type, e.spec?.owner]).sort(),
    ).toEqual([
      ['prod-ledger', 'database', owner],
      ['prod-payments', 'kubernetes-cluster', owner],
    ]);

    // decommission the database: every part of it goes, the cluster stays
    await order('decommission', {
      order: 'resource:default/prod-ledger',
      owner,
      confirm: 'ledger',
    });
    const after = await committed();
    expect(Object.keys(after).filter(f => f.includes('/ledger/'))).toEqual([]);
    expect(Object.keys(after).sort()).toEqual(
      Object.keys(objects)
        .filter(f => f.startsWith('orders/prod/payments/'))
        .sort(),
    );
    expect((await provider.readOrders()).map(e => e.metadata.name)).toEqual([
      'prod-payments',
    ]);

    // and the cluster, whose Stack's finalizer destroys the cloud cluster
    await order('decommission', {
      order: 'resource:default/prod-payments',
      owner,
      confirm: 'payments',
    });
    expect(await committed()).toEqual({});
    expect(await provider.readOrders()).toEqual([]);
  });

  it('refuses to decommission another team’s database and removes nothing', async () => {
    await order('database', {
      name: 'search-db',
      owner: 'group:default/team-search',
      namespace: 'team-search',
      cloud: 'gcp',
    });
    const before = await committed();
    await expect(
      order('decommission', {
        order: 'resource:default/prod-search-db',
        owner,
        confirm: 'search-db',
      }),
    ).rejects.toThrow(
      /\(kebap:decommission\): Order prod\/search-db .*team-search/,
    );
    expect(await committed()).toEqual(before);
  });

  it('refuses a database named like the same team’s prod cluster, and leaves the cluster as it was', async () => {
    await order('prod-cluster', { name: 'shared-name', owner, cloud: 'aws' });
    const before = await committed();
    await expect(
      order('database', {
        name: 'shared-name',
        owner,
        namespace: 'team-payments',
        cloud: 'aws',
      }),
    ).rejects.toThrow(
      /Stack\/kebap-stacks\/shared-name: belongs to the cluster order shared-name, not a database order/,
    );
    expect(await committed()).toEqual(before);
  });
});
