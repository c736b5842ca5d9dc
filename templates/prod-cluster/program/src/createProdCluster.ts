import { createAwsCluster } from './awsCluster';
import { createGcpCluster } from './gcpCluster';
import { ProdClusterArgs, ProdClusterOutputs } from './ProdClusterArgs';

/** The clouds this program knows; add one with its create function. */
export const clouds = {
  aws: (args: ProdClusterArgs & { argocdRoleArn?: string }) => {
    if (!args.argocdRoleArn)
      throw new Error('argocdRoleArn: is required on aws');
    return createAwsCluster({ ...args, argocdRoleArn: args.argocdRoleArn });
  },
  gcp: (args: ProdClusterArgs) => createGcpCluster(args),
} as const;

/** Creates the prod cluster in the cloud named by `cloud`. */
export function createProdCluster(
  cloud: string,
  args: ProdClusterArgs & { argocdRoleArn?: string },
): ProdClusterOutputs {
  const create = (
    clouds as Record<string, (a: typeof args) => ProdClusterOutputs>
  )[cloud];
  if (!create)
    throw new Error(
      `cloud: '${cloud}' is not one of ${Object.keys(clouds).join(', ')}`,
    );
  return create(args);
}
