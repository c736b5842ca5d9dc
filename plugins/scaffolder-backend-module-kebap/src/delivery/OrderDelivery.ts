import { LoggerService } from '@backstage/backend-plugin-api';
import type { OrderObject } from '@internal/plugin-kebap-common';
import type { PendingRemoval } from '@internal/plugin-kebap-node';

export type { OrderObject };

/** One order: the objects of one ordered thing, delivered together. */
export interface Order {
  /** `dev` or `prod`: the folder in gitops delivery, a label everywhere */
  env: string;
  /** The order's name (a DNS-1123 label, already validated) */
  name: string;
  /**
   * The part of the order these objects are (e.g. `vcluster`,
   * `registration`): each action delivers its own part, and a re-run replaces
   * only that part.
   */
  part: string;
  /** The entity ref of the group that owns the order */
  ownerRef: string;
  objects: OrderObject[];
  /** Who ordered, for commit authorship and messages */
  requestedBy?: string;
  taskId?: string;
}

/** What a delivery did. */
export interface DeliveryResult {
  mode: 'gitops' | 'kubernetes';
  /** `apiVersion/kind/namespace/name` of every object delivered */
  refs: string[];
  /** gitops: the commit that holds the order (unchanged re-runs: the existing one) */
  commit?: string;
  /** gitops: the folder of the order in the repository */
  folder?: string;
  /** false when the order was already delivered exactly like this */
  changed: boolean;
  /**
   * kubernetes removal: objects still there, held by finalizers
   * (`deleting`) or waiting for those to go (`waiting`)
   */
  pending?: PendingRemoval[];
}

/** Delivers orders: by a Git commit that Argo CD syncs, or by server-side apply. */
export interface OrderDelivery {
  readonly mode: 'gitops' | 'kubernetes';
  /**
   * Delivers an order. `dryRun`: validated as far as the delivery can
   * without writing (kubernetes: the API server's `dryRun=All`).
   */
  deliver(
    order: Order,
    options: { logger: LoggerService; dryRun?: boolean },
  ): Promise<DeliveryResult>;
  /**
   * Brings this replica's view of the orders up to date before they are read
   * outside a delivery (expiry, extend): a remote orders repository fetches
   * its branch. Deliveries whose view is always current have none.
   */
  refresh?(): Promise<void>;
  /** Removes an order. Refuses (ConflictError) what belongs to someone else. */
  remove(
    order: Pick<Order, 'env' | 'name' | 'ownerRef' | 'requestedBy' | 'taskId'>,
    options: { logger: LoggerService },
  ): Promise<DeliveryResult>;
}

export function refOf(obj: OrderObject): string {
  return [
    obj.apiVersion,
    obj.kind,
    obj.metadata.namespace ?? '',
    obj.metadata.name,
  ]
    .filter((p, i) => i !== 2 || p)
    .join('/');
}
