import {
  pulumiYamlProjectToProgram,
  pulumiYamlReferences,
  validateStackConfigForProgram,
} from './pulumiYamlProject';

const project = `
name: kebap-example
runtime: yaml
description: an example
config:
  region:
    type: string
  nodeCount:
    type: integer
    default: 3
  zones:
    type: array
    items:
      type: string
  tier:
    default: small
variables:
  clusterName: prod-\${region}
resources:
  cluster:
    type: aws:eks:Cluster
    properties:
      name: \${clusterName}
      version: $\${literal}
outputs:
  endpoint: \${cluster.endpoint}
  kubeconfig:
    fn::secret: \${cluster.certificateAuthority}
  stack: \${pulumi.stack}
`;

describe('pulumiYamlProjectToProgram', () => {
  it('turns a Pulumi.yaml into a Program body with Program config types', () => {
    expect(
      pulumiYamlProjectToProgram(project, { field: 'programPath' }),
    ).toEqual({
      issues: [],
      program: {
        configuration: {
          region: { type: 'String' },
          nodeCount: { type: 'Number', default: 3 },
          zones: { type: 'List<String>' },
          tier: { default: 'small' },
        },
        variables: { clusterName: 'prod-${region}' },
        resources: {
          cluster: {
            type: 'aws:eks:Cluster',
            properties: { name: '${clusterName}', version: '$${literal}' },
          },
        },
        outputs: {
          endpoint: '${cluster.endpoint}',
          kubeconfig: { 'fn::secret': '${cluster.certificateAuthority}' },
          stack: '${pulumi.stack}',
        },
      },
    });
  });

  it.each([
    [
      'a template placeholder',
      `${project}\n# \${{ parameters.name }}`,
      /no-placeholders/,
    ],
    [
      'another runtime',
      project.replace('runtime: yaml', 'runtime: nodejs'),
      /programPath.runtime: is 'nodejs'.*\(runtime-yaml\)/,
    ],
    [
      'an unknown top-level key',
      `${project}\nbackend:\n  url: file://x\n`,
      /programPath.backend: .*\(project-key\)/,
    ],
    [
      'a boolean config',
      `${project.replace(
        '  tier:\n    default: small',
        '  flag:\n    type: boolean',
      )}`,
      /programPath.config.flag: type 'boolean'.*\(config-type\)/,
    ],
    [
      'a secret config',
      project.replace('    default: 3', '    default: 3\n    secret: true'),
      /programPath.config.nodeCount: .*\(no-secret-config\)/,
    ],
    [
      'a reference to nothing',
      project.replace('${cluster.endpoint}', '${clustr.endpoint}'),
      /programPath.outputs: refers to '\$\{clustr\}'.*\(reference\)/,
    ],
    [
      'a resource without type',
      `${project}`.replace('    type: aws:eks:Cluster\n', ''),
      /programPath.resources.cluster.type: .*\(required\)/,
    ],
    ['broken YAML', 'name: [', /programPath: is not valid YAML.*\(yaml\)/],
    [
      'no object',
      '- a\n- b\n',
      /programPath: must be a Pulumi YAML project.*\(type\)/,
    ],
  ])('refuses %s', (_name, text, message) => {
    const result = pulumiYamlProjectToProgram(text, { field: 'programPath' });
    expect(result.program).toBeUndefined();
    expect(
      result.issues.map(i => `${i.field}: ${i.message} (${i.rule})`).join('; '),
    ).toMatch(message);
  });
});

describe('pulumiYamlReferences', () => {
  it('lists the roots of references, skipping escapes and nested paths', () => {
    expect(
      pulumiYamlReferences({
        a: ['${x.y}', 'pre-${z}-post', '$${escaped}'],
        b: { c: '${w[0].v}' },
      }),
    ).toEqual(['w', 'x', 'z']);
  });
});

describe('validateStackConfigForProgram', () => {
  const program = {
    configuration: {
      region: { type: 'String' },
      nodeCount: { type: 'Number', default: 3 },
      zones: { type: 'List<String>' },
    },
  };
  it('accepts config the program declares, and provider config', () => {
    expect(
      validateStackConfigForProgram(
        program,
        { region: 'eu', nodeCount: '5', zones: '["a"]', 'aws:region': 'eu' },
        { field: 'config' },
      ),
    ).toEqual([]);
  });
  it('names unknown, missing and non-numeric config', () => {
    expect(
      validateStackConfigForProgram(
        program,
        { regoin: 'eu', nodeCount: 'many' },
        { field: 'config' },
      ).map(i => `${i.field} ${i.rule}`),
    ).toEqual([
      'config.regoin declared',
      'config.nodeCount number',
      'config.region required',
      'config.zones required',
    ]);
  });
  it('a program without configuration takes no plain config', () => {
    expect(
      validateStackConfigForProgram({}, { a: '1' }, { field: 'config' }).map(
        i => i.message,
      ),
    ).toEqual(["the program declares no config 'a' (it has none)"]);
  });
});
