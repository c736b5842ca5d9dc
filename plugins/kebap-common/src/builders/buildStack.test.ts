import { orderMetadata } from '../ownership/orderMetadata';
import { buildExternalSecret } from './buildExternalSecret';
import {
  buildProgram,
  buildStack,
  buildStackServiceAccount,
  validatePulumiYamlProgram,
  validateStackInput,
} from './buildStack';

const metadata = orderMetadata({
  orderName: 'db',
  owner: 'group:default/a',
  entityRef: 'resource:default/prod-db',
  env: 'prod',
  kind: 'database',
});

describe('buildStack', () => {
  it('builds a Stack from Git with secrets only by reference, destroyOnFinalize on by default', () => {
    expect(
      buildStack({
        name: 'db',
        namespace: 'team-a',
        stack: 'acme/db/prod',
        source: {
          projectRepo: 'https://github.com/acme/p',
          branch: 'main',
          repoDir: 'db',
          gitAuth: { secretName: 'git' },
        },
        envSecrets: { TOKEN: { secretName: 'creds', key: 'token' } },
        metadata,
      }),
    ).toEqual({
      apiVersion: 'pulumi.com/v1',
      kind: 'Stack',
      metadata: {
        name: 'db',
        namespace: 'team-a',
        labels: metadata.labels,
        annotations: {
          ...metadata.annotations,
          'argocd.argoproj.io/sync-wave': '0',
        },
      },
      spec: {
        stack: 'acme/db/prod',
        destroyOnFinalize: true,
        projectRepo: 'https://github.com/acme/p',
        branch: 'main',
        repoDir: 'db',
        gitAuth: {
          accessToken: {
            type: 'Secret',
            secret: { name: 'git', key: 'accessToken' },
          },
        },
        envRefs: {
          TOKEN: { type: 'Secret', secret: { name: 'creds', key: 'token' } },
        },
      },
    });
  });

  it('keeps destroyOnFinalize false when asked and uses programRef', () => {
    const stack = buildStack({
      name: 'db',
      namespace: 'a',
      stack: 'o/p/s',
      source: { programRef: 'db-program' },
      destroyOnFinalize: false,
      metadata,
    });
    expect(stack.spec).toEqual({
      stack: 'o/p/s',
      destroyOnFinalize: false,
      programRef: { name: 'db-program' },
    });
  });
});

describe('sync waves (gitops delivery: Argo CD prunes the highest wave first and waits, ARGO-4)', () => {
  const wave = (o: any) =>
    o.metadata.annotations['argocd.argoproj.io/sync-wave'];
  it('puts the Stack after its Program, credentials ExternalSecret and ServiceAccount, so a decommission prunes the Stack first', () => {
    const stack = buildStack({
      name: 'db',
      namespace: 'a',
      stack: 'o/db-program/db',
      source: { programRef: 'db-program' },
      metadata,
    });
    const program = buildProgram({
      name: 'db-program',
      namespace: 'a',
      program: { resources: {} },
      metadata,
    });
    const [serviceAccount] = buildStackServiceAccount({
      name: 'runner',
      namespace: 'a',
      metadata,
    });
    const credentials = buildExternalSecret({
      name: 'db-cloud',
      namespace: 'a',
      storeRef: { name: 'kebap-secrets', kind: 'ClusterSecretStore' },
      provider: 'pulumi',
      target: { name: 'db-cloud' },
      data: [{ secretKey: 'K', remoteKey: 'aws.k' }],
      metadata,
    });
    expect(wave(stack)).toBe('0');
    for (const needed of [program, serviceAccount, credentials]) {
      expect({ kind: needed.kind, wave: wave(needed) }).toEqual({
        kind: needed.kind,
        wave: '-1',
      });
      // Argo CD compares waves as integers; pruning goes from high to low
      expect(Number(wave(needed))).toBeLessThan(Number(wave(stack)));
    }
    // the order's own annotations are kept
    expect(stack.metadata.annotations).toMatchObject(metadata.annotations);
  });
});

/**
 * The Pulumi project the Operator serves for a Program: a Pulumi YAML
 * project named after the Program's metadata.name, runtime yaml
 * (pulumi-kubernetes-operator program_controller.go programToProject, PKO-9).
 */
