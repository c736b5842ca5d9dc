import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { parseEntityRef } from '@backstage/catalog-model';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { KEBAP_ANNOTATIONS } from '@internal/plugin-kebap-common';
import { KebapSettings } from '../../KebapSettings';
import { OrderDelivery } from '../../delivery/OrderDelivery';
import {
  DevClusterOrderSource,
  EXPIRY_WARNED_ANNOTATION,
  rewriteExpiryAnnotations,
} from '../../expiry/DevClusterOrders';
import {
  Issue,
  orderProvenance,
  parseOwner,
  throwIfIssues,
} from '../orderInputs';
import { examples } from './extend.examples';

const DAY_MS = 24 * 3600 * 1000;

/**
 * `kebap:extend`: moves a dev cluster's expiry to `days` days from now, at
 * most `kebap.vcluster.maxLifetimeDays`, by rewriting the
 * `kebap.io/expires-at` annotation of the order's objects through the
 * delivery (gitops: a commit; kubernetes: server-side apply). Only the
 * order's owner may extend it; an expiry is never brought forward.
 */
export function createExtendAction(options: {
  delivery: OrderDelivery;
  settings: KebapSettings;
  orders: DevClusterOrderSource;
  now?: () => Date;
}) {
  const { delivery, settings, orders } = options;
  const now = options.now ?? (() => new Date());
  const max = settings.vcluster.maxLifetimeDays;
  return createTemplateAction({
    id: 'kebap:extend',
    description: `Extends a dev cluster's lifetime to a number of days from now (at most ${max}).`,
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        order: z =>
          z
            .string()
            .describe(
              'The dev cluster’s catalog entity, e.g. resource:default/dev-alpha',
            ),
        owner: z =>
          z.string().describe('The owning group (must be the order’s owner)'),
        days: z =>
          z.number().describe(`Days from now until it expires (1 to ${max})`),
      },
      output: {
        expiresAt: z => z.string().describe('The new expiry (ISO 8601)'),
        previousExpiresAt: z =>
          z.string().optional().describe('The expiry before'),
        commit: z => z.string().optional().describe('gitops: the commit'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      let entityName: string | undefined;
      try {
        const ref = parseEntityRef(input.order, {
          defaultKind: 'resource',
          defaultNamespace: 'default',
        });
        if (ref.kind.toLocaleLowerCase('en-US') === 'resource')
          entityName = ref.name;
      } catch {
        entityName = undefined;
      }
      const issues: Issue[] = [];
      const m = entityName ? /^dev-([a-z0-9-]+)$/.exec(entityName) : null;
      if (!m) {
        issues.push({
          field: 'order',
          rule: 'dev-cluster-entity',
          message: `'${input.order}' is not the entity of a dev cluster (resource:default/dev-<name>)`,
        });
      }
      const owner = parseOwner(input.owner);
      issues.push(...owner.issues);
      if (!Number.isInteger(input.days) || input.days < 1 || input.days > max) {
        issues.push({
          field: 'days',
          rule: 'max-lifetime',
          message: `${input.days} is not a whole number of days from 1 to ${max} (kebap.vcluster.maxLifetimeDays, counted from now)`,
        });
      }
      throwIfIssues(issues);
      const name = m![1];

      await delivery.refresh?.();
      const order = (await orders.list()).find(
        o => o.env === 'dev' && o.name === name,
      );
      if (!order) {
        throw new NotFoundError(
          `order: no dev cluster '${name}' was ordered through the portal (or it was decommissioned)`,
        );
      }
      if (order.ownerRef !== owner.ref) {
        throw new NotAllowedError(
          `owner: dev cluster '${name}' belongs to ${order.ownerRef}, not ${owner.ref}; only its owner may extend it`,
        );
      }
      const expiresAt = await ctx.checkpoint({
        key: `kebap.extend.${name}.expiresAt`,
        fn: async () =>
          new Date(now().getTime() + input.days * DAY_MS).toISOString(),
      });
      if (
        order.expiresAt &&
        Date.parse(order.expiresAt) > Date.parse(expiresAt)
      ) {
        throw new InputError(
          `days: dev cluster '${name}' already runs until ${order.expiresAt}; ${input.days} days from now (${expiresAt}) would shorten it (extend-only)`,
        );
      }
      ctx.output('expiresAt', expiresAt);
      if (order.expiresAt) ctx.output('previousExpiresAt', order.expiresAt);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would move the expiry of dev cluster ${name} from ${
            order.expiresAt ?? 'none'
          } to ${expiresAt}`,
        );
        return;
      }
      const provenance = orderProvenance(ctx);
      const result = await ctx.checkpoint({
        key: `kebap.extend.${name}.${expiresAt}`,
        fn: async () =>
          (await rewriteExpiryAnnotations({
            delivery,
            order,
            annotations: {
              [KEBAP_ANNOTATIONS.expiresAt]: expiresAt,
              // a new expiry gets its own warning
              [EXPIRY_WARNED_ANNOTATION]: undefined,
            },
            requestedBy: provenance.requestedBy,
            taskId: provenance.taskId,
            logger: ctx.logger,
          })) as any,
      });
      if (result.commit) ctx.output('commit', result.commit);
      ctx.logger.info(
        `Dev cluster ${name} now expires at ${expiresAt} (was ${
          order.expiresAt ?? 'none'
        })`,
      );
    },
  });
}
