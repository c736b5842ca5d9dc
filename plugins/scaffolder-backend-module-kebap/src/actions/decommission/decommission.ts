import { InputError } from '@backstage/errors';
import { parseEntityRef } from '@backstage/catalog-model';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { validateOrderName } from '@internal/plugin-kebap-common';
import type { PendingRemoval } from '@internal/plugin-kebap-node';
import { OrderDelivery } from '../../delivery/OrderDelivery';
import { orderProvenance, parseOwner, throwIfIssues } from '../orderInputs';
import { examples } from './decommission.examples';

/**
 * `kebap:decommission`: removes an order after its name was typed to
 * confirm. In gitops delivery, a commit that removes the order's folder (Argo
 * CD prunes the objects; the Stack's finalizer destroys cloud resources, the
 * Application's deletes the vCluster); in kubernetes delivery, the order's
 * objects are deleted by their labels. The catalog entity disappears with
 * the order. Another owner's order is refused and nothing is removed.
 */
export function createDecommissionAction(options: { delivery: OrderDelivery }) {
  const { delivery } = options;
  return createTemplateAction({
    id: 'kebap:decommission',
    description:
      'Removes an order (its objects, its cloud resources and its catalog entity) after confirmation.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .describe(
              'The order’s catalog entity, e.g. resource:default/dev-payments-dev',
            ),
        owner: z =>
          z.string().describe('The owning group (must be the order’s owner)'),
        confirm: z =>
          z.string().describe('The order name, typed again to confirm'),
      },
      output: {
        refs: z => z.array(z.string()).describe('The objects removed'),
        state: z =>
          z
            .enum(['removed', 'deleting'])
            .describe(
              'removed: nothing of the order is left (gitops: removed from Git); deleting: objects are still held by finalizers (kubernetes delivery)',
            ),
        pending: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'kubernetes delivery: what is still there, e.g. "pulumi.com/v1/Stack/kebap-stacks/db (deleting: finalizer.stack.pulumi.com)"',
            ),
        commit: z =>
          z
            .string()
            .optional()
            .describe('gitops: the commit that removed the order'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      let entityName: string;
      try {
        const ref = parseEntityRef(input.entityRef, {
          defaultKind: 'resource',
          defaultNamespace: 'default',
        });
        if (ref.kind.toLocaleLowerCase('en-US') !== 'resource')
          throw new Error('not a resource');
        entityName = ref.name;
      } catch {
        throw new InputError(
          `entityRef: '${input.entityRef}' is not the entity of an order (entity-ref)`,
        );
      }
      const m = /^(dev|prod)-(.+)$/.exec(entityName);
      if (!m)
        throw new InputError(
          `entityRef: '${entityName}' is not an order entity (<env>-<name>) (order-entity)`,
        );
      const [, env, name] = m;
      const owner = parseOwner(input.owner);
      throwIfIssues([
        ...validateOrderName(name, { field: 'entityRef', maxLength: 63 }),
        ...owner.issues,
      ]);
      if (input.confirm !== name) {
        throw new InputError(
          `confirm: type the order name '${name}' to confirm (confirmation)`,
        );
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would remove order ${env}/${name} of ${owner.ref}`,
        );
        ctx.output('refs', []);
        return;
      }
      const provenance = orderProvenance(ctx);
      const result = await ctx.checkpoint({
        key: `kebap.decommission.${env}.${name}`,
        fn: async () =>
          (await delivery.remove(
            {
              env,
              name,
              ownerRef: owner.ref!,
              requestedBy: provenance.requestedBy,
              taskId: provenance.taskId,
            },
            { logger: ctx.logger },
          )) as any,
      });
      ctx.output('refs', result.refs);
      if (result.commit) ctx.output('commit', result.commit);
      const pending: PendingRemoval[] = result.pending ?? [];
      ctx.output('state', pending.length ? 'deleting' : 'removed');
      if (pending.length) {
        ctx.output(
          'pending',
          pending.map(p =>
            p.state === 'deleting'
              ? `${p.ref} (deleting: ${
                  p.finalizers?.join(', ') || 'finalizers'
                })`
              : `${p.ref} (waiting${
                  p.until?.length
                    ? `; deleted by the cluster after ${p.until.join(', ')}`
                    : ''
                })`,
          ),
        );
        const waiting = pending.filter(p => p.state === 'waiting');
        const selfFinishing = waiting.every(p => p.until?.length);
        ctx.logger.info(
          `Order ${env}/${name} is being decommissioned: ${
            pending.filter(p => p.state === 'deleting').length
          } object(s) are still deleting behind their finalizers and ${
            waiting.length
          } wait for them. The task completes now; ${
            selfFinishing
              ? 'the cluster removes the rest once they are gone (the status card shows it)'
              : 'run Decommission again once the status card shows them gone, to remove the rest'
          }.`,
        );
      } else {
        ctx.logger.info(
          result.changed
            ? `Order ${env}/${name} decommissioned`
            : `Order ${env}/${name} was already gone`,
        );
      }
    },
  });
}
