import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  buildProgram,
  buildStack,
  buildStackServiceAccount,
  orderMetadata,
  validatePulumiYamlProgram,
  validateStackInput,
} from '@internal/plugin-kebap-common';
import { KebapSettings } from '../../KebapSettings';
import { OrderDelivery, OrderObject } from '../../delivery/OrderDelivery';
import { deliverOrder, deliveryOutputs } from '../deliverOrder';
import { orderProvenance, parseOwner, throwIfIssues } from '../orderInputs';
import { examples } from './stack.examples';

/**
 * `kebap:pulumi:stack`: a Pulumi Kubernetes Operator `Stack`, optionally with
 * the `Program` it runs and the ServiceAccount its workspace runs as.
 */
export function createPulumiStackAction(options: {
  delivery: OrderDelivery;
  settings: KebapSettings;
}) {
  const { delivery, settings } = options;
  return createTemplateAction({
    id: 'kebap:pulumi:stack',
    description:
      'Orders infrastructure through the Pulumi Kubernetes Operator: a Stack (and optionally its Program and ServiceAccount).',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .describe(
              'Stack object name: a DNS-1123 label, at most 42 characters with the suffixes the portal adds',
            ),
        namespace: z => z.string().describe('Namespace of the Stack'),
        owner: z =>
          z
            .string()
            .describe('The owning group, e.g. group:default/team-payments'),
        env: z =>
          z
            .enum(['dev', 'prod'])
            .optional()
            .describe('Environment of the order (default prod)'),
        kind: z =>
          z
            .string()
            .optional()
            .describe(
              'What the order is, for labels and the catalog: cluster, database, queue, bucket… (default stack)',
            ),
        stack: z => z.string().describe('Pulumi stack, org/project/stack'),
        projectRepo: z =>
          z.string().optional().describe('Git URL of the Pulumi program'),
        branch: z => z.string().optional().describe('Git branch (or commit)'),
        commit: z => z.string().optional().describe('Git commit (or branch)'),
        repoDir: z =>
          z
            .string()
            .optional()
            .describe('Folder of the program in the repository'),
        gitAuthSecret: z =>
          z
            .string()
            .optional()
            .describe('Secret (same namespace) with Git credentials'),
        programRef: z =>
          z
            .string()
            .optional()
            .describe('Name of a Program to run instead of Git'),
        program: z =>
          z
            .record(z.string(), z.any())
            .optional()
            .describe(
              'Pulumi YAML program to create as a Program next to the Stack (then programRef is set to it)',
            ),
        config: z =>
          z
            .record(z.string(), z.string())
            .optional()
            .describe('Stack config (plain values only)'),
        envSecrets: z =>
          z
            .record(
              z.string(),
              z.object({ secretName: z.string(), key: z.string() }),
            )
            .optional()
            .describe(
              'Environment variables read from Secrets in the Stack namespace (kept by External Secrets Operator)',
            ),
        serviceAccountName: z =>
          z
            .string()
            .optional()
            .describe('ServiceAccount the workspace runs as'),
        createServiceAccount: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Create the ServiceAccount and its system:auth-delegator binding',
            ),
        destroyOnFinalize: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Destroy the cloud resources when the Stack is deleted (default true)',
            ),
        refresh: z =>
          z.boolean().optional().describe('Refresh before each update'),
        resyncFrequencySeconds: z =>
          z.number().optional().describe('Resync period, at least 60 seconds'),
      },
      output: {
        ...deliveryOutputs,
        stackUrl: z =>
          z.string().optional().describe('Link to the stack in Pulumi Cloud'),
        entityRef: z => z.string(),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const env = input.env ?? 'prod';
      const owner = parseOwner(input.owner);
      const programRef = input.program
        ? `${input.name}-program`
        : input.programRef;
      const stackInput = {
        name: input.name,
        namespace: input.namespace,
        stack: input.stack,
        source: programRef
          ? { programRef }
          : {
              projectRepo: input.projectRepo ?? '',
              branch: input.branch,
              commit: input.commit,
              repoDir: input.repoDir,
              gitAuth: input.gitAuthSecret
                ? { secretName: input.gitAuthSecret }
                : undefined,
            },
        config: input.config,
        envSecrets: input.envSecrets,
        serviceAccountName: input.serviceAccountName,
        destroyOnFinalize: input.destroyOnFinalize,
        refresh: input.refresh,
        resyncFrequencySeconds: input.resyncFrequencySeconds,
      };
      const issues = [
        ...owner.issues,
        ...validateStackInput(stackInput as any),
      ];
      if (input.program !== undefined) {
        issues.push(
          ...validatePulumiYamlProgram(input.program, { field: 'program' }),
        );
      }
      if (input.program && input.programRef) {
        issues.push({
          field: 'programRef',
          rule: 'exclusive',
          message: 'give either program or programRef, not both',
        });
      }
      if (input.createServiceAccount && !input.serviceAccountName) {
        issues.push({
          field: 'serviceAccountName',
          rule: 'required',
          message: 'is required when createServiceAccount is true',
        });
      }
      throwIfIssues(issues);

      const provenance = orderProvenance(ctx);
      const entityRef = `resource:default/${env}-${input.name}`;
      const metadata = orderMetadata({
        orderName: input.name,
        owner: owner.ref!,
        template: provenance.templateRef,
        taskId: provenance.taskId,
        entityRef,
        env,
        kind: input.kind ?? 'stack',
      });
      const objects: OrderObject[] = [];
      if (input.createServiceAccount && input.serviceAccountName) {
        objects.push(
          ...(buildStackServiceAccount({
            name: input.serviceAccountName,
            namespace: input.namespace,
            metadata,
          }) as any),
        );
      }
      if (input.program) {
        objects.push(
          buildProgram({
            name: programRef!,
            namespace: input.namespace,
            program: input.program,
            metadata,
          }) as any,
        );
      }
      objects.push(buildStack({ ...(stackInput as any), metadata }) as any);

      ctx.output('entityRef', entityRef);
      const [org, project, stackName] = input.stack.split('/');
      ctx.output(
        'stackUrl',
        `${settings.pulumi.cloudUrl.replace(
          /\/$/,
          '',
        )}/${org}/${project}/${stackName}`,
      );
      await deliverOrder(ctx, delivery, {
        env,
        name: input.name,
        part: 'stack',
        ownerRef: owner.ref!,
        objects,
        requestedBy: provenance.requestedBy,
        taskId: provenance.taskId,
      });
    },
  });
}
