/**
 * The KEBAP portal's scaffolder backend module.
 *
 * @packageDocumentation
 */
export { scaffolderModuleKebap as default } from './module';
export { createPulumiNewAction } from './actions/pulumi/new';
export { createPulumiUpAction } from './actions/pulumi/up';
export { PulumiCli } from './pulumi/PulumiCli';
export type { PulumiRunOptions } from './pulumi/PulumiCli';
export { createVClusterCreateAction } from './actions/vcluster/create';
export { createArgoCdClusterAction } from './actions/argocd/cluster';
export { createPulumiStackAction } from './actions/pulumiStack/stack';
export { createExternalSecretAction } from './actions/externalSecret/externalSecret';
export { createWaitAction } from './actions/wait/wait';
export { createDecommissionAction } from './actions/decommission/decommission';
export { GitopsDelivery } from './delivery/GitopsDelivery';
export {
  KubernetesDelivery,
  KEBAP_FIELD_MANAGER,
} from './delivery/KubernetesDelivery';
export type {
  Order,
  OrderDelivery,
  DeliveryResult,
} from './delivery/OrderDelivery';
export { readKebapSettings } from './KebapSettings';
export type { KebapSettings } from './KebapSettings';
export { DevClusterExpiry } from './expiry/DevClusterExpiry';
export type { ExpiryRunResult } from './expiry/DevClusterExpiry';
export { KubernetesDevClusterOrders } from './expiry/DevClusterOrders';
export {
  createOrderDelivery,
  mayOverwriteOrder,
} from './delivery/createOrderDelivery';
