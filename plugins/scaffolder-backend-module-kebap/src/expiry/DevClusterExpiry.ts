import { LoggerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { HumanDuration } from '@backstage/types';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { OrderDelivery } from '../delivery/OrderDelivery';
import {
  DevClusterOrder,
  DevClusterOrderSource,
  EXPIRY_WARNED_ANNOTATION,
  rewriteExpiryAnnotations,
} from './DevClusterOrders';

const DAY_MS = 24 * 3600 * 1000;

/** Who the portal's own changes are recorded as. */
export const EXPIRY_ACTOR = 'kebap-portal (dev-cluster expiry)';

/** `kebap.expiry.*` */
export interface ExpirySettings {
  enabled: boolean;
  frequency: HumanDuration;
  warnDaysBefore: number;
}

export function readExpirySettings(config: Config): ExpirySettings {
  const warnDaysBefore =
    config.getOptionalNumber('kebap.expiry.warnDaysBefore') ?? 2;
  if (!(warnDaysBefore >= 0)) {
    throw new Error('kebap.expiry.warnDaysBefore must be 0 or more days');
  }
  return {
    enabled: config.getOptionalBoolean('kebap.expiry.enabled') ?? true,
    frequency: config.has('kebap.expiry.frequency')
      ? readDurationFromConfig(config, { key: 'kebap.expiry.frequency' })
      : { hours: 1 },
    warnDaysBefore,
  };
}

/** What one run did, by order name. */
export interface ExpiryRunResult {
  warned: string[];
  decommissioned: string[];
  failed: string[];
}

/**
 * The dev-cluster expiry job. On each run, for every dev cluster with a
 * `kebap.io/expires-at`:
 *
 * - from `warnDaysBefore` days before its expiry, its owning group is
 *   notified once for that expiry (recorded on the order's objects as
 *   `kebap.io/expiry-warned: <expires-at>` through the delivery, so
 *   restarts and other replicas do not warn again; an extension changes the
 *   expiry, so the next threshold warns again);
 * - once expired, it is removed through the delivery (owner-safe, as
 *   `kebap:decommission` does), logged, and the owner is notified.
 *
 * Failures of one order are logged and do not stop the others; the next
 * run tries again.
 */
export class DevClusterExpiry {
  private readonly source: DevClusterOrderSource;
  private readonly delivery: OrderDelivery;
  private readonly notifications?: NotificationService;
  private readonly logger: LoggerService;
  private readonly warnDaysBefore: number;
  private readonly maxLifetimeDays: number;
  private readonly now: () => Date;

  constructor(options: {
    source: DevClusterOrderSource;
    delivery: OrderDelivery;
    notifications?: NotificationService;
    logger: LoggerService;
    warnDaysBefore: number;
    maxLifetimeDays: number;
    now?: () => Date;
  }) {
    this.source = options.source;
    this.delivery = options.delivery;
    this.notifications = options.notifications;
    this.logger = options.logger;
    this.warnDaysBefore = options.warnDaysBefore;
    this.maxLifetimeDays = options.maxLifetimeDays;
    this.now = options.now ?? (() => new Date());
  }

  async run(): Promise<ExpiryRunResult> {
    const result: ExpiryRunResult = {
      warned: [],
      decommissioned: [],
      failed: [],
    };
    const now = this.now().getTime();
    await this.delivery.refresh?.();
    for (const order of await this.source.list()) {
      if (!order.expiresAt) continue;
      const expires = Date.parse(order.expiresAt);
      if (Number.isNaN(expires)) {
        this.logger.warn(
          `Dev cluster ${order.name}: kebap.io/expires-at '${order.expiresAt}' is not a date; leaving it alone`,
        );
        continue;
      }
      try {
        if (now >= expires) {
          await this.decommission(order);
          result.decommissioned.push(order.name);
        } else if (
          now >= expires - this.warnDaysBefore * DAY_MS &&
          order.warnedFor !== order.expiresAt
        ) {
          await this.warn(order, expires - now);
          result.warned.push(order.name);
        }
      } catch (e) {
        result.failed.push(order.name);
        this.logger.error(
          `Dev cluster ${order.name} of ${order.ownerRef}: expiry step failed, trying again on the next run: ${e}`,
        );
      }
    }
    return result;
  }

  private async warn(order: DevClusterOrder, leftMs: number) {
    const days = Math.floor(leftMs / DAY_MS);
    const hours = Math.floor(leftMs / 3600_000);
    const left =
      days >= 1
        ? `${days} day${days === 1 ? '' : 's'}`
        : `${hours} hour${hours === 1 ? '' : 's'}`;
    // notify first, then record: a failed record sends again on the next
    // run, and the notification's scope makes that an update, not a second one
    await this.notify(order, {
      title: `Dev cluster ${order.name} expires in ${left}`,
      description: `The dev cluster ${order.name} of ${order.ownerRef} expires at ${order.expiresAt} and is then decommissioned. Extend it from its page ("Extend a dev cluster", up to ${this.maxLifetimeDays} days from now) if you still need it.`,
      severity: 'high',
      scope: `kebap-expiry-warning:${order.entityRef}:${order.expiresAt}`,
    });
    await rewriteExpiryAnnotations({
      delivery: this.delivery,
      order,
      annotations: { [EXPIRY_WARNED_ANNOTATION]: order.expiresAt },
      requestedBy: EXPIRY_ACTOR,
      logger: this.logger,
    });
    this.logger.info(
      `Dev cluster ${order.name}: warned ${order.ownerRef} that it expires at ${order.expiresAt}`,
    );
  }

  private async decommission(order: DevClusterOrder) {
    const result = await this.delivery.remove(
      {
        env: order.env,
        name: order.name,
        ownerRef: order.ownerRef,
        requestedBy: EXPIRY_ACTOR,
      },
      { logger: this.logger },
    );
    this.logger.info(
      `Dev cluster ${order.name} of ${order.ownerRef} expired at ${
        order.expiresAt
      }: decommissioned (${result.refs.join(', ')}${
        result.commit ? `; commit ${result.commit.slice(0, 12)}` : ''
      })`,
    );
    try {
      await this.notify(order, {
        title: `Dev cluster ${order.name} was decommissioned`,
        description: `The dev cluster ${order.name} of ${order.ownerRef} expired at ${order.expiresAt} and was removed.`,
        severity: 'normal',
        scope: `kebap-expiry-decommissioned:${order.entityRef}:${order.expiresAt}`,
      });
    } catch (e) {
      this.logger.warn(
        `Dev cluster ${order.name}: could not notify ${order.ownerRef} of its decommissioning: ${e}`,
      );
    }
  }

  private async notify(
    order: DevClusterOrder,
    payload: {
      title: string;
      description: string;
      severity: 'high' | 'normal';
      scope: string;
    },
  ) {
    if (!this.notifications) {
      this.logger.info(`Notification for ${order.ownerRef}: ${payload.title}`);
      return;
    }
    const [, namespace, name] =
      /^[^:]+:([^/]+)\/(.+)$/.exec(order.entityRef) ?? [];
    await this.notifications.send({
      recipients: { type: 'entity', entityRef: order.ownerRef },
      payload: {
        ...payload,
        topic: 'kebap-dev-cluster-expiry',
        link: name ? `/catalog/${namespace}/resource/${name}` : undefined,
      },
    });
  }
}
