/**
 * The prod-cluster Pulumi program in TypeScript (the Git path of the
 * prod-cluster order); `src/main.ts` is Pulumi's entry point.
 *
 * @packageDocumentation
 */
export { createProdCluster, clouds } from './createProdCluster';
export { createAwsCluster } from './awsCluster';
export { createGcpCluster } from './gcpCluster';
export { argocdClusterSecret, execKubeconfig } from './argocdClusterSecret';
export { checkProdClusterArgs } from './ProdClusterArgs';
export type { ProdClusterArgs, ProdClusterOutputs } from './ProdClusterArgs';
