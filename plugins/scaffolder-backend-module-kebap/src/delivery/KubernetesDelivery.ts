import { LoggerService } from '@backstage/backend-plugin-api';
import { KEBAP_LABELS } from '@internal/plugin-kebap-common';
import {
  applyObjects,
  deleteObjects,
  listOrderObjects,
  KubernetesClient,
  PendingRemoval,
  refString,
} from '@internal/plugin-kebap-node';
import { MayOverwrite } from './GitopsDelivery';
import { DeliveryResult, Order, OrderDelivery } from './OrderDelivery';

/** The field manager of every server-side apply the portal makes. */
export const KEBAP_FIELD_MANAGER = 'kebap-portal';

/** One task-log line for an object a removal left behind. */
function describePending(p: PendingRemoval): string {
  if (p.state === 'deleting') {
    return `Deleting ${p.ref}: held by ${
      p.finalizers?.length
        ? `finalizer ${p.finalizers.join(', ')}`
        : 'its controller'
    } while it cleans up`;
  }
  if (p.until?.length) {
    return `Waiting to delete ${p.ref}: ${p.until.join(
      ', ',
    )} may need it until it is gone; the cluster deletes it then (it is now a dependent of it)`;
  }
  return `Waiting to delete ${p.ref}: run Decommission again once the objects above are gone`;
}

/**
 * Delivery by server-side apply to the control-plane cluster, with the
 * field manager `kebap-portal`. Objects that exist and are not this order's
 * are refused before anything is written, and the API server itself keeps
 * a name to one order: absent objects are created (POST; of two creators
 * of one name, in this process or another, exactly one wins) and existing
 * ones are applied with the resourceVersion their ownership was judged on
 * (see `applyObjects`).
 *
 * Removal deletes phase by phase (`deleteObjects`): Stacks and Argo CD
 * Applications first, what they need while their finalizers clean up
 * (Programs, credentials) only once they are gone, waiting up to
 * `removalWaitMs`; after that, what they need becomes their dependent
 * (ownerReference), so the cluster's garbage collector removes it when they
 * are gone, and the removal reports them as pending.
 */
export class KubernetesDelivery implements OrderDelivery {
  readonly mode = 'kubernetes' as const;
  private readonly client: KubernetesClient;
  private readonly mayOverwrite: MayOverwrite;
  private readonly removalWaitMs: number;
  private readonly removalPollMs: number;

  constructor(options: {
    client: KubernetesClient;
    mayOverwrite: MayOverwrite;
    /** how long a removal waits for finalizers before reporting pending (default 60 s) */
    removalWaitMs?: number;
    removalPollMs?: number;
  }) {
    this.client = options.client;
    this.mayOverwrite = options.mayOverwrite;
    this.removalWaitMs = options.removalWaitMs ?? 60_000;
    this.removalPollMs = options.removalPollMs ?? 1000;
  }

  async deliver(
    order: Order,
    options: { logger: LoggerService; dryRun?: boolean },
  ): Promise<DeliveryResult> {
    const result = await applyObjects({
      client: this.client,
      objects: order.objects,
      fieldManager: KEBAP_FIELD_MANAGER,
      mayOverwrite: existing => this.mayOverwrite(existing, order),
      logger: options.logger,
      dryRun: options.dryRun,
    });
    options.logger.info(
      `${
        options.dryRun
          ? 'Dry run (the API server validated, nothing stored): '
          : ''
      }Applied ${result.applied.length} objects (${
        result.created.length
      } created, ${result.updated.length} updated, ${
        result.unchanged.length
      } unchanged)`,
    );
    return {
      mode: this.mode,
      refs: result.applied,
      changed: result.created.length + result.updated.length > 0,
    };
  }

  async remove(
    order: Pick<Order, 'env' | 'name' | 'ownerRef'>,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    const selector = `${KEBAP_LABELS.order}=${order.name},${KEBAP_LABELS.env}=${order.env}`;
    const found = await listOrderObjects({
      client: this.client,
      labelSelector: selector,
    });
    const refs = found.map(o => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace,
      name: o.metadata.name,
    }));
    const { deleted, pending } = await deleteObjects({
      client: this.client,
      refs,
      mayDelete: existing => this.mayOverwrite(existing, order),
      waitMs: this.removalWaitMs,
      pollMs: this.removalPollMs,
      logger: options.logger,
    });
    if (deleted.length) options.logger.info(`Deleted ${deleted.join(', ')}`);
    for (const p of pending) options.logger.info(describePending(p));
    if (!deleted.length && !pending.length)
      options.logger.info(
        `Nothing of ${order.env}/${order.name} left to delete`,
      );
    return {
      mode: this.mode,
      refs: refs.map(refString),
      changed: deleted.length > 0,
      pending,
    };
  }
}
