import { LoggerService } from '@backstage/backend-plugin-api';
import { KEBAP_LABELS } from '@internal/plugin-kebap-common';
import {
  applyObjects,
  deleteObjects,
  listOrderObjects,
  KubernetesClient,
  refString,
} from '@internal/plugin-kebap-node';
import { MayOverwrite } from './GitopsDelivery';
import { DeliveryResult, Order, OrderDelivery, refOf } from './OrderDelivery';

/** The field manager of every server-side apply the portal makes. */
export const KEBAP_FIELD_MANAGER = 'kebap-portal';

/**
 * Delivery by server-side apply to the control-plane cluster, with the
 * field manager `kebap-portal`. Objects that exist and are not this order's
 * are refused before anything is written.
 *
 * Orders that share an object are delivered one after the other inside
 * this process: every apply uses the same field manager, so the API server
 * would let a second order of the same name by another team overwrite the
 * first if both passed the ownership check before either wrote.
 */
export class KubernetesDelivery implements OrderDelivery {
  readonly mode = 'kubernetes' as const;
  private readonly client: KubernetesClient;
  private readonly mayOverwrite: MayOverwrite;
  /** the delivery that holds each object (apiVersion/kind/namespace/name) */
  private readonly locks = new Map<string, Promise<void>>();

  constructor(options: {
    client: KubernetesClient;
    mayOverwrite: MayOverwrite;
  }) {
    this.client = options.client;
    this.mayOverwrite = options.mayOverwrite;
  }

  async deliver(
    order: Order,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult> {
    const result = await this.exclusive(order.objects.map(refOf), () =>
      applyObjects({
        client: this.client,
        objects: order.objects,
        fieldManager: KEBAP_FIELD_MANAGER,
        mayOverwrite: existing => this.mayOverwrite(existing, order),
        logger: options.logger,
      }),
    );
    options.logger.info(
      `Applied ${result.applied.length} objects (${result.created.length} created, ${result.updated.length} updated)`,
    );
    return {
      mode: this.mode,
      refs: result.applied,
      changed: result.created.length + result.updated.length > 0,
    };
  }

  /** Runs `fn` once no other delivery holds any of `keys`. */
  private async exclusive<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const unique = [...new Set(keys)];
    // registering as the last holder of every key happens at once, so the
    // waits form no cycle
    const before = unique.map(k => this.locks.get(k));
    let release!: () => void;
    const mine = new Promise<void>(resolve => {
      release = resolve;
    });
    for (const k of unique) this.locks.set(k, mine);
    await Promise.all(before);
    try {
      return await fn();
    } finally {
      release();
      for (const k of unique)
        if (this.locks.get(k) === mine) this.locks.delete(k);
    }
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
    const deleted = await this.exclusive(refs.map(refString), () =>
      deleteObjects({
        client: this.client,
        refs,
        mayDelete: existing => this.mayOverwrite(existing, order),
      }),
    );
    options.logger.info(
      deleted.length
        ? `Deleted ${deleted.join(', ')}`
        : `Nothing of ${order.env}/${order.name} left to delete`,
    );
    return {
      mode: this.mode,
      refs: refs.map(refString),
      changed: deleted.length > 0,
    };
  }
}
