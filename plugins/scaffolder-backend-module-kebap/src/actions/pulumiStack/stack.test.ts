import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { readKebapSettings } from '../../KebapSettings';
import { OrderDelivery } from '../../delivery/OrderDelivery';
import { createPulumiStackAction } from './stack';

const program = `name: kebap-test
runtime: yaml
config:
  region:
    type: string
  nodes:
    type: integer
    default: 2
resources:
  bucket:
    type: aws:s3:BucketV2
    properties:
      bucketPrefix: prod-\${region}
outputs:
  name: \${bucket.id}
`;

/** A delivery that records what it was given (a test double: it writes nothing). */
function recordingDelivery() {
  const delivered: any[] = [];
  const delivery: OrderDelivery = {
    mode: 'gitops',
    deliver: async (order: unknown) => {
      delivered.push(order);
      return { mode: 'gitops', refs: [], changed: true };
    },
    remove: async () => ({ mode: 'gitops', refs: [], changed: false }),
  } as unknown as OrderDelivery;
  return { delivery, delivered };
}

async function setup() {
  const workspacePath = await fs.promises.mkdtemp(
    path.join(os.tmpdir(), 'stack-ws-'),
  );
  await fs.promises.mkdir(path.join(workspacePath, 'programs/aws'), {
    recursive: true,
  });
  await fs.promises.writeFile(
    path.join(workspacePath, 'programs/aws/Pulumi.yaml'),
    program,
  );
  const { delivery, delivered } = recordingDelivery();
  const action = createPulumiStackAction({
    delivery,
    settings: readKebapSettings(new ConfigReader({})),
  });
  const run = async (input: Record<string, unknown>) => {
    const outputs: Record<string, unknown> = {};
    const ctx = createMockActionContext({ input: input as any, workspacePath });
    Object.assign(ctx, {
      output: (k: string, v: unknown) => {
        outputs[k] = v;
      },
    });
    await action.handler(ctx as any);
    return {
      outputs,
      objects: yaml
        .parseAllDocuments(String(outputs.manifests))
        .map(d => d.toJSON()),
    };
  };
  return {
    workspacePath,
    delivered,
    run,
    cleanup: () =>
      fs.promises.rm(workspacePath, { recursive: true, force: true }),
  };
}

const base = {
  name: 'payments-db',
  namespace: 'kebap-stacks',
  owner: 'group:default/team-payments',
  kind: 'database',
  stack: 'kebap/payments-db-program/payments-db',
};

