/**
 * Pure, typed manifest builders and validation rules of the KEBAP portal.
 *
 * @packageDocumentation
 */
export type { Issue } from './validation/Issue';
export {
  RESERVED_NAMES,
  STACK_NAME_MAX_LENGTH,
  VCLUSTER_NAME_MAX_LENGTH,
  validateOrderName,
} from './validation/validateOrderName';
export {
  validateFreeText,
  validateGitUrl,
  validateLabelValue,
  validateNamespace,
  validateOneOf,
  validateOrderKind,
  validateRemoteKey,
  validateRepoDir,
  validateSecretName,
  validateStackIdentifier,
} from './validation/validators';
export {
  KEBAP_ANNOTATIONS,
  KEBAP_LABELS,
  KEBAP_MANAGER,
  isOwnedBy,
  orderMetadata,
} from './ownership/orderMetadata';
export type { OrderMetadata } from './ownership/orderMetadata';
export type { OrderObject } from './ownership/OrderObject';
export {
  buildProgram,
  buildStack,
  buildStackServiceAccount,
  validatePulumiYamlProgram,
  validateProgramProject,
  validateStackInput,
} from './builders/buildStack';
export type {
  PulumiProgram,
  PulumiStack,
  PulumiYamlProgram,
  SecretKeyRef,
  StackInput,
  StackSource,
} from './builders/buildStack';
export {
  buildVClusterOrder,
  buildVClusterValues,
  defaultKubernetesImageTags,
  vclusterNamespace,
  vclusterServer,
} from './builders/buildVClusterOrder';
export type {
  VClusterOrderInput,
  VClusterSettings,
  VClusterSizeSettings,
} from './builders/buildVClusterOrder';
export {
  VCLUSTER_READER_SERVICE_ACCOUNT,
  buildVClusterRegistration,
} from './builders/buildVClusterRegistration';
export {
  ARGOCD_SYNC_WAVE,
  STACK_PREREQUISITE_WAVE,
  STACK_WAVE,
} from './builders/syncWaves';
export {
  buildExternalSecret,
  buildPulumiEscClusterSecretStore,
  pulumiPropertyPathStep,
  remoteRefFor,
} from './builders/buildExternalSecret';
export type {
  ExternalSecretDataInput,
  SecretStoreProvider,
} from './builders/buildExternalSecret';
export {
  pulumiYamlProjectToProgram,
  pulumiYamlReferences,
  validateStackConfigForProgram,
} from './builders/pulumiYamlProject';
export type {
  PulumiYamlConfigDeclaration,
  PulumiYamlProject,
  PulumiYamlResource,
} from './builders/pulumiYamlProject';
export {
  buildSecretShare,
  secretShareReader,
  validateSecretShare,
} from './builders/buildSecretShare';
export type { SecretShareInput } from './builders/buildSecretShare';
export type {
  ApplicationStatus,
  ConditionStatus,
  OrderInfo,
  OrderObjectStatus,
  OrderState,
  OrderStatus,
  RegistrationStatus,
  StackOutputStatus,
  StackStatus,
} from './status/OrderStatus';
