import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  validateNamespace,
  validateOneOf,
  validateSecretName,
} from '@internal/plugin-kebap-common';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { throwIfIssues } from '../orderInputs';
import { KebapSettings } from '../../KebapSettings';
import { examples } from './wait.examples';
import { applicationReadiness, Readiness, stackReadiness } from './readiness';

const kinds = {
  Stack: { apiVersion: 'pulumi.com/v1', readiness: stackReadiness },
  Application: {
    apiVersion: 'argoproj.io/v1alpha1',
    readiness: applicationReadiness,
  },
} as const;

/**
 * `kebap:wait`: waits until a Stack or an Argo CD Application is ready,
 * writing a progress line whenever its state changes; fails with the
 * object's own message when it fails, or when the timeout passes. Without a
 * cluster to read (gitops delivery on the embedded defaults) it reports
 * "pending sync" and does not wait.
 */
export function createWaitAction(options: {
  client?: KubernetesClient;
  settings: KebapSettings;
  sleep?: (ms: number) => Promise<void>;
}) {
  const { client, settings } = options;
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>(r => setTimeout(r, ms)));
  return createTemplateAction({
    id: 'kebap:wait',
    description:
      'Waits until an ordered Stack or Argo CD Application is ready, with progress in the task log.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        kind: z =>
          z.enum(['Stack', 'Application']).describe('What to wait for'),
        name: z => z.string().describe('Its name'),
        namespace: z =>
          z
            .string()
            .optional()
            .describe(
              `Its namespace (Applications: default ${settings.argocd.namespace})`,
            ),
        timeoutSeconds: z =>
          z
            .number()
            .optional()
            .describe('Give up after this long (default 900, at most 3600)'),
        intervalSeconds: z =>
          z.number().optional().describe('Poll interval (default 10)'),
      },
      output: {
        state: z =>
          z
            .string()
            .describe(
              'ready, or pending-sync when there is no cluster to read',
            ),
        summary: z => z.string().describe('The last state, in words'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const timeout = input.timeoutSeconds ?? 900;
      const interval = input.intervalSeconds ?? 10;
      if (!(timeout >= 1 && timeout <= 3600)) {
        throw new InputError('timeoutSeconds: must be from 1 to 3600 (range)');
      }
      if (!(interval >= 1 && interval <= 300)) {
        throw new InputError('intervalSeconds: must be from 1 to 300 (range)');
      }
      // compared with the list only: '__proto__' is not a kind
      throwIfIssues([
        ...validateOneOf(input.kind, Object.keys(kinds), { field: 'kind' }),
        ...validateSecretName(input.name, { field: 'name' }),
        ...(input.namespace === undefined
          ? []
          : validateNamespace(input.namespace, { field: 'namespace' })),
      ]);
      const namespace =
        input.namespace ??
        (input.kind === 'Application' ? settings.argocd.namespace : undefined);
      if (!namespace)
        throw new InputError('namespace: is required for a Stack (required)');
      const what = `${input.kind} ${namespace}/${input.name}`;
      if (ctx.isDryRun || !client) {
        const summary = client
          ? `dry run: would wait up to ${timeout}s for ${what}`
          : `pending sync: ${what} is delivered by gitops and the portal has no cluster to read; not waiting`;
        ctx.logger.info(summary);
        ctx.output('state', ctx.isDryRun ? 'dry-run' : 'pending-sync');
        ctx.output('summary', summary);
        return;
      }
      const kind = kinds[input.kind];
      const deadline = Date.now() + timeout * 1000;
      let last: Readiness | undefined;
      for (;;) {
        const obj = await client.get({
          apiVersion: kind.apiVersion,
          kind: input.kind,
          namespace,
          name: input.name,
        });
        const now: Readiness = obj
          ? kind.readiness(obj)
          : { state: 'progressing', summary: 'not created yet (pending sync)' };
        if (now.summary !== last?.summary)
          ctx.logger.info(`${what}: ${now.summary}`);
        last = now;
        if (now.state === 'ready') break;
        if (now.state === 'failed')
          throw new Error(`${what} failed: ${now.summary}`);
        if (Date.now() + interval * 1000 > deadline) {
          throw new Error(
            `${what} was not ready after ${timeout}s: ${now.summary}`,
          );
        }
        await sleep(interval * 1000);
      }
      ctx.output('state', 'ready');
      ctx.output('summary', last!.summary);
    },
  });
}
