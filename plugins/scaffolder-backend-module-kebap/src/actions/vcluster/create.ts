import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  buildVClusterOrder,
  orderMetadata,
  validateFreeText,
  validateOneOf,
  validateOrderName,
  VCLUSTER_NAME_MAX_LENGTH,
} from '@internal/plugin-kebap-common';
import { KebapSettings } from '../../KebapSettings';
import { OrderDelivery } from '../../delivery/OrderDelivery';
import { deliverOrder, deliveryOutputs } from '../deliverOrder';
import {
  Issue,
  orderProvenance,
  parseOwner,
  throwIfIssues,
} from '../orderInputs';
import { examples } from './create.examples';

/**
 * `kebap:vcluster:create`: a dev cluster on the control-plane cluster: an
 * Argo CD Application that installs the vCluster chart (pinned in config)
 * with kubeconfig export on into a namespace Argo CD creates and owns, with
 * the size's quota and limits as chart values.
 */
export function createVClusterCreateAction(options: {
  delivery: OrderDelivery;
  settings: KebapSettings;
  now?: () => Date;
}) {
  const { delivery, settings } = options;
  const now = options.now ?? (() => new Date());
  const sizes = Object.keys(settings.vcluster.sizes);
  return createTemplateAction({
    id: 'kebap:vcluster:create',
    description:
      'Orders a dev cluster: a vCluster on the control-plane cluster, installed by an Argo CD Application.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .describe(
              `Cluster name: a DNS-1123 label of at most ${VCLUSTER_NAME_MAX_LENGTH} characters`,
            ),
        owner: z =>
          z
            .string()
            .describe('The owning group, e.g. group:default/team-payments'),
        size: z =>
          z
            .string()
            .describe(`One of the configured sizes: ${sizes.join(', ')}`),
        kubernetesVersion: z =>
          z
            .string()
            .optional()
            .describe(
              'Kubernetes version of the vCluster, e.g. 1.31 (default: the chart default)',
            ),
        lifetimeDays: z =>
          z
            .number()
            .optional()
            .describe(
              `Days until the cluster expires (default ${settings.vcluster.defaultLifetimeDays}, at most ${settings.vcluster.maxLifetimeDays})`,
            ),
        purpose: z =>
          z.string().optional().describe('What the cluster is for (free text)'),
      },
      output: {
        ...deliveryOutputs,
        namespace: z => z.string().describe('The namespace of the vCluster'),
        applicationName: z => z.string().describe('The Argo CD Application'),
        expiresAt: z =>
          z.string().describe('When the cluster expires (ISO 8601)'),
        entityRef: z => z.string().describe('The catalog entity of the order'),
        argocdUrl: z =>
          z.string().optional().describe('Link to the Argo CD application'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const issues: Issue[] = [
        ...validateOrderName(input.name, {
          field: 'name',
          maxLength: VCLUSTER_NAME_MAX_LENGTH,
        }),
      ];
      const owner = parseOwner(input.owner);
      issues.push(...owner.issues);
      // compared with the configured names only: '__proto__' is not a size
      issues.push(...validateOneOf(input.size, sizes, { field: 'size' }));
      if (
        input.kubernetesVersion !== undefined &&
        !/^1\.[0-9]{2}(\.[0-9]{1,2})?$/.test(input.kubernetesVersion)
      ) {
        issues.push({
          field: 'kubernetesVersion',
          rule: 'pattern',
          message: `'${input.kubernetesVersion}' is not a Kubernetes version like 1.31 or 1.31.2`,
        });
      }
      const lifetimeDays =
        input.lifetimeDays ?? settings.vcluster.defaultLifetimeDays;
      if (
        !Number.isInteger(lifetimeDays) ||
        lifetimeDays < 1 ||
        lifetimeDays > settings.vcluster.maxLifetimeDays
      ) {
        issues.push({
          field: 'lifetimeDays',
          rule: 'range',
          message: `must be a whole number of days from 1 to ${settings.vcluster.maxLifetimeDays}`,
        });
      }
      if (input.purpose !== undefined) {
        issues.push(
          ...validateFreeText(input.purpose, {
            field: 'purpose',
            maxLength: 500,
          }),
        );
      }
      throwIfIssues(issues);

      const provenance = orderProvenance(ctx);
      const entityRef = `resource:default/dev-${input.name}`;
      // computed once per task: a retried or recovered task keeps its expiry,
      // so its manifests, and the delivery, stay the same
      const expiresAt = await ctx.checkpoint({
        key: `kebap.vcluster.${input.name}.expiresAt`,
        fn: async () =>
          new Date(
            now().getTime() + lifetimeDays * 24 * 3600 * 1000,
          ).toISOString(),
      });
      const metadata = orderMetadata({
        orderName: input.name,
        owner: owner.ref!,
        template: provenance.templateRef,
        taskId: provenance.taskId,
        entityRef,
        env: 'dev',
        kind: 'vcluster',
      });
      const built = buildVClusterOrder(
        {
          name: input.name,
          metadata,
          size: input.size,
          kubernetesVersion: input.kubernetesVersion,
          expiresAt,
          purpose: input.purpose,
        },
        {
          sizes: settings.vcluster.sizes,
          chart: settings.vcluster.chart,
          argocdNamespace: settings.argocd.namespace,
          project: settings.argocd.project,
        },
      );
      ctx.output('namespace', built.namespace);
      ctx.output('applicationName', built.application.metadata.name);
      ctx.output('expiresAt', expiresAt);
      ctx.output('entityRef', entityRef);
      if (settings.argocd.baseUrl) {
        ctx.output(
          'argocdUrl',
          `${settings.argocd.baseUrl.replace(/\/$/, '')}/applications/${
            settings.argocd.namespace
          }/${built.application.metadata.name}`,
        );
      }
      await deliverOrder(ctx, delivery, {
        env: 'dev',
        name: input.name,
        part: 'vcluster',
        ownerRef: owner.ref!,
        objects: [built.application] as any,
        requestedBy: provenance.requestedBy,
        taskId: provenance.taskId,
      });
    },
  });
}
