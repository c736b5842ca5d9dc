import type { CompoundEntityRef } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import type { OrderStatus } from '@internal/plugin-kebap-common';
import type { KebapApi } from './KebapApi';
import { sanitizeStatus } from './sanitizeStatus';

/**
 * The {@link KebapApi} over HTTP: asks the `kebap` backend plugin, found
 * through the discovery API, with the app's authenticated fetch.
 *
 * @public
 */
export class KebapClient implements KebapApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getOrderStatus(
    entityRef: CompoundEntityRef,
    options?: { signal?: AbortSignal },
  ): Promise<OrderStatus> {
    const baseUrl = await this.discoveryApi.getBaseUrl('kebap');
    const path = [
      entityRef.kind.toLocaleLowerCase('en-US'),
      entityRef.namespace,
      entityRef.name,
    ]
      .map(encodeURIComponent)
      .join('/');
    const response = await this.fetchApi.fetch(`${baseUrl}/status/${path}`, {
      signal: options?.signal,
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return sanitizeStatus((await response.json()) as OrderStatus);
  }
}