function operatorProjectOf(program: {
  metadata: { name: string };
  program: unknown;
}) {
  return {
    name: program.metadata.name,
    runtime: 'yaml',
    ...(program.program as object),
  };
}

describe('a Program-based Stack: its project is the Program (PKO-9)', () => {
  const program = buildProgram({
    name: 'db-program',
    namespace: 'a',
    program: { resources: {} },
    metadata,
  });
  const input = (stack: string) => ({
    name: 'db',
    namespace: 'a',
    stack,
    source: { programRef: program.metadata.name },
  });

  it('accepts org/<the Program’s project>/stack', () => {
    const project = operatorProjectOf(program).name;
    expect(validateStackInput(input(`kebap/${project}/db`))).toEqual([]);
  });

  it.each(['kebap/databases/db', 'kebap/db/db', 'kebap/DB-program/db'])(
    'refuses %s, whose project Pulumi Cloud would refuse to create',
    stack => {
      expect(validateStackInput(input(stack))).toEqual([
        expect.objectContaining({
          field: 'stack',
          rule: 'project-is-program',
          message: expect.stringContaining("e.g. 'kebap/db-program/db'"),
        }),
      ]);
    },
  );
});

describe('validateStackInput', () => {
  const base = {
    name: 'db',
    namespace: 'team-a',
    stack: 'o/p/s',
    source: { projectRepo: 'https://github.com/a/b', branch: 'main' },
  };
  const rules = (input: any) =>
    validateStackInput(input).map(i => `${i.field}:${i.rule}`);

  it('accepts a valid order', () => {
    expect(rules(base)).toEqual([]);
  });
  it.each([
    [{ name: 'x'.repeat(43) }, ['name:max-length']],
    [{ namespace: 'kube-system' }, ['namespace:reserved']],
    [{ stack: 'nope' }, ['stack:stack-identifier']],
    [
      { stack: 'o/databases/db', source: { programRef: 'db-program' } },
      ['stack:project-is-program'],
    ],
    [
      {
        source: {
          projectRepo: 'https://github.com/a/b',
          branch: 'main',
          commit: 'abcdef1',
        },
      },
      ['commit:exclusive'],
    ],
    [
      { source: { projectRepo: 'https://github.com/a/b' } },
      ['branch:required'],
    ],
    [
      { source: { projectRepo: 'https://github.com/a/b', commit: 'HEAD' } },
      ['commit:sha'],
    ],
    [
      {
        source: {
          projectRepo: 'https://github.com/a/b',
          branch: 'main',
          repoDir: '../x',
        },
      },
      ['repoDir:relative-path'],
    ],
    [{ resyncFrequencySeconds: 30 }, ['resyncFrequencySeconds:range']],
    [
      { envSecrets: { 'BAD-NAME': { secretName: 's', key: 'k' } } },
      ['envSecrets.BAD-NAME:env-name'],
    ],
    [
      { envSecrets: { TOKEN: 'literal-secret-value' } },
      ['envSecrets.TOKEN:secret-ref'],
    ],
    [{ config: { 'bad key': 'v' } }, ['config.bad key:config-key']],
  ])('refuses %j', (change, expected) => {
    expect(rules({ ...base, ...change })).toEqual(expected);
  });

  it('checks a Pulumi YAML program top level', () => {
    expect(
      validatePulumiYamlProgram(
        { resources: {}, outputs: {} },
        { field: 'program' },
      ),
    ).toEqual([]);
    expect(
      validatePulumiYamlProgram({ runtime: 'yaml' }, { field: 'program' })[0]
        .field,
    ).toBe('program.runtime');
  });
});

describe('buildStackServiceAccount', () => {
  it('is the ServiceAccount alone: its auth-delegator binding is the platform’s, not the order’s', () => {
    const objects = buildStackServiceAccount({
      name: 'pulumi',
      namespace: 'team-a',
      metadata,
    });
    expect(objects.map(o => o.kind)).toEqual(['ServiceAccount']);
    expect(objects[0].metadata).toMatchObject({
      name: 'pulumi',
      namespace: 'team-a',
      labels: metadata.labels,
    });
  });
});
