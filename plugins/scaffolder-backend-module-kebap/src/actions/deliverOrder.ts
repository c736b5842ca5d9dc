import { createHash } from 'node:crypto';
import yaml from 'yaml';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import {
  KEBAP_LABELS,
  validateOneOf,
  validateOrderKind,
} from '@internal/plugin-kebap-common';
import { Order, OrderDelivery, refOf } from '../delivery/OrderDelivery';
import { throwIfIssues } from './orderInputs';

/** The outputs every ordering action has, from {@link deliverOrder}. */
export const deliveryOutputs = {
  manifests: (z: any) => z.string().describe('The rendered manifests (YAML)'),
  refs: (z: any) =>
    z
      .array(z.string())
      .describe('apiVersion/kind/namespace/name of each object'),
  deliveryMode: (z: any) => z.string().describe('gitops or kubernetes'),
  commit: (z: any) => z.string().optional().describe('gitops: the commit'),
  folder: (z: any) =>
    z
      .string()
      .optional()
      .describe('gitops: the folder of this part of the order'),
};

/** Renders objects as one multi-document YAML text. */
export function renderObjects(objects: Order['objects']): string {
  return objects.map(o => yaml.stringify(o, { lineWidth: 0 })).join('---\n');
}

/**
 * The shared last half of every ordering action: output the manifests, then
 * deliver them once per task, even when the task is retried or recovered
 * (`ctx.checkpoint`), and output what was delivered. A dry run writes
 * nothing; in kubernetes delivery it has the API server validate the objects
 * (`dryRun=All`).
 */
export async function deliverOrder(
  ctx: ActionContext<any, any>,
  delivery: OrderDelivery,
  order: Order,
): Promise<void> {
  // the envelope of every order, whichever action built it: the environment
  // becomes a folder and a label, the kind a label and the catalog type
  throwIfIssues([
    ...validateOneOf(order.env, ['dev', 'prod'], { field: 'env' }),
    ...[
      ...new Set(
        order.objects.map(o => o.metadata.labels?.[KEBAP_LABELS.kind]),
      ),
    ]
      .filter(kind => kind !== undefined)
      .flatMap(kind => validateOrderKind(kind, { field: 'kind' })),
  ]);
  const manifests = renderObjects(order.objects);
  const refs = order.objects.map(refOf);
  ctx.output('manifests', manifests);
  ctx.output('refs', refs);
  ctx.output('deliveryMode', delivery.mode);
  if (ctx.isDryRun) {
    if (delivery.mode === 'kubernetes') {
      // the API server validates and admits the objects (dryRun=All) and
      // the ownership and namespace pre-flights run; nothing is stored
      await delivery.deliver(order, { logger: ctx.logger, dryRun: true });
    }
    ctx.logger.info(
      `Dry run: rendered ${refs.length} objects for ${order.env}/${order.name} (${order.part}); nothing written`,
    );
    return;
  }
  ctx.logger.info(
    `Delivering ${order.env}/${order.name} (${order.part}) by ${
      delivery.mode
    }: ${refs.join(', ')}`,
  );
  const digest = createHash('sha256')
    .update(manifests)
    .digest('hex')
    .slice(0, 16);
  const result = (await ctx.checkpoint({
    key: `kebap.deliver.${order.env}.${order.name}.${order.part}.${digest}`,
    fn: async () =>
      (await delivery.deliver(order, {
        logger: ctx.logger,
      })) as unknown as JsonObject,
  })) as { commit?: string; folder?: string; changed: boolean };
  if (result.commit) ctx.output('commit', result.commit);
  if (result.folder) ctx.output('folder', result.folder);
}
