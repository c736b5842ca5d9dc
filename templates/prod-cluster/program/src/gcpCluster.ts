import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { argocdClusterSecret, execKubeconfig } from './argocdClusterSecret';
import {
  ProdClusterArgs,
  ProdClusterOutputs,
  checkProdClusterArgs,
} from './ProdClusterArgs';

/**
 * A prod cluster on Google GKE: a regional cluster without its default
 * pool, an autoscaled node pool (total node counts), and the Argo CD cluster
 * Secret. Same resources as programs/gcp/Pulumi.yaml.
 */
export function createGcpCluster(args: ProdClusterArgs): ProdClusterOutputs {
  checkProdClusterArgs(args);
  const { clusterName } = args;
  const provider = new gcp.Provider('gcp', {
    region: args.region,
    defaultLabels: { 'kebap-order': clusterName, 'kebap-env': 'prod' },
  });
  const opts = { provider };
  const client = gcp.organizations.getClientConfigOutput(opts);
  const cluster = new gcp.container.Cluster(
    'cluster',
    {
      name: `prod-${clusterName}`,
      location: args.region,
      minMasterVersion: args.kubernetesVersion,
      removeDefaultNodePool: true,
      initialNodeCount: 1,
      deletionProtection: false,
      releaseChannel: { channel: 'UNSPECIFIED' },
      workloadIdentityConfig: {
        workloadPool: pulumi.interpolate`${client.project}.svc.id.goog`,
      },
    },
    opts,
  );
  const nodes = new gcp.container.NodePool(
    'nodes',
    {
      name: `prod-${clusterName}-nodes`,
      cluster: cluster.name,
      location: args.region,
      initialNodeCount: 1,
      autoscaling: {
        totalMinNodeCount: args.minNodes,
        totalMaxNodeCount: args.maxNodes,
        locationPolicy: 'BALANCED',
      },
      nodeConfig: {
        machineType: args.nodeSize,
        oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
        workloadMetadataConfig: { mode: 'GKE_METADATA' },
      },
    },
    opts,
  );
  const server = pulumi.interpolate`https://${cluster.endpoint}`;
  const caData = cluster.masterAuth.clusterCaCertificate;
  const argocdSecret = argocdClusterSecret(
    {
      clusterName,
      cloud: 'gcp',
      argocdNamespace: args.argocdNamespace ?? 'argocd',
      server,
      config: caData.apply(ca => ({
        execProviderConfig: {
          command: 'argocd-k8s-auth',
          args: ['gcp'],
          apiVersion: 'client.authentication.k8s.io/v1beta1',
        },
        tlsClientConfig: { caData: ca },
      })),
    },
    { dependsOn: [nodes] },
  );
  return {
    clusterName: cluster.name,
    server,
    argocdCluster: `prod-${clusterName}`,
    argocdSecret,
    kubeconfig: execKubeconfig({
      name: cluster.name,
      server,
      caData,
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'gke-gcloud-auth-plugin',
        provideClusterInfo: true,
      },
    }),
  };
}
