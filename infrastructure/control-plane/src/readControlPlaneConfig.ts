import * as pulumi from '@pulumi/pulumi';

/** The stack configuration of the ignition program. */
export interface ControlPlaneConfig {
  cloud: 'gcp' | 'aws';
  clusterName: string;
  kubernetesVersion: string;
  nodeCount: number;
  gcp?: { machineType: string };
  aws?: { subnetIds: string[]; instanceType: string };
  gitops: { repoURL: string; revision: string };
  /** the Pulumi ESC access token External Secrets Operator authenticates with */
  secretStoreToken: pulumi.Output<string>;
}

/**
 * Reads `kebap-control-plane:*` config. The secret store token comes only
 * from Pulumi config (`pulumi config set --secret`, or an imported ESC
 * environment) and stays a secret output.
 */
export function readControlPlaneConfig(
  config: pulumi.Config,
): ControlPlaneConfig {
  const cloud = config.get('cloud') ?? 'gcp';
  if (cloud !== 'gcp' && cloud !== 'aws') {
    throw new Error(
      `kebap-control-plane:cloud: '${cloud}' is not gcp or aws (one-of)`,
    );
  }
  return {
    cloud,
    clusterName: config.get('clusterName') ?? 'kebap-control-plane',
    kubernetesVersion: config.get('kubernetesVersion') ?? '1.31',
    nodeCount: config.getNumber('nodeCount') ?? 3,
    gcp:
      cloud === 'gcp'
        ? { machineType: config.get('gcpMachineType') ?? 'e2-standard-4' }
        : undefined,
    aws:
      cloud === 'aws'
        ? {
            subnetIds: config.requireObject<string[]>('awsSubnetIds'),
            instanceType: config.get('awsInstanceType') ?? 'm6i.xlarge',
          }
        : undefined,
    gitops: {
      repoURL: config.require('gitopsRepoUrl'),
      revision: config.get('gitopsRevision') ?? 'main',
    },
    secretStoreToken: config.requireSecret('secretStoreToken'),
  };
}
