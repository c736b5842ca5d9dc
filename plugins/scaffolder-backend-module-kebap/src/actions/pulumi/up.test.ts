import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createFakePulumiCli } from '../../testing/createFakePulumiCli';
import { createRecordingLogger } from '../../testing/createRecordingLogger';
import { createPulumiUpAction } from './up';

describe('pulumi:up', () => {
  let workspacePath: string;

  beforeEach(async () => {
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'ws-'));
    await fs.mkdir(path.join(workspacePath, 'infra'));
  });
  afterEach(async () => {
    await fs.rm(workspacePath, { recursive: true, force: true });
  });

  const baseInput = {
    name: 'payments-db',
    organization: 'acme',
    stack: 'prod',
    repoProjectPath: 'infra',
  };

  function context(input: Record<string, unknown>, extra = {}) {
    const logger = createRecordingLogger();
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath,
      logger,
    });
    // createMockActionContext keeps only some options: set the rest here
    Object.assign(ctx, extra);
    return { ctx, lines: logger.lines };
  }

  it('selects the stack, applies config and secret config, refreshes, updates and returns outputs', async () => {
    const fake = await createFakePulumiCli({
      outputs: { host: 'db.internal', port: 5432, password: '[secret]' },
    });
    const secret = 'S3nt1nel-up';
    const { ctx, lines } = context({
      ...baseInput,
      config: { region: 'fra1' },
      secretConfig: { dbPassword: secret },
      outputs: ['host', 'port', 'password', 'missing'],
    });
    await createPulumiUpAction({ cli: fake.cli }).handler(ctx as any);

    const calls = await fake.calls();
    const stack = ['--stack', 'acme/payments-db/prod', '--non-interactive'];
    expect(calls.map(c => c.args)).toEqual([
      [
        'stack',
        'select',
        'acme/payments-db/prod',
        '--create',
        '--non-interactive',
      ],
      ['config', 'set', 'region', 'fra1', '--plaintext', ...stack],
      ['config', 'set', 'dbPassword', '--secret', ...stack],
      ['refresh', '--yes', '--skip-preview', ...stack],
      ['up', '--yes', '--skip-preview', ...stack],
      ['stack', 'output', '--json', ...stack],
    ]);
    expect(calls[2].stdin).toBe(secret);
    expect(
      calls.every(c => c.cwd === path.join(fsReal(workspacePath), 'infra')),
    ).toBe(true);
    expect(ctx.output).toHaveBeenCalledWith('outputs', {
      host: 'db.internal',
      port: 5432,
      password: '[secret]',
    });
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines).toContain(
      "warn: Stack acme/payments-db/prod has no output named 'missing'",
    );
    await fake.cleanup();
  });

  it('refuses Pulumi Deployments with a clear message and runs nothing', async () => {
    const fake = await createFakePulumiCli();
    const { ctx } = context({ ...baseInput, deployment: true });
    await expect(
      createPulumiUpAction({ cli: fake.cli }).handler(ctx as any),
    ).rejects.toThrow(/deployment: Pulumi Deployments .* not supported/);
    expect(await fake.calls()).toEqual([]);
    await fake.cleanup();
  });

  it('refuses a project path outside the workspace', async () => {
    const fake = await createFakePulumiCli();
    const { ctx } = context({ ...baseInput, repoProjectPath: '/etc' });
    await expect(
      createPulumiUpAction({ cli: fake.cli }).handler(ctx as any),
    ).rejects.toThrow(
      /repoProjectPath: '\/etc' must be a path inside the task workspace/,
    );
    expect(await fake.calls()).toEqual([]);
    await fake.cleanup();
  });

  it('stops at the first failing command and names it', async () => {
    const fake = await createFakePulumiCli({ failOn: 'refresh' });
    const { ctx } = context(baseInput);
    await expect(
      createPulumiUpAction({ cli: fake.cli }).handler(ctx as any),
    ).rejects.toThrow(/pulumi refresh --yes .* failed with exit code 1/);
    expect((await fake.calls()).map(c => c.args[0])).toEqual([
      'stack',
      'refresh',
    ]);
    await fake.cleanup();
  });
});

function fsReal(p: string) {
  // macOS-style /tmp symlinks: compare against the resolved workspace
  return require('node:fs').realpathSync(p);
}

describe('pulumi:up dry run', () => {
  it('runs nothing and returns empty outputs', async () => {
    const workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'ws-'));
    const fake = await createFakePulumiCli();
    const logger = createRecordingLogger();
    const ctx = createMockActionContext({
      input: { name: 'p', organization: 'o', stack: 's' } as any,
      workspacePath,
      logger,
    });
    Object.assign(ctx, { isDryRun: true });
    await createPulumiUpAction({ cli: fake.cli }).handler(ctx as any);
    expect(await fake.calls()).toEqual([]);
    expect(ctx.output).toHaveBeenCalledWith('outputs', {});
    expect(logger.lines.join('\n')).toContain(
      '"pulumi up --yes --skip-preview --stack o/p/s',
    );
    await fake.cleanup();
    await fs.rm(workspacePath, { recursive: true, force: true });
  });
});
