import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { KEBAP_LABELS, OrderStatus } from '@internal/plugin-kebap-common';
import { GitopsOrders } from '../gitops/GitopsOrders';
import { buildOrderStatus } from '../status/buildOrderStatus';
import { LinkSettings } from '../status/describeObjects';
import { OrderReader } from './OrderReader';

/** The entity annotations that name an order (the catalog module sets them, keyed like the labels). */
const ORDER_ANNOTATION = KEBAP_LABELS.order;
const ENV_ANNOTATION = KEBAP_LABELS.env;

/**
 * Answers the status of an ordered entity: from the cluster (through a
 * reader, normally the watch-fed cache) when one is configured, and from the
 * orders repository when there is one (gitops delivery).
 */
export class OrderStatusService {
  private readonly reader?: OrderReader;
  private readonly gitops?: GitopsOrders;
  private readonly links: LinkSettings;

  constructor(options: {
    /** undefined when no cluster is configured */
    reader?: OrderReader;
    /** undefined in kubernetes delivery */
    gitops?: GitopsOrders;
    links: LinkSettings;
  }) {
    this.reader = options.reader;
    this.gitops = options.gitops;
    this.links = options.links;
  }

  async statusOf(entity: Entity): Promise<OrderStatus> {
    const entityRef = stringifyEntityRef(entity);
    const annotations = entity.metadata.annotations ?? {};
    const order = annotations[ORDER_ANNOTATION];
    const env = annotations[ENV_ANNOTATION];
    if (!order || !env) {
      return {
        entityRef,
        state: 'not-found',
        summary: `Not an order of the portal (no ${ORDER_ANNOTATION} and ${ENV_ANNOTATION} annotations)`,
        source: this.reader ? 'cluster' : 'gitops',
      };
    }
    const [cluster, gitops] = await Promise.all([
      this.reader?.read(order, env),
      this.gitops?.order(env, order),
    ]);
    return buildOrderStatus({ entityRef, links: this.links, cluster, gitops });
  }
}
