import { describeWithSchemas } from '../testing/CrdValidator';
import { orderMetadata } from '../ownership/orderMetadata';
import { buildProgram, buildStack } from './buildStack';
import {
  buildVClusterOrder,
  buildVClusterValues,
  defaultKubernetesImageTags,
} from './buildVClusterOrder';
import { buildVClusterRegistration } from './buildVClusterRegistration';
import {
  buildExternalSecret,
  buildPulumiEscClusterSecretStore,
} from './buildExternalSecret';

const metadata = orderMetadata({
  orderName: 'alpha',
  owner: 'group:default/team-payments',
  entityRef: 'resource:default/dev-alpha',
  env: 'dev',
  kind: 'vcluster',
  template: 'template:default/dev-cluster',
  taskId: 'task-1',
});

const settings = {
  sizes: {
    small: {
      quota: { 'requests.cpu': '2' },
      limitRange: { default: { cpu: '500m' } },
    },
  },
  chart: {
    repoURL: 'https://charts.loft.sh',
    chart: 'vcluster',
    version: '0.30.0',
  },
  argocdNamespace: 'argocd',
  project: 'default',
};

describeWithSchemas('generated objects against the real CRDs', validator => {
  it('accepts a Stack from Git with every field the portal sets', () => {
    const stack = buildStack({
      name: 'payments-db',
      namespace: 'team-payments',
      stack: 'acme/db/prod',
      source: {
        projectRepo: 'https://github.com/acme/programs',
        branch: 'main',
        repoDir: 'db',
        gitAuth: { secretName: 'git' },
      },
      config: { region: 'fra1' },
      envSecrets: { DIGITALOCEAN_TOKEN: { secretName: 'creds', key: 'token' } },
      serviceAccountName: 'pulumi',
      refresh: true,
      resyncFrequencySeconds: 300,
      metadata,
    });
    expect(validator().validate(stack)).toEqual([]);
  });

  it('accepts a Stack with a programRef and its Program', () => {
    const stack = buildStack({
      name: 'db',
      namespace: 'team-payments',
      stack: 'acme/db/prod',
      source: { programRef: 'db-program' },
      metadata,
    });
    const program = buildProgram({
      name: 'db-program',
      namespace: 'team-payments',
      program: {
        resources: {
          db: {
            type: 'digitalocean:DatabaseCluster',
            properties: {
              engine: 'pg',
              size: 'db-s-1vcpu-1gb',
              region: 'fra1',
              nodeCount: 1,
              version: '16',
            },
          },
        },
        outputs: { host: '${db.host}' },
      },
      metadata,
    });
    expect(validator().validate(stack)).toEqual([]);
    expect(validator().validate(program)).toEqual([]);
  });

  it('enforces the CRD rule on Stack names (42 characters)', () => {
    const stack = buildStack({
      name: 'a'.repeat(43),
      namespace: 'ns',
      stack: 'o/p/s',
      source: { programRef: 'p' },
      metadata,
    });
    expect(validator().validate(stack)).toEqual([
      '/metadata/name: Stack name must be no more than 42 characters in length.',
    ]);
  });

  it('rejects what the CRD forbids (proves the validator can fail)', () => {
    const stack = buildStack({
      name: 'db',
      namespace: 'ns',
      stack: 'o/p/s',
      source: { programRef: 'p' },
      metadata,
    });
    const broken = {
      ...stack,
      spec: {
        ...stack.spec,
        stack: undefined,
        resyncFrequencySeconds: 'often',
      },
    };
    const errors = validator().validate(broken as any);
    expect(errors.join('\n')).toMatch(/must have required property 'stack'/);
    expect(errors.join('\n')).toMatch(
      /resyncFrequencySeconds: must be integer/,
    );
  });

  it('accepts the vCluster Application and its values', () => {
    const order = buildVClusterOrder(
      { name: 'alpha', metadata, size: 'small', kubernetesVersion: '1.31' },
      settings,
    );
    expect(validator().validate(order.application)).toEqual([]);
    expect(validator().validateVClusterValues(order.values)).toEqual([]);
  });

  it.each(Object.keys(defaultKubernetesImageTags))(
    'accepts vCluster values for Kubernetes %s',
    v => {
      expect(
        validator().validateVClusterValues(
          buildVClusterValues({ name: 'alpha', kubernetesVersion: v }),
        ),
      ).toEqual([]);
    },
  );

  it('rejects vCluster values the chart does not know', () => {
    const values = {
      ...buildVClusterValues({ name: 'alpha' }),
      exportKubeConfig: { serverr: 'x' },
    };
    expect(validator().validateVClusterValues(values).join('\n')).toMatch(
      /additional/,
    );
  });

  it('accepts the registration SecretStore and ExternalSecret', () => {
    const { objects } = buildVClusterRegistration({
      name: 'alpha',
      metadata,
      argocdNamespace: 'argocd',
    });
    for (const o of objects) expect(validator().validate(o as any)).toEqual([]);
  });

  it('accepts an ExternalSecret and the Pulumi ESC ClusterSecretStore', () => {
    const es = buildExternalSecret({
      name: 'creds',
      namespace: 'team-payments',
      storeRef: { name: 'kebap-secrets', kind: 'ClusterSecretStore' },
      provider: 'pulumi',
      target: { name: 'creds' },
      data: [
        { secretKey: 'TOKEN', remoteKey: 'digitalocean', property: 'token' },
      ],
      dataFrom: [{ extract: { key: 'pulumi' } }],
      metadata,
    });
    expect(validator().validate(es as any)).toEqual([]);
    const store = buildPulumiEscClusterSecretStore({
      name: 'kebap-secrets',
      organization: 'acme',
      project: 'platform',
      environment: 'prod',
      accessTokenSecretRef: {
        name: 'pulumi-token',
        namespace: 'external-secrets',
        key: 'token',
      },
    });
    expect(validator().validate(store as any)).toEqual([]);
  });

  it('rejects an ExternalSecret with a bad store kind', () => {
    const es = buildExternalSecret({
      name: 'creds',
      namespace: 'ns',
      storeRef: { name: 's', kind: 'Vault' as any },
      provider: 'vault',
      target: { name: 'creds' },
      data: [{ secretKey: 'A', remoteKey: 'k' }],
      metadata,
    });
    expect(
      validator()
        .validate(es as any)
        .join('\n'),
    ).toMatch(/kind: must be equal to one of the allowed values/);
  });
});
