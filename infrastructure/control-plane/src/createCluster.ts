import * as pulumi from '@pulumi/pulumi';
import * as gcp from '@pulumi/gcp';
import * as aws from '@pulumi/aws';
import { ControlPlaneConfig } from './readControlPlaneConfig';

/** The created cluster: its name and a kubeconfig (a secret output). */
export interface CreatedCluster {
  name: pulumi.Output<string>;
  kubeconfig: pulumi.Output<string>;
  /** its nodes: what runs Argo CD must wait for them */
  nodes: pulumi.Resource;
}

function kubeconfigYaml(options: {
  name: string;
  server: string;
  caData: string;
  exec: { command: string; args: string[] };
}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: options.name,
        cluster: {
          server: options.server,
          'certificate-authority-data': options.caData,
        },
      },
    ],
    contexts: [
      {
        name: options.name,
        context: { cluster: options.name, user: options.name },
      },
    ],
    'current-context': options.name,
    users: [
      {
        name: options.name,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: options.exec.command,
            args: options.exec.args,
            interactiveMode: 'Never',
            provideClusterInfo: true,
          },
        },
      },
    ],
  });
}

/** GKE: a regional cluster with its own autoscaled node pool, Workload Identity. */
function createGke(cfg: ControlPlaneConfig): CreatedCluster {
  const project = new pulumi.Config('gcp').require('project');
  const cluster = new gcp.container.Cluster(cfg.clusterName, {
    name: cfg.clusterName,
    minMasterVersion: cfg.kubernetesVersion,
    releaseChannel: { channel: 'REGULAR' },
    removeDefaultNodePool: true,
    initialNodeCount: 1,
    deletionProtection: true,
    workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
    networkingMode: 'VPC_NATIVE',
    ipAllocationPolicy: {},
  });
  const nodes = new gcp.container.NodePool(`${cfg.clusterName}-nodes`, {
    cluster: cluster.name,
    location: cluster.location,
    autoscaling: {
      minNodeCount: cfg.nodeCount,
      maxNodeCount: cfg.nodeCount * 2,
    },
    management: { autoRepair: true, autoUpgrade: true },
    nodeConfig: {
      machineType: cfg.gcp!.machineType,
      oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'],
      workloadMetadataConfig: { mode: 'GKE_METADATA' },
      shieldedInstanceConfig: { enableSecureBoot: true },
    },
  });
  const kubeconfig = pulumi
    .all([cluster.name, cluster.endpoint, cluster.masterAuth])
    .apply(([name, endpoint, auth]) =>
      kubeconfigYaml({
        name,
        server: `https://${endpoint}`,
        caData: auth.clusterCaCertificate ?? '',
        exec: { command: 'gke-gcloud-auth-plugin', args: [] },
      }),
    );
  return { name: cluster.name, kubeconfig: pulumi.secret(kubeconfig), nodes };
}

const assumeRole = (service: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
      },
    ],
  });

/** EKS: cluster and managed node group in given subnets, access entries (API). */
function createEks(cfg: ControlPlaneConfig): CreatedCluster {
  const clusterRole = new aws.iam.Role(`${cfg.clusterName}-cluster`, {
    assumeRolePolicy: assumeRole('eks.amazonaws.com'),
  });
  const clusterPolicy = new aws.iam.RolePolicyAttachment(
    `${cfg.clusterName}-cluster-policy`,
    {
      role: clusterRole.name,
      policyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
    },
  );
  const cluster = new aws.eks.Cluster(
    cfg.clusterName,
    {
      name: cfg.clusterName,
      version: cfg.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: cfg.aws!.subnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: true,
      },
      accessConfig: {
        authenticationMode: 'API',
        bootstrapClusterCreatorAdminPermissions: true,
      },
    },
    { dependsOn: [clusterPolicy] },
  );
  const nodeRole = new aws.iam.Role(`${cfg.clusterName}-nodes`, {
    assumeRolePolicy: assumeRole('ec2.amazonaws.com'),
  });
  const nodePolicies = [
    'AmazonEKSWorkerNodePolicy',
    'AmazonEKS_CNI_Policy',
    'AmazonEC2ContainerRegistryReadOnly',
  ].map(
    p =>
      new aws.iam.RolePolicyAttachment(`${cfg.clusterName}-nodes-${p}`, {
        role: nodeRole.name,
        policyArn: `arn:aws:iam::aws:policy/${p}`,
      }),
  );
  const nodes = new aws.eks.NodeGroup(
    `${cfg.clusterName}-nodes`,
    {
      clusterName: cluster.name,
      nodeRoleArn: nodeRole.arn,
      subnetIds: cfg.aws!.subnetIds,
      instanceTypes: [cfg.aws!.instanceType],
      scalingConfig: {
        desiredSize: cfg.nodeCount,
        minSize: cfg.nodeCount,
        maxSize: cfg.nodeCount * 2,
      },
    },
    { dependsOn: nodePolicies },
  );
  const kubeconfig = pulumi
    .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
    .apply(([name, endpoint, ca]) =>
      kubeconfigYaml({
        name,
        server: endpoint,
        caData: ca.data ?? '',
        exec: {
          command: 'aws',
          args: ['eks', 'get-token', '--cluster-name', name],
        },
      }),
    );
  return { name: cluster.name, kubeconfig: pulumi.secret(kubeconfig), nodes };
}

/** The control-plane cluster on the configured cloud. */
export function createCluster(cfg: ControlPlaneConfig): CreatedCluster {
  return cfg.cloud === 'aws' ? createEks(cfg) : createGke(cfg);
}