describe('kebap:pulumi:stack with programPath', () => {
  it('creates a Program from the workspace file and points the Stack at it', async () => {
    const env = await setup();
    const { objects } = await env.run({
      ...base,
      programPath: 'programs/aws/Pulumi.yaml',
      config: {
        region: 'eu-central-1',
        nodes: 3,
        'aws:skipMetadataApiCheck': false,
      },
      purpose: 'Payments ledger',
    });
    const [prog, stack] = objects;
    expect(prog).toMatchObject({
      kind: 'Program',
      metadata: { name: 'payments-db-program', namespace: 'kebap-stacks' },
      program: {
        configuration: {
          region: { type: 'String' },
          nodes: { type: 'Number', default: 2 },
        },
        resources: { bucket: { type: 'aws:s3:BucketV2' } },
        outputs: { name: '${bucket.id}' },
      },
    });
    expect(prog.program.name).toBeUndefined();
    expect(prog.program.runtime).toBeUndefined();
    expect(stack.spec.programRef).toEqual({ name: 'payments-db-program' });
    // config values are text, as Pulumi stores them
    expect(stack.spec.config).toEqual({
      region: 'eu-central-1',
      nodes: '3',
      'aws:skipMetadataApiCheck': 'false',
    });
    expect(stack.metadata.annotations['kebap.io/purpose']).toBe(
      'Payments ledger',
    );
    expect(env.delivered).toHaveLength(1);
    await env.cleanup();
  });

  it.each([
    [
      'a path out of the workspace',
      '../outside/Pulumi.yaml',
      /programPath: .*without '\.\.' \(workspace-path\)/,
    ],
    [
      'an absolute path',
      '/etc/passwd',
      /programPath: .*relative path .*\(workspace-path\)/,
    ],
    [
      'a missing file',
      'programs/gcp/Pulumi.yaml',
      /programPath: .*is not in the task workspace .*\(exists\)/,
    ],
    ['a folder', 'programs/aws', /programPath: .*must be a file .*\(file\)/],
  ])('refuses %s before writing', async (_name, programPath, message) => {
    const env = await setup();
    await expect(env.run({ ...base, programPath })).rejects.toThrow(message);
    expect(env.delivered).toHaveLength(0);
    await env.cleanup();
  });

  it('refuses a symbolic link that leads out of the workspace', async () => {
    const env = await setup();
    const outside = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'out-'));
    await fs.promises.writeFile(path.join(outside, 'Pulumi.yaml'), program);
    await fs.promises.symlink(outside, path.join(env.workspacePath, 'link'));
    await expect(
      env.run({ ...base, programPath: 'link/Pulumi.yaml' }),
    ).rejects.toThrow(/programPath: .*leads outside the task workspace/);
    expect(env.delivered).toHaveLength(0);
    await fs.promises.rm(outside, { recursive: true, force: true });
    await env.cleanup();
  });

  it('refuses a program file with a template placeholder', async () => {
    const env = await setup();
    await fs.promises.writeFile(
      path.join(env.workspacePath, 'programs/aws/Pulumi.yaml'),
      program.replace('prod-${region}', '${{ parameters.name }}'),
    );
    await expect(
      env.run({ ...base, programPath: 'programs/aws/Pulumi.yaml' }),
    ).rejects.toThrow(/programPath: holds a template placeholder/);
    expect(env.delivered).toHaveLength(0);
    await env.cleanup();
  });

  it.each([
    [
      { program: { resources: {} } },
      /programPath: give one of program, programPath and programRef/,
    ],
    [
      { programRef: 'other' },
      /programPath: give one of program, programPath and programRef/,
    ],
    [
      { projectRepo: 'https://github.com/acme/p', branch: 'main' },
      /programPath: give either programPath or projectRepo/,
    ],
  ])('refuses programPath with another source %#', async (extra, message) => {
    const env = await setup();
    await expect(
      env.run({ ...base, programPath: 'programs/aws/Pulumi.yaml', ...extra }),
    ).rejects.toThrow(message);
    await env.cleanup();
  });
});

describe('kebap:pulumi:stack checks config against the program', () => {
  it.each([
    [
      { region: 'eu', regoin: 'x' },
      /config.regoin: the program declares no config 'regoin'.*\(declared\)/,
    ],
    [
      { nodes: 2 },
      /config.region: the program needs it and declares no default \(required\)/,
    ],
    [
      { region: 'eu', nodes: 'many' },
      /config.nodes: 'many' is not a number \(number\)/,
    ],
  ])('%j', async (config, message) => {
    const env = await setup();
    await expect(
      env.run({ ...base, programPath: 'programs/aws/Pulumi.yaml', config }),
    ).rejects.toThrow(message);
    expect(env.delivered).toHaveLength(0);
    await env.cleanup();
  });
});

describe('kebap:pulumi:stack with shareSecret', () => {
  it('adds the objects that copy the program’s Secret into the owner’s namespace', async () => {
    const env = await setup();
    const { objects } = await env.run({
      ...base,
      programPath: 'programs/aws/Pulumi.yaml',
      config: { region: 'eu-central-1' },
      shareSecret: {
        secretName: 'payments-db-connection',
        namespace: 'team-payments',
        targetName: 'payments-db-db',
      },
    });
    expect(
      objects.map(o => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
    ).toEqual([
      'Program kebap-stacks/payments-db-program',
      'Stack kebap-stacks/payments-db',
      'ServiceAccount team-payments/payments-db-connection-reader',
      'SecretStore team-payments/payments-db-connection-reader',
      'ExternalSecret team-payments/payments-db-db',
    ]);
    for (const o of objects) {
      expect(o.metadata.labels).toMatchObject({
        'kebap.io/order': 'payments-db',
        'kebap.io/kind': 'database',
        'app.kubernetes.io/managed-by': 'kebap-portal',
      });
    }
    await env.cleanup();
  });

  it('refuses a share into the Stack’s own namespace', async () => {
    const env = await setup();
    await expect(
      env.run({
        ...base,
        programPath: 'programs/aws/Pulumi.yaml',
        config: { region: 'eu-central-1' },
        shareSecret: { secretName: 's', namespace: 'kebap-stacks' },
      }),
    ).rejects.toThrow(/shareSecret.namespace: is the Stack’s own namespace/);
    expect(env.delivered).toHaveLength(0);
    await env.cleanup();
  });
});
