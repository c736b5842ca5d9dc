import { createApiRef } from '@backstage/frontend-plugin-api';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import type { OrderStatus } from '@internal/plugin-kebap-common';

/**
 * The frontend's view of the kebap backend: the status of ordered resources.
 *
 * @public
 */
export interface KebapApi {
  /**
   * The status of one ordered entity, from
   * `GET /api/kebap/status/:kind/:namespace/:name`. Rejects with a
   * `ResponseError` when the backend answers with an error status (403, 404,
   * 5xx) and with the fetch error when the backend cannot be reached.
   */
  getOrderStatus(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<OrderStatus>;
}

/**
 * The reference to the {@link KebapApi}.
 *
 * @public
 */
export const kebapApiRef = createApiRef<KebapApi>().with({
  id: 'plugin.kebap.client',
  pluginId: 'kebap',
});
