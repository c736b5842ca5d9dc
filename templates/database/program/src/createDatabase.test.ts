import * as pulumi from '@pulumi/pulumi';
import {
  registered,
  setProgramMocks,
  shortType,
  valueOf,
  yamlProgramTypes,
} from './testing';
import { createDatabase } from './createDatabase';

const args = {
  dbName: 'ledger',
  engineVersion: '16',
  storageGb: 50,
  connectionSecretName: 'ledger-connection',
  connectionSecretNamespace: 'kebap-stacks',
  readerServiceAccount: 'ledger-connection-reader',
  readerNamespace: 'team-payments',
};
const generated = 'GENERATEDpassword0123456789abcdef';

beforeAll(setProgramMocks);
beforeEach(() => {
  registered.length = 0;
});

const byType = (type: string) => registered.filter(r => r.type === type);

async function create(cloud: 'aws' | 'gcp') {
  const out = createDatabase(cloud, {
    ...args,
    region: cloud === 'aws' ? 'eu-central-1' : 'europe-west3',
    size: cloud === 'aws' ? 'db.t4g.medium' : 'db-custom-2-7680',
  });
  // the reader's binding depends on the Secret, which depends on the
  // database: once it has an id, all is registered
  await valueOf(out.readerBinding.id);
  return out;
}

describe.each(['aws', 'gcp'] as const)('PostgreSQL on %s', cloud => {
  it('generates the password and keeps it and the uri secret', async () => {
    const out = await create(cloud);
    const [password] = byType('random:index/randomPassword:RandomPassword');
    expect(password.inputs).toMatchObject({ length: 32, special: false });
    expect(await pulumi.isSecret(out.password)).toBe(true);
    expect(await pulumi.isSecret(out.uri)).toBe(true);
    expect(await pulumi.isSecret(out.host)).toBe(false);
    expect(await valueOf(out.password)).toBe(generated);
    expect(await valueOf(out.uri)).toMatch(
      new RegExp(
        `^postgresql://app_admin:${generated}@[^:]+:5432/app\\?sslmode=require$`,
      ),
    );
  });

  it('writes the connection Secret in the Stack namespace, as secret data', async () => {
    const out = await create(cloud);
    const [secret] = byType('kubernetes:core/v1:Secret');
    expect(secret.inputs.metadata).toEqual({
      name: 'ledger-connection',
      namespace: 'kebap-stacks',
      labels: { 'kebap.io/order': 'ledger', 'kebap.io/env': 'prod' },
    });
    expect(secret.inputs.stringData).toEqual({
      host: await valueOf(out.host),
      port: '5432',
      database: 'app',
      username: 'app_admin',
      password: generated,
      uri: await valueOf(out.uri),
    });
    expect(secret.secretInputs).toContain('stringData');
  });

  it('lets only the owner’s reader get that one Secret', async () => {
    await create(cloud);
    const [role] = byType('kubernetes:rbac.authorization.k8s.io/v1:Role');
    expect(role.inputs.metadata.namespace).toBe('kebap-stacks');
    expect(role.inputs.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: ['ledger-connection'],
        verbs: ['get'],
      },
    ]);
    const [binding] = byType(
      'kubernetes:rbac.authorization.k8s.io/v1:RoleBinding',
    );
    expect(binding.inputs.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'ledger-connection-reader',
    });
    expect(binding.inputs.subjects).toEqual([
      {
        kind: 'ServiceAccount',
        name: 'ledger-connection-reader',
        namespace: 'team-payments',
      },
    ]);
  });

  it('creates the same resources as the Pulumi YAML program', async () => {
    await create(cloud);
    expect(registered.map(r => shortType(r.type)).sort()).toEqual(
      yamlProgramTypes(`../../programs/postgres/${cloud}/Pulumi.yaml`),
    );
  });
});

it('aws: an encrypted private RDS instance from the form values', async () => {
  await create('aws');
  const [provider] = byType('pulumi:providers:aws');
  expect(provider.inputs.region).toBe('eu-central-1');
  const [db] = byType('aws:rds/instance:Instance');
  expect(db.inputs).toMatchObject({
    identifier: 'prod-ledger',
    engine: 'postgres',
    engineVersion: '16',
    instanceClass: 'db.t4g.medium',
    allocatedStorage: 50,
    storageEncrypted: true,
    publiclyAccessible: false,
    password: generated,
    finalSnapshotIdentifier: 'prod-ledger-final',
  });
  expect(db.secretInputs).toContain('password');
});

it('gcp: a Cloud SQL instance with a private IP only, its database and user', async () => {
  const out = await create('gcp');
  const [instance] = byType('gcp:sql/databaseInstance:DatabaseInstance');
  expect(instance.inputs).toMatchObject({
    name: 'prod-ledger',
    region: 'europe-west3',
    databaseVersion: 'POSTGRES_16',
    settings: {
      tier: 'db-custom-2-7680',
      diskSize: 50,
      ipConfiguration: {
        ipv4Enabled: false,
        privateNetwork: 'projects/acme-prod/global/networks/default',
      },
    },
  });
  const [user] = byType('gcp:sql/user:User');
  expect(user.inputs).toMatchObject({ name: 'app_admin', password: generated });
  expect(user.secretInputs).toContain('password');
  expect(await valueOf(out.host)).toBe('10.20.0.5');
});

describe('the program refuses what no cloud accepts', () => {
  it.each([
    [{ dbName: 'Ledger!' }, /dbName: 'Ledger!' must be a DNS label/],
    [{ engineVersion: '16.2' }, /engineVersion: '16.2' is not a major version/],
    [{ storageGb: 5 }, /storageGb: must be a whole number from 20 to 2000/],
  ])('%j', (bad, message) => {
    expect(() =>
      createDatabase('aws', {
        ...args,
        region: 'eu-central-1',
        size: 'db.t4g.micro',
        ...bad,
      }),
    ).toThrow(message);
    expect(registered).toEqual([]);
  });

  it('an unknown cloud', () => {
    expect(() =>
      createDatabase('azure', { ...args, region: 'x', size: 'y' }),
    ).toThrow(/cloud: 'azure' is not one of aws, gcp/);
  });
});
