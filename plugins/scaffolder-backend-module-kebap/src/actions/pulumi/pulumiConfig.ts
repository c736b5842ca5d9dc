import { InputError } from '@backstage/errors';
import { LoggerService } from '@backstage/backend-plugin-api';
import { PulumiCli } from '../../pulumi/PulumiCli';

/** Config values as Pulumi's scaffolder module accepts them. */
export type PulumiConfigValues = Record<string, unknown> | undefined;

const configKey = /^[A-Za-z0-9_.:-]+$/;

/**
 * Turns `config` / `secretConfig` inputs into `[key, value]` pairs, skipping
 * null and undefined values like Pulumi's module does, and refusing keys that
 * are not Pulumi config keys before anything runs.
 */
export function pulumiConfigEntries(
  field: 'config' | 'secretConfig',
  values: PulumiConfigValues,
): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(values ?? {})) {
    if (value === null || value === undefined) continue;
    if (!configKey.test(key)) {
      throw new InputError(
        `${field}.${key}: a Pulumi config key may only contain letters, digits and '_', '.', ':', '-'`,
      );
    }
    entries.push([
      key,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]);
  }
  return entries;
}

/**
 * Sets plain config on the command line and secret config through standard
 * input, so a secret value never appears in a process list or the task log.
 */
export async function setPulumiConfig(options: {
  cli: PulumiCli;
  logger: LoggerService;
  cwd: string;
  stack: string;
  /** `--cwd` argument (the project folder), when not the process' cwd */
  projectDir?: string;
  config: Array<[string, string]>;
  secretConfig: Array<[string, string]>;
  secrets: string[];
}): Promise<void> {
  const { cli, logger, cwd, stack, projectDir } = options;
  const tail = ['--stack', stack, '--non-interactive'];
  if (projectDir) tail.push('--cwd', projectDir);
  for (const [key, value] of options.config) {
    const args = ['config', 'set', key, value, '--plaintext', ...tail];
    logger.info(`Running "${PulumiCli.describe(args, options.secrets)}"`);
    await cli.run(args, { cwd, logger, secrets: options.secrets });
  }
  for (const [key, value] of options.secretConfig) {
    const args = ['config', 'set', key, '--secret', ...tail];
    logger.info(
      `Running "${PulumiCli.describe(args)}" (value from standard input)`,
    );
    await cli.run(args, {
      cwd,
      logger,
      stdin: value,
      secrets: options.secrets,
    });
  }
}
