import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { PulumiCli } from '../../pulumi/PulumiCli';
import { createFakePulumiCli } from '../../testing/createFakePulumiCli';
import { createRecordingLogger } from '../../testing/createRecordingLogger';
import { createPulumiNewAction } from './new';

describe('pulumi:new', () => {
  let workspacePath: string;
  let fake: Awaited<ReturnType<typeof createFakePulumiCli>>;

  beforeEach(async () => {
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'ws-'));
    fake = await createFakePulumiCli();
  });
  afterEach(async () => {
    await fake.cleanup();
    await fs.rm(workspacePath, { recursive: true, force: true });
  });

  const baseInput = {
    name: 'payments-db',
    organization: 'acme',
    stack: 'prod',
    template: 'https://github.com/acme/templates/tree/main/postgres',
    folder: 'infra',
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

  it('runs the same pulumi new command as Pulumi’s module, then sets config', async () => {
    const { ctx } = context({
      ...baseInput,
      description: 'Payments database',
      config: { 'digitalocean:region': 'fra1', nodes: 3, skipped: null },
      args: ['--generate-only'],
    });
    await createPulumiNewAction({ cli: fake.cli }).handler(ctx as any);

    const calls = await fake.calls();
    expect(calls.map(c => c.args)).toEqual([
      [
        'new',
        'https://github.com/acme/templates/tree/main/postgres',
        '--yes',
        '--force',
        '-n',
        'payments-db',
        '-s',
        'acme/prod',
        '--dir',
        'infra',
        '-d',
        'Payments database',
        '--generate-only',
      ],
      [
        'config',
        'set',
        'digitalocean:region',
        'fra1',
        '--plaintext',
        '--stack',
        'acme/prod',
        '--non-interactive',
        '--cwd',
        'infra',
      ],
      [
        'config',
        'set',
        'nodes',
        '3',
        '--plaintext',
        '--stack',
        'acme/prod',
        '--non-interactive',
        '--cwd',
        'infra',
      ],
    ]);
    expect(calls[0].cwd).toBe(await fs.realpath(workspacePath));
  });

  it('leaves the description out when it is omitted (never the text "undefined")', async () => {
    const { ctx } = context(baseInput);
    await createPulumiNewAction({ cli: fake.cli }).handler(ctx as any);
    const [first] = await fake.calls();
    expect(first.args).not.toContain('-d');
    expect(first.args.join(' ')).not.toContain('undefined');
  });

  it('passes secret config on standard input and never logs it', async () => {
    const secret = 'S3nt1nel-p4ssw0rd';
    const { ctx, lines } = context({
      ...baseInput,
      secretConfig: { adminPassword: secret },
    });
    await createPulumiNewAction({ cli: fake.cli }).handler(ctx as any);
    const calls = await fake.calls();
    const secretCall = calls.find(c => c.args.includes('--secret'))!;
    expect(secretCall.args).toEqual([
      'config',
      'set',
      'adminPassword',
      '--secret',
      '--stack',
      'acme/prod',
      '--non-interactive',
      '--cwd',
      'infra',
    ]);
    expect(secretCall.stdin).toBe(secret);
    expect(calls.flatMap(c => c.args).join(' ')).not.toContain(secret);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).toContain(
      'pulumi config set adminPassword --secret',
    );
  });

  it('fails at once with an install hint when the CLI is missing', async () => {
    const { ctx } = context(baseInput);
    const missing = new PulumiCli({
      command: 'pulumi',
      env: { PATH: '/nonexistent' },
    });
    await expect(
      createPulumiNewAction({ cli: missing }).handler(ctx as any),
    ).rejects.toThrow(/Pulumi CLI \('pulumi'\) was not found.*Install it/);
  });

  it('refuses a folder outside the workspace before running anything', async () => {
    const { ctx } = context({ ...baseInput, folder: '../../etc' });
    await expect(
      createPulumiNewAction({ cli: fake.cli }).handler(ctx as any),
    ).rejects.toThrow(
      /folder: '..\/..\/etc' must be a path inside the task workspace/,
    );
    expect(await fake.calls()).toEqual([]);
  });

  it('refuses an invalid config key before running anything', async () => {
    const { ctx } = context({ ...baseInput, config: { 'bad key;rm': 'x' } });
    await expect(
      createPulumiNewAction({ cli: fake.cli }).handler(ctx as any),
    ).rejects.toThrow(
      /config.bad key;rm: a Pulumi config key may only contain/,
    );
    expect(await fake.calls()).toEqual([]);
  });

  it('runs nothing in a dry run and says what it would do', async () => {
    const { ctx, lines } = context(baseInput, { isDryRun: true });
    await createPulumiNewAction({ cli: fake.cli }).handler(ctx as any);
    expect(await fake.calls()).toEqual([]);
    expect(lines.join('\n')).toContain('Dry run: would run "pulumi new');
  });

  it('reports a failing CLI with its command and error', async () => {
    const failing = await createFakePulumiCli({ failOn: 'new' });
    const { ctx } = context(baseInput);
    await expect(
      createPulumiNewAction({ cli: failing.cli }).handler(ctx as any),
    ).rejects.toThrow(
      /pulumi new .* failed with exit code 1: error: simulated failure/,
    );
    await failing.cleanup();
  });
});
