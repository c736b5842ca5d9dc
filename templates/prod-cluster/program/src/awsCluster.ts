import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { argocdClusterSecret, execKubeconfig } from './argocdClusterSecret';
import {
  ProdClusterArgs,
  ProdClusterOutputs,
  checkProdClusterArgs,
} from './ProdClusterArgs';

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

/**
 * A prod cluster on AWS EKS: IAM roles, the cluster in the default VPC, a
 * managed node group, an access entry for Argo CD's IAM role, and the Argo
 * CD cluster Secret. Same resources as programs/aws/Pulumi.yaml.
 */
export function createAwsCluster(
  args: ProdClusterArgs & { argocdRoleArn: string },
): ProdClusterOutputs {
  checkProdClusterArgs(args);
  const { clusterName } = args;
  const provider = new aws.Provider('aws', {
    region: args.region as aws.Region,
    defaultTags: {
      tags: { 'kebap.io/order': clusterName, 'kebap.io/env': 'prod' },
    },
  });
  const opts = { provider };
  const vpc = aws.ec2.getVpcOutput({ default: true }, opts);
  const subnetIds = aws.ec2.getSubnetsOutput(
    { filters: [{ name: 'vpc-id', values: [vpc.id] }] },
    opts,
  ).ids;

  const clusterRole = new aws.iam.Role(
    'clusterRole',
    {
      name: `prod-${clusterName}-cluster`,
      assumeRolePolicy: assumeRole('eks.amazonaws.com'),
    },
    opts,
  );
  const clusterPolicy = new aws.iam.RolePolicyAttachment(
    'clusterPolicy',
    {
      role: clusterRole.name,
      policyArn: 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy',
    },
    opts,
  );
  const nodeRole = new aws.iam.Role(
    'nodeRole',
    {
      name: `prod-${clusterName}-nodes`,
      assumeRolePolicy: assumeRole('ec2.amazonaws.com'),
    },
    opts,
  );
  const nodePolicies = [
    ['nodeWorkerPolicy', 'AmazonEKSWorkerNodePolicy'],
    ['nodeCniPolicy', 'AmazonEKS_CNI_Policy'],
    ['nodeRegistryPolicy', 'AmazonEC2ContainerRegistryReadOnly'],
  ].map(
    ([name, policy]) =>
      new aws.iam.RolePolicyAttachment(
        name,
        { role: nodeRole.name, policyArn: `arn:aws:iam::aws:policy/${policy}` },
        opts,
      ),
  );
  const cluster = new aws.eks.Cluster(
    'cluster',
    {
      name: `prod-${clusterName}`,
      version: args.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: { subnetIds },
      accessConfig: { authenticationMode: 'API' },
    },
    { provider, dependsOn: [clusterPolicy] },
  );
  const nodes = new aws.eks.NodeGroup(
    'nodes',
    {
      clusterName: cluster.name,
      nodeGroupName: `prod-${clusterName}-nodes`,
      nodeRoleArn: nodeRole.arn,
      subnetIds,
      instanceTypes: [args.nodeSize],
      scalingConfig: {
        minSize: args.minNodes,
        maxSize: args.maxNodes,
        desiredSize: args.minNodes,
      },
    },
    { provider, dependsOn: nodePolicies },
  );
  const argocdAccess = new aws.eks.AccessEntry(
    'argocdAccess',
    { clusterName: cluster.name, principalArn: args.argocdRoleArn },
    opts,
  );
  const argocdAdmin = new aws.eks.AccessPolicyAssociation(
    'argocdAdmin',
    {
      clusterName: cluster.name,
      principalArn: args.argocdRoleArn,
      policyArn:
        'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
      accessScope: { type: 'cluster' },
    },
    { provider, dependsOn: [argocdAccess] },
  );
  const caData = cluster.certificateAuthority.apply(ca => ca.data ?? '');
  const argocdSecret = argocdClusterSecret(
    {
      clusterName,
      cloud: 'aws',
      argocdNamespace: args.argocdNamespace ?? 'argocd',
      server: cluster.endpoint,
      config: pulumi.all([cluster.name, caData]).apply(([name, ca]) => ({
        awsAuthConfig: { clusterName: name, roleARN: args.argocdRoleArn },
        tlsClientConfig: { caData: ca },
      })),
    },
    { dependsOn: [argocdAdmin, nodes] },
  );
  return {
    clusterName: cluster.name,
    server: cluster.endpoint,
    argocdCluster: `prod-${clusterName}`,
    argocdSecret,
    kubeconfig: execKubeconfig({
      name: cluster.name,
      server: cluster.endpoint,
      caData,
      exec: cluster.name.apply(name => ({
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        command: 'aws',
        args: [
          'eks',
          'get-token',
          '--cluster-name',
          name,
          '--region',
          args.region,
        ],
      })),
    }),
  };
}
