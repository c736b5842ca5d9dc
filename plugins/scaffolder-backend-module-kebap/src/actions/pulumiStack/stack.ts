import fs from 'node:fs';
import path from 'node:path';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  KEBAP_ANNOTATIONS,
  PulumiYamlProgram,
  buildProgram,
  buildSecretShare,
  buildStack,
  buildStackServiceAccount,
  orderMetadata,
  pulumiYamlProjectToProgram,
  validatePulumiYamlProgram,
  validateFreeText,
  validateSecretShare,
  validateStackConfigForProgram,
  validateStackInput,
} from '@internal/plugin-kebap-common';
import { KebapSettings } from '../../KebapSettings';
import { OrderDelivery, OrderObject } from '../../delivery/OrderDelivery';
import { deliverOrder, deliveryOutputs } from '../deliverOrder';
import {
  Issue,
  orderProvenance,
  parseOwner,
  throwIfIssues,
} from '../orderInputs';
import { examples } from './stack.examples';

/** Largest program file the action reads (a Pulumi YAML program is small). */
const MAX_PROGRAM_BYTES = 256 * 1024;

/**
 * Reads a Pulumi YAML project file from the task workspace (e.g. fetched
 * there by `fetch:plain`) and converts it to a Program body. The path must
 * stay inside the workspace, also through symbolic links.
 */
async function readProgramFile(
  workspacePath: string,
  programPath: string,
): Promise<{ program?: PulumiYamlProgram; issues: Issue[] }> {
  const field = 'programPath';
  const refuse = (rule: string, message: string) => ({
    issues: [{ field, rule, message }],
  });
  if (
    !programPath ||
    path.isAbsolute(programPath) ||
    programPath.split(/[\\/]/).includes('..') ||
    programPath.includes('\0')
  ) {
    return refuse(
      'workspace-path',
      `'${programPath.slice(
        0,
        100,
      )}' must be a relative path inside the task workspace, without '..'`,
    );
  }
  const root = await fs.promises.realpath(workspacePath);
  let file: string;
  try {
    file = await fs.promises.realpath(path.resolve(root, programPath));
  } catch {
    return refuse(
      'exists',
      `'${programPath}' is not in the task workspace (fetch it first, e.g. with fetch:plain)`,
    );
  }
  if (!file.startsWith(`${root}${path.sep}`)) {
    return refuse(
      'workspace-path',
      `'${programPath}' leads outside the task workspace`,
    );
  }
  const stat = await fs.promises.stat(file);
  if (!stat.isFile() || stat.size > MAX_PROGRAM_BYTES) {
    return refuse(
      'file',
      `'${programPath}' must be a file of at most ${MAX_PROGRAM_BYTES} bytes`,
    );
  }
  return pulumiYamlProjectToProgram(await fs.promises.readFile(file, 'utf8'), {
    field,
  });
}

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
        stack: z =>
          z
            .string()
            .describe(
              "Pulumi stack, org/project/stack. With program, programPath or programRef the project is the Program's name (the Operator names the Pulumi project after it): <name>-program for a Program this action creates",
            ),
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
        programPath: z =>
          z
            .string()
            .optional()
            .describe(
              'Workspace-relative path of a Pulumi YAML project file (Pulumi.yaml, runtime: yaml), e.g. fetched by fetch:plain; created as a Program next to the Stack',
            ),
        shareSecret: z =>
          z
            .object({
              secretName: z
                .string()
                .describe(
                  'The Secret the program writes in the Stack namespace',
                ),
              namespace: z
                .string()
                .describe('The namespace that receives a copy (the owner’s)'),
              targetName: z
                .string()
                .optional()
                .describe('Name of the copy (default secretName)'),
              refreshInterval: z
                .string()
                .optional()
                .describe('How often ESO refreshes the copy (default 15m)'),
            })
            .optional()
            .describe(
              'Copy a Secret the program writes into another namespace with External Secrets Operator (kubernetes provider); values never pass through the portal',
            ),
        config: z =>
          z
            .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
            .optional()
            .describe(
              'Stack config (plain values only; numbers and booleans are written as text, as Pulumi stores config)',
            ),
        purpose: z =>
          z
            .string()
            .optional()
            .describe('What the order is for (shown on its catalog page)'),
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
              'Create the ServiceAccount (its system:auth-delegator binding is the platform’s, per namespace)',
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
      const inline = input.program !== undefined;
      const fromFile = input.programPath !== undefined;
      const programRef =
        inline || fromFile ? `${input.name}-program` : input.programRef;
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
        config: input.config
          ? Object.fromEntries(
              Object.entries(input.config).map(([k, v]) => [k, String(v)]),
            )
          : undefined,
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
      if (fromFile && (inline || input.programRef)) {
        issues.push({
          field: 'programPath',
          rule: 'exclusive',
          message: 'give one of program, programPath and programRef',
        });
      }
      if (fromFile && (input.projectRepo || input.branch || input.commit)) {
        issues.push({
          field: 'programPath',
          rule: 'exclusive',
          message: 'give either programPath or projectRepo, not both',
        });
      }
      let program = input.program as PulumiYamlProgram | undefined;
      if (fromFile && !issues.some(i => i.field === 'programPath')) {
        const read = await readProgramFile(
          ctx.workspacePath,
          input.programPath!,
        );
        issues.push(...read.issues);
        program = read.program;
      }
      const share = input.shareSecret
        ? {
            secretName: input.shareSecret.secretName,
            fromNamespace: input.namespace,
            toNamespace: input.shareSecret.namespace,
            targetName: input.shareSecret.targetName,
            refreshInterval: input.shareSecret.refreshInterval,
          }
        : undefined;
      if (program && !issues.some(i => i.field.startsWith('program'))) {
        issues.push(
          ...validateStackConfigForProgram(program, stackInput.config, {
            field: 'config',
          }),
        );
      }
      if (share) {
        issues.push(...validateSecretShare(share, { field: 'shareSecret' }));
      }
      if (input.purpose !== undefined) {
        issues.push(
          ...validateFreeText(input.purpose, {
            field: 'purpose',
            maxLength: 500,
          }),
        );
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
      if (program) {
        objects.push(
          buildProgram({
            name: programRef!,
            namespace: input.namespace,
            program,
            metadata,
          }) as any,
        );
      }
      const stack = buildStack({ ...(stackInput as any), metadata });
      if (input.purpose) {
        stack.metadata.annotations = {
          ...stack.metadata.annotations,
          [KEBAP_ANNOTATIONS.purpose]: input.purpose,
        };
      }
      objects.push(stack as any);
      if (share) {
        objects.push(...(buildSecretShare({ ...share, metadata }) as any[]));
      }

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
