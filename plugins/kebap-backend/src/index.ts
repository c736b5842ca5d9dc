/**
 * The KEBAP portal's backend plugin: the status route of ordered resources.
 *
 * @packageDocumentation
 */
export { kebapPlugin as default } from './plugin';
export { createRouter } from './router';
export { OrderStatusService } from './service/OrderStatusService';
export { apiOrderReader, cacheOrderReader } from './service/OrderReader';
export type { OrderReader } from './service/OrderReader';
export { GitopsOrders } from './gitops/GitopsOrders';
export type { GitopsOrder } from './gitops/GitopsOrders';
export { buildOrderStatus } from './status/buildOrderStatus';
export type { ClusterView, GitopsView } from './status/buildOrderStatus';
export type { LinkSettings } from './status/describeObjects';
/** What the status cache lists and watches: RBAC must grant list and watch on these. */
export { WATCHED_RESOURCES } from '@internal/plugin-kebap-node';
export type { WatchedResource } from '@internal/plugin-kebap-node';
