import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  buildVClusterRegistration,
  orderMetadata,
  validateOrderName,
  VCLUSTER_NAME_MAX_LENGTH,
} from '@internal/plugin-kebap-common';
import { KebapSettings } from '../../KebapSettings';
import { OrderDelivery } from '../../delivery/OrderDelivery';
import { deliverOrder, deliveryOutputs } from '../deliverOrder';
import { orderProvenance, parseOwner, throwIfIssues } from '../orderInputs';
import { examples } from './cluster.examples';

/**
 * `kebap:argocd:cluster`: registers a dev cluster (vCluster) in Argo CD. The
 * credentials never pass through the portal: External Secrets Operator copies
 * them from the vCluster's own `vc-<name>` Secret into an Argo CD cluster
 * Secret labelled `argocd.argoproj.io/secret-type: cluster` and `env: dev`.
 * Prod clusters are registered by the Pulumi program that creates them.
 */
export function createArgoCdClusterAction(options: {
  delivery: OrderDelivery;
  settings: KebapSettings;
}) {
  const { delivery, settings } = options;
  return createTemplateAction({
    id: 'kebap:argocd:cluster',
    description:
      'Registers a dev cluster (vCluster) in Argo CD; its credentials are copied in-cluster by External Secrets Operator.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z =>
          z
            .string()
            .describe('The vCluster name (as given to kebap:vcluster:create)'),
        owner: z => z.string().describe('The owning group'),
      },
      output: {
        ...deliveryOutputs,
        clusterName: z => z.string().describe('The cluster name in Argo CD'),
        server: z => z.string().describe('The API server URL Argo CD uses'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const owner = parseOwner(input.owner);
      throwIfIssues([
        ...validateOrderName(input.name, {
          field: 'name',
          maxLength: VCLUSTER_NAME_MAX_LENGTH,
        }),
        ...owner.issues,
      ]);
      const provenance = orderProvenance(ctx);
      const metadata = orderMetadata({
        orderName: input.name,
        owner: owner.ref!,
        template: provenance.templateRef,
        taskId: provenance.taskId,
        entityRef: `resource:default/dev-${input.name}`,
        env: 'dev',
        kind: 'cluster-registration',
      });
      const registration = buildVClusterRegistration({
        name: input.name,
        metadata,
        argocdNamespace: settings.argocd.namespace,
      });
      ctx.output('clusterName', registration.clusterName);
      ctx.output('server', registration.server);
      await deliverOrder(ctx, delivery, {
        env: 'dev',
        name: input.name,
        part: 'registration',
        ownerRef: owner.ref!,
        objects: registration.objects as any,
        requestedBy: provenance.requestedBy,
        taskId: provenance.taskId,
      });
    },
  });
}
