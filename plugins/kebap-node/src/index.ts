/**
 * Node library of the KEBAP portal: the Kubernetes client and its test double.
 *
 * @packageDocumentation
 */
export {
  KubernetesApiError,
  KubernetesClient,
} from './kubernetes/KubernetesClient';
export type { RetryOptions } from './kubernetes/KubernetesClient';
export {
  applyObjects,
  applyObjectsSequentially,
  deleteObjects,
} from './kubernetes/applyObjects';
export type { ApplyResult } from './kubernetes/applyObjects';
export {
  kubernetesPermissions,
  kubernetesResources,
  refString,
  resourceOf,
  resourcePath,
} from './kubernetes/kubernetesResources';
export type {
  KubernetesResource,
  ObjectRef,
} from './kubernetes/kubernetesResources';
