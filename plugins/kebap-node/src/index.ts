/**
 * Node library of the KEBAP portal: the Kubernetes client and its test double.
 *
 * @packageDocumentation
 */
export {
  KubernetesApiError,
  KubernetesClient,
} from './kubernetes/KubernetesClient';
export type {
  CollectionOptions,
  RetryOptions,
  WatchEvent,
} from './kubernetes/KubernetesClient';
export { Informer } from './kubernetes/Informer';
export type { BackoffOptions, InformerChange } from './kubernetes/Informer';
export { KebapClusterCache, slimObject } from './cache/KebapClusterCache';
export type {
  CachedOrder,
  ClusterCacheState,
  ClusterConnection,
  OrderChange,
} from './cache/KebapClusterCache';
export { kebapClusterCacheServiceRef } from './cache/kebapClusterCacheServiceRef';
export { WATCHED_RESOURCES, apiVersionOf } from './cache/watchedResources';
export type { WatchedResource } from './cache/watchedResources';
export {
  applyObjects,
  applyObjectsSequentially,
  deleteObjects,
  listOrderObjects,
} from './kubernetes/applyObjects';
export { deletionPhase } from './kubernetes/applyObjects';
export type {
  ApplyResult,
  PendingRemoval,
  RemoveResult,
} from './kubernetes/applyObjects';
export {
  kubernetesPermissions,
  kubernetesResources,
  orderResources,
  refString,
  resourceOf,
  resourcePath,
} from './kubernetes/kubernetesResources';
export type {
  KubernetesResource,
  ObjectRef,
} from './kubernetes/kubernetesResources';
export { readCommittedOrders } from './gitops/readCommittedOrders';
export type {
  CommittedObject,
  CommittedOrder,
} from './gitops/readCommittedOrders';
export {
  CommittedOrdersReader,
  changedOrders,
} from './gitops/CommittedOrdersReader';
export type {
  OrdersCommit,
  OrdersReaderStats,
  OrdersSnapshot,
} from './gitops/CommittedOrdersReader';
export { GitCommandError, readBlobs, resolveHead, runGit } from './gitops/git';
