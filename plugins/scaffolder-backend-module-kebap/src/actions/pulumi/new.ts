import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { PulumiCli } from '../../pulumi/PulumiCli';
import { examples } from './new.examples';
import { pulumiConfigEntries, setPulumiConfig } from './pulumiConfig';

/**
 * `pulumi:new`, with the id and inputs of Pulumi's own scaffolder module
 * (`@pulumi/backstage-scaffolder-backend-pulumi`), so template steps written
 * for it run unchanged. Differences: an omitted description is left out
 * (Pulumi's passed the text "undefined"), secret config goes through standard
 * input and never into the task log, and a missing CLI fails the step at once.
 */
export function createPulumiNewAction(options: { cli: PulumiCli }) {
  const { cli } = options;
  return createTemplateAction({
    id: 'pulumi:new',
    description:
      'Creates a new Pulumi project from a template (built-in name or Git URL) in the task workspace, then sets its config.',
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
        template: z =>
          z
            .string()
            .min(1)
            .describe(
              'The Pulumi template to use, this can be a built-in template or a URL to a template',
            ),
        description: z =>
          z
            .string()
            .optional()
            .describe('The Pulumi project description to use'),
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
        args: z =>
          z
            .array(z.string())
            .optional()
            .describe('Additional arguments for pulumi new'),
        folder: z =>
          z
            .string()
            .min(1)
            .describe(
              'The folder, inside the task workspace, to create the project in',
            ),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      // Validate everything before running anything.
      let projectDir: string;
      try {
        projectDir = resolveSafeChildPath(ctx.workspacePath, input.folder);
      } catch {
        throw new InputError(
          `folder: '${input.folder}' must be a path inside the task workspace`,
        );
      }
      // folder is where the project goes: an extra --dir or --cwd (-C) in
      // args would win over it and could leave the task workspace
      const moving = (input.args ?? []).find(a =>
        /^(--dir|--cwd|-C)(=|$)|^-C./.test(a),
      );
      if (moving !== undefined) {
        throw new InputError(
          `args: '${moving.slice(
            0,
            40,
          )}' would move the project out of 'folder'; set folder instead (workspace-path)`,
        );
      }
      const config = pulumiConfigEntries('config', input.config);
      const secretConfig = pulumiConfigEntries(
        'secretConfig',
        input.secretConfig,
      );
      const secrets = secretConfig.map(([, v]) => v);
      const stack = `${input.organization}/${input.stack}`;

      const args = [
        'new',
        input.template,
        '--yes',
        '--force',
        '-n',
        input.name,
        '-s',
        stack,
        '--dir',
        input.folder,
      ];
      if (input.description !== undefined && input.description !== '') {
        args.push('-d', input.description);
      }
      args.push(...(input.args ?? []).filter(a => a));

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would run "${PulumiCli.describe(args, secrets)}" and set ${
            config.length
          } config and ${secretConfig.length} secret config values`,
        );
        return;
      }

      await cli.locate();
      ctx.logger.info(`Creating Pulumi project ${input.name}, stack ${stack}`);
      ctx.logger.info(
        `Running "${PulumiCli.describe(args, secrets)}" in ${
          ctx.workspacePath
        }`,
      );
      await cli.run(args, {
        cwd: ctx.workspacePath,
        logger: ctx.logger,
        secrets,
        signal: ctx.signal,
      });
      await setPulumiConfig({
        cli,
        logger: ctx.logger,
        cwd: ctx.workspacePath,
        stack,
        projectDir: input.folder,
        config,
        secretConfig,
        secrets,
      });
      ctx.logger.info(`Pulumi project created in ${projectDir}`);
    },
  });
}
