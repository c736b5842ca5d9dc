/*
 * The Pulumi YAML programs that travel with the templates
 * (templates/<order>/programs/**\/Pulumi.yaml). No Pulumi CLI here: each file
 * is parsed and converted as kebap:pulumi:stack does (programPath), then its
 * resources and outputs are asserted; the config each template step passes
 * must be exactly what the program declares.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { pulumiYamlProjectToProgram } from '@internal/plugin-kebap-common';
import {
  readTemplateFiles,
  repositoryRoot,
} from './__testUtils__/runTemplateSteps';

function programFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(p);
      else if (
        e.name === 'Pulumi.yaml' &&
        p.includes(`${path.sep}programs${path.sep}`)
      )
        out.push(p);
    }
  };
  walk(path.join(repositoryRoot, 'templates'));
  return out.sort();
}

function load(relative: string) {
  const text = fs.readFileSync(
    path.join(repositoryRoot, 'templates', relative),
    'utf8',
  );
  const { program, issues } = pulumiYamlProjectToProgram(text, {
    field: relative,
  });
  expect(issues).toEqual([]);
  return { program: program as any, project: yaml.parse(text) };
}

describe('every program file', () => {
  const files = programFiles();
  it('exists for each cloud of the templates', () => {
    expect(files.map(f => path.relative(repositoryRoot, f))).toEqual(
      expect.arrayContaining([
        'templates/prod-cluster/programs/aws/Pulumi.yaml',
        'templates/prod-cluster/programs/gcp/Pulumi.yaml',
        'templates/database/programs/postgres/aws/Pulumi.yaml',
        'templates/database/programs/postgres/gcp/Pulumi.yaml',
      ]),
    );
  });

  it.each(files.map(f => [path.relative(repositoryRoot, f), f]))(
    '%s converts to a Program, and its cloud resources use the explicit provider',
    (_rel, file) => {
      const { program, issues } = pulumiYamlProjectToProgram(
        fs.readFileSync(file, 'utf8'),
        { field: 'program' },
      );
      expect(issues).toEqual([]);
      const resources = Object.entries<any>(program!.resources ?? {});
      const provider = resources.find(([, r]) =>
        r.type.startsWith('pulumi:providers:'),
      );
      expect(provider).toBeDefined();
      expect(provider![1].properties.region).toBe('${region}');
      const withoutProvider = resources
        .filter(([, r]) => /^(aws|gcp):/.test(r.type))
        .filter(([, r]) => r.options?.provider !== `\${${provider![0]}}`)
        .map(([name]) => name);
      expect(withoutProvider).toEqual([]);
    },
  );
});

describe('the template steps pass exactly the config their program declares', () => {
  const templates = readTemplateFiles().filter(t =>
    ['prod-cluster', 'database'].includes(t.folder),
  );
  it.each(
    templates.flatMap(t =>
      t.steps
        .filter(s => s.action === 'kebap:pulumi:stack')
        .map(s => [t.folder, s.id, t, s] as const),
    ),
  )('%s %s', (_folder, _id, t, step) => {
    const programPath = String(step.input!.programPath).replace(
      '${{ parameters.engine }}',
      'postgres',
    );
    const { project } = load(path.join(t.folder, programPath));
    const declared = Object.keys(project.config);
    const required = declared.filter(
      k => project.config[k].default === undefined,
    );
    const passed = Object.keys(step.input!.config as object);
    expect(passed.filter(k => !declared.includes(k))).toEqual([]);
    expect(required.filter(k => !passed.includes(k))).toEqual([]);
  });
});

describe('prod-cluster programs', () => {
  it.each([
    ['aws', 'aws:eks:Cluster'],
    ['gcp', 'gcp:container:Cluster'],
  ])(
    '%s: a cluster from the form values, registered in Argo CD as env: prod, kubeconfig secret',
    (cloud, clusterType) => {
      const { program } = load(`prod-cluster/programs/${cloud}/Pulumi.yaml`);
      const r = program.resources;
      expect(r.cluster.type).toBe(clusterType);
      expect(r.cluster.properties.name).toBe('prod-${clusterName}');
      const argocd = r.argocdCluster;
      expect(argocd.type).toBe('kubernetes:core/v1:Secret');
      expect(argocd.properties.metadata).toMatchObject({
        name: 'cluster-prod-${clusterName}',
        namespace: '${argocdNamespace}',
        labels: {
          'argocd.argoproj.io/secret-type': 'cluster',
          env: 'prod',
          'kebap.io/env': 'prod',
          'kebap.io/order': '${clusterName}',
        },
      });
      expect(Object.keys(argocd.properties.stringData).sort()).toEqual([
        'config',
        'name',
        'server',
      ]);
      expect(argocd.properties.stringData.name).toBe('prod-${clusterName}');
      expect(argocd.properties.stringData.config['fn::toJSON']).toHaveProperty(
        'tlsClientConfig.caData',
      );
      // no credential in the registration: Argo CD authenticates by its own identity
      expect(JSON.stringify(argocd)).not.toMatch(
        /bearerToken|keyData|password/,
      );
      expect(Object.keys(program.outputs.kubeconfig)).toEqual(['fn::secret']);
      expect(program.outputs.kubeconfig['fn::secret']['fn::toJSON'].kind).toBe(
        'Config',
      );
    },
  );
});

describe('prod-cluster programs, per cloud', () => {
  it('aws: EKS version, node group size and scaling from config; Argo CD by access entry', () => {
    const r = load('prod-cluster/programs/aws/Pulumi.yaml').program.resources;
    expect(r.cluster.properties.version).toBe('${kubernetesVersion}');
    expect(r.nodes.type).toBe('aws:eks:NodeGroup');
    expect(r.nodes.properties.instanceTypes).toEqual(['${nodeSize}']);
    expect(r.nodes.properties.scalingConfig).toEqual({
      minSize: '${minNodes}',
      maxSize: '${maxNodes}',
      desiredSize: '${minNodes}',
    });
    // Argo CD reaches the cluster through an access entry of its IAM role
    expect(r.argocdAdmin.properties.principalArn).toBe('${argocdRoleArn}');
    expect(
      r.argocdCluster.properties.stringData.config['fn::toJSON'].awsAuthConfig,
    ).toEqual({ clusterName: '${cluster.name}', roleARN: '${argocdRoleArn}' });
  });

  it('gcp: GKE version and region, node pool size and autoscaling from config', () => {
    const r = load('prod-cluster/programs/gcp/Pulumi.yaml').program.resources;
    expect(r.cluster.properties.minMasterVersion).toBe('${kubernetesVersion}');
    expect(r.cluster.properties.location).toBe('${region}');
    expect(r.nodes.type).toBe('gcp:container:NodePool');
    expect(r.nodes.properties.nodeConfig.machineType).toBe('${nodeSize}');
    expect(r.nodes.properties.autoscaling).toMatchObject({
      totalMinNodeCount: '${minNodes}',
      totalMaxNodeCount: '${maxNodes}',
    });
  });
});

describe('database programs, per cloud', () => {
  it('aws: RDS PostgreSQL from config, encrypted, private', () => {
    const r = load('database/programs/postgres/aws/Pulumi.yaml').program
      .resources;
    expect(r.db.properties).toMatchObject({
      engine: 'postgres',
      engineVersion: '${engineVersion}',
      instanceClass: '${size}',
      allocatedStorage: '${storageGb}',
      password: '${password.result}',
      storageEncrypted: true,
      publiclyAccessible: false,
    });
  });

  it('gcp: Cloud SQL PostgreSQL from config, private IP only', () => {
    const r = load('database/programs/postgres/gcp/Pulumi.yaml').program
      .resources;
    expect(r.instance.properties).toMatchObject({
      databaseVersion: 'POSTGRES_${engineVersion}',
      region: '${region}',
      settings: { tier: '${size}', diskSize: '${storageGb}' },
    });
    expect(r.instance.properties.settings.ipConfiguration.ipv4Enabled).toBe(
      false,
    );
    expect(r.user.properties.password).toBe('${password.result}');
  });
});

describe('database programs', () => {
  it.each([
    ['aws', 'db', 'aws:rds:Instance'],
    ['gcp', 'instance', 'gcp:sql:DatabaseInstance'],
  ])(
    '%s: generated password, connection Secret on the control plane, secrets only as secret outputs',
    (cloud, dbName, dbType) => {
      const { program } = load(
        `database/programs/postgres/${cloud}/Pulumi.yaml`,
      );
      const r = program.resources;
      expect(r[dbName].type).toBe(dbType);
      expect(r.password).toEqual({
        type: 'random:RandomPassword',
        properties: { length: 32, special: false },
      });
      expect(r.connection.type).toBe('kubernetes:core/v1:Secret');
      expect(r.connection.properties.metadata).toMatchObject({
        name: '${connectionSecretName}',
        namespace: '${connectionSecretNamespace}',
      });
      // only the owner's reader may get that one Secret
      expect(r.connectionReader.type).toBe(
        'kubernetes:rbac.authorization.k8s.io/v1:Role',
      );
      expect(r.connectionReader.properties.metadata.namespace).toBe(
        '${connectionSecretNamespace}',
      );
      expect(r.connectionReader.properties.rules).toEqual([
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: ['${connectionSecretName}'],
          verbs: ['get'],
        },
      ]);
      expect(r.connectionReaderBinding.properties).toMatchObject({
        roleRef: { kind: 'Role', name: '${connectionReader.metadata.name}' },
        subjects: [
          {
            kind: 'ServiceAccount',
            name: '${readerServiceAccount}',
            namespace: '${readerNamespace}',
          },
        ],
      });
      expect(Object.keys(r.connection.properties.stringData).sort()).toEqual([
        'database',
        'host',
        'password',
        'port',
        'uri',
        'username',
      ]);
      // every output that carries the password is a secret
      const inClear = Object.entries<any>(program.outputs)
        .filter(([, value]) =>
          JSON.stringify(value).includes('password.result'),
        )
        .filter(([, value]) => Object.keys(value).join() !== 'fn::secret')
        .map(([name]) => name);
      expect(inClear).toEqual([]);
      expect(program.outputs.password).toEqual({
        'fn::secret': '${password.result}',
      });
      expect(Object.keys(program.outputs)).toEqual(
        expect.arrayContaining(['host', 'password', 'uri', 'connectionSecret']),
      );
    },
  );
});
