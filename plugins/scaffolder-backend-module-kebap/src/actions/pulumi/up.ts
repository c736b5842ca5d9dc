import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  createTemplateAction,
  executeShellCommand,
} from '@backstage/plugin-scaffolder-node';
import { PulumiCli } from '../../pulumi/PulumiCli';
import { examples } from './up.examples';
import { pulumiConfigEntries, setPulumiConfig } from './pulumiConfig';

/**
 * `pulumi:up`, with the id and inputs of Pulumi's own scaffolder module. It
 * runs the CLI on a project in the task workspace (for example one that
 * `pulumi:new` created): select or create the stack, apply `config` and
 * `secretConfig` (Pulumi's module ignored them), refresh, update, and return
 * the requested outputs. Secret outputs are returned as `[secret]`, never in
 * clear: task outputs are visible to everyone who can read the task.
 */
export function createPulumiUpAction(options: { cli: PulumiCli }) {
  const { cli } = options;
  return createTemplateAction({
    id: 'pulumi:up',
    description:
      'Runs pulumi up on a project in the task workspace and returns its outputs (secret outputs masked).',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().min(1).describe('The Pulumi project name to use'),
        organization: z =>
          z
            .string()
            .min(1)
            .describe('The Pulumi organization to use for the Pulumi commands'),
        stack: z => z.string().min(1).describe('The Pulumi stack to use'),
        deployment: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Pulumi Deployments (remote runs) are not supported by this module; leave false',
            ),
        config: z =>
          z
            .record(z.string(), z.any())
            .optional()
            .describe('The Pulumi project config to use'),
        secretConfig: z =>
          z
            .record(z.string(), z.any())
            .optional()
            .describe(
              'The Pulumi project secret config to use (never written to the task log)',
            ),
        outputs: z =>
          z
            .array(z.string())
            .optional()
            .describe('The Pulumi stack outputs to return'),
        repoUrl: z =>
          z
            .string()
            .optional()
            .describe('Only with Pulumi Deployments (not supported)'),
        repoBranch: z =>
          z
            .string()
            .optional()
            .describe('Only with Pulumi Deployments (not supported)'),
        repoProjectPath: z =>
          z
            .string()
            .optional()
            .describe(
              'The project folder inside the task workspace (default: the workspace itself)',
            ),
        providerCredentialsFromEnv: z =>
          z
            .array(z.string())
            .optional()
            .describe('Only with Pulumi Deployments (not supported)'),
        preRunCommands: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'Commands run in the workspace before the update, e.g. "npm ci" (split on spaces, no shell)',
            ),
      },
      output: {
        outputs: z =>
          z
            .record(z.string(), z.any())
            .describe(
              'The requested stack outputs; secret ones are "[secret]"',
            ),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      if (input.deployment) {
        throw new InputError(
          'deployment: Pulumi Deployments (remote runs) are not supported by the KEBAP portal; ' +
            'run the project locally (deployment: false) or order it through the Pulumi Kubernetes Operator (kebap:pulumi:stack)',
        );
      }
      let projectDir: string;
      try {
        projectDir = resolveSafeChildPath(
          ctx.workspacePath,
          input.repoProjectPath ?? '.',
        );
      } catch {
        throw new InputError(
          `repoProjectPath: '${input.repoProjectPath}' must be a path inside the task workspace`,
        );
      }
      const config = pulumiConfigEntries('config', input.config);
      const secretConfig = pulumiConfigEntries(
        'secretConfig',
        input.secretConfig,
      );
      const secrets = secretConfig.map(([, v]) => v);
      const preRun = (input.preRunCommands ?? []).map(c =>
        c.trim().split(/\s+/),
      );
      if (preRun.some(parts => !parts[0])) {
        throw new InputError('preRunCommands: an entry is empty');
      }
      const stack = `${input.organization}/${input.name}/${input.stack}`;
      const common = ['--stack', stack, '--non-interactive'];
      const commands = [
        ['stack', 'select', stack, '--create', '--non-interactive'],
        ['refresh', '--yes', '--skip-preview', ...common],
        ['up', '--yes', '--skip-preview', ...common],
      ];

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would run in ${projectDir}: ${commands
            .map(c => `"${PulumiCli.describe(c)}"`)
            .join(', ')}`,
        );
        ctx.output('outputs', {});
        return;
      }

      await cli.locate();
      for (const [command, ...args] of preRun) {
        ctx.logger.info(
          `Running pre-run command: ${[command, ...args].join(' ')}`,
        );
        await executeShellCommand({
          command,
          args,
          options: { cwd: ctx.workspacePath },
          logger: ctx.logger,
        });
      }
      const run = async (args: string[]) => {
        ctx.logger.info(`Running "${PulumiCli.describe(args, secrets)}"`);
        return cli.run(args, {
          cwd: projectDir,
          logger: ctx.logger,
          secrets,
          signal: ctx.signal,
        });
      };
      await run(commands[0]);
      await setPulumiConfig({
        cli,
        logger: ctx.logger,
        cwd: projectDir,
        stack,
        config,
        secretConfig,
        secrets,
      });
      await run(commands[1]);
      await run(commands[2]);

      const wanted = input.outputs ?? [];
      const outputs: Record<string, unknown> = {};
      if (wanted.length > 0) {
        // Without --show-secrets, Pulumi prints secret outputs as "[secret]".
        const json = await cli.run(['stack', 'output', '--json', ...common], {
          cwd: projectDir,
          logger: ctx.logger,
          secrets,
          quiet: true,
        });
        const all = JSON.parse(json || '{}') as Record<string, unknown>;
        for (const name of wanted) {
          if (!(name in all)) {
            ctx.logger.warn(`Stack ${stack} has no output named '${name}'`);
            continue;
          }
          outputs[name] = all[name];
        }
      }
      ctx.output('outputs', outputs as Record<string, any>);
      ctx.logger.info(`Stack ${stack} is up to date`);
    },
  });
}
