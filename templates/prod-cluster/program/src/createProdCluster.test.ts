import * as pulumi from '@pulumi/pulumi';
import {
  registered,
  setProgramMocks,
  shortType,
  valueOf,
  yamlProgramTypes,
} from './testing';
import { createProdCluster } from './createProdCluster';

const args = {
  clusterName: 'payments',
  kubernetesVersion: '1.32',
  minNodes: 3,
  maxNodes: 6,
  argocdNamespace: 'argocd',
};

beforeAll(setProgramMocks);
beforeEach(() => {
  registered.length = 0;
});

const byType = (type: string) => registered.filter(r => r.type === type);

describe('prod cluster on AWS', () => {
  async function create() {
    const out = createProdCluster('aws', {
      ...args,
      region: 'eu-central-1',
      nodeSize: 'm7i.xlarge',
      argocdRoleArn: 'arn:aws:iam::1:role/argocd',
    });
    // the Argo CD Secret depends on everything else: once it has an id, all is registered
    await valueOf(out.argocdSecret.id);
    return out;
  }

  it('creates the EKS cluster and node group from the form values', async () => {
    await create();
    const [provider] = byType('pulumi:providers:aws');
    expect(provider.inputs.region).toBe('eu-central-1');
    const [cluster] = byType('aws:eks/cluster:Cluster');
    expect(cluster.inputs).toMatchObject({
      name: 'prod-payments',
      version: '1.32',
      vpcConfig: { subnetIds: ['subnet-a', 'subnet-b'] },
    });
    const [nodes] = byType('aws:eks/nodeGroup:NodeGroup');
    expect(nodes.inputs).toMatchObject({
      instanceTypes: ['m7i.xlarge'],
      scalingConfig: { minSize: 3, maxSize: 6, desiredSize: 3 },
      subnetIds: ['subnet-a', 'subnet-b'],
    });
    const [access] = byType(
      'aws:eks/accessPolicyAssociation:AccessPolicyAssociation',
    );
    expect(access.inputs.principalArn).toBe('arn:aws:iam::1:role/argocd');
  });

  it('registers the cluster in Argo CD as env: prod, without credentials', async () => {
    await create();
    const [secret] = byType('kubernetes:core/v1:Secret');
    expect(secret.inputs.metadata).toEqual({
      name: 'cluster-prod-payments',
      namespace: 'argocd',
      labels: {
        'argocd.argoproj.io/secret-type': 'cluster',
        env: 'prod',
        'kebap.io/order': 'payments',
        'kebap.io/env': 'prod',
        'kebap.io/cloud': 'aws',
      },
    });
    expect(secret.inputs.stringData.name).toBe('prod-payments');
    // the provider treats the Secret's data as secret all the way
    expect(secret.secretInputs).toContain('stringData');
    expect(secret.inputs.stringData.server).toBe(
      'https://ABC.gr7.eu-central-1.eks.amazonaws.com',
    );
    expect(JSON.parse(secret.inputs.stringData.config)).toEqual({
      awsAuthConfig: {
        clusterName: 'prod-payments',
        roleARN: 'arn:aws:iam::1:role/argocd',
      },
      tlsClientConfig: { caData: 'Q0EtREFUQQ==' },
    });
  });

  it('exports the kubeconfig as a secret output', async () => {
    const out = await create();
    expect(await pulumi.isSecret(out.kubeconfig)).toBe(true);
    expect(await pulumi.isSecret(out.server)).toBe(false);
    const kubeconfig = JSON.parse(await valueOf(out.kubeconfig));
    expect(kubeconfig.clusters[0].cluster.server).toBe(
      'https://ABC.gr7.eu-central-1.eks.amazonaws.com',
    );
    expect(kubeconfig.users[0].user.exec.args).toEqual([
      'eks',
      'get-token',
      '--cluster-name',
      'prod-payments',
      '--region',
      'eu-central-1',
    ]);
  });

  it('creates the same resources as the Pulumi YAML program', async () => {
    await create();
    expect([...new Set(registered.map(r => shortType(r.type)))].sort()).toEqual(
      [...new Set(yamlProgramTypes('../../programs/aws/Pulumi.yaml'))].sort(),
    );
    expect(registered).toHaveLength(
      yamlProgramTypes('../../programs/aws/Pulumi.yaml').length,
    );
  });
});

describe('prod cluster on Google Cloud', () => {
  async function create() {
    const out = createProdCluster('gcp', {
      ...args,
      region: 'europe-west3',
      nodeSize: 'n2-standard-4',
    });
    await valueOf(out.argocdSecret.id);
    return out;
  }

  it('creates the GKE cluster and node pool from the form values', async () => {
    await create();
    const [cluster] = byType('gcp:container/cluster:Cluster');
    expect(cluster.inputs).toMatchObject({
      name: 'prod-payments',
      location: 'europe-west3',
      minMasterVersion: '1.32',
      removeDefaultNodePool: true,
      workloadIdentityConfig: { workloadPool: 'acme-prod.svc.id.goog' },
    });
    const [pool] = byType('gcp:container/nodePool:NodePool');
    expect(pool.inputs).toMatchObject({
      location: 'europe-west3',
      autoscaling: { totalMinNodeCount: 3, totalMaxNodeCount: 6 },
      nodeConfig: { machineType: 'n2-standard-4' },
    });
  });

  it('registers it in Argo CD (argocd-k8s-auth gcp) and keeps the kubeconfig secret', async () => {
    const out = await create();
    const [secret] = byType('kubernetes:core/v1:Secret');
    expect(secret.inputs.metadata.labels).toMatchObject({
      'argocd.argoproj.io/secret-type': 'cluster',
      env: 'prod',
    });
    expect(secret.inputs.stringData.server).toBe('https://34.0.0.1');
    expect(
      JSON.parse(secret.inputs.stringData.config).execProviderConfig,
    ).toEqual({
      command: 'argocd-k8s-auth',
      args: ['gcp'],
      apiVersion: 'client.authentication.k8s.io/v1beta1',
    });
    expect(await pulumi.isSecret(out.kubeconfig)).toBe(true);
  });

  it('creates the same resources as the Pulumi YAML program', async () => {
    await create();
    expect(registered.map(r => shortType(r.type)).sort()).toEqual(
      yamlProgramTypes('../../programs/gcp/Pulumi.yaml'),
    );
  });
});

describe('the program refuses what no cloud accepts', () => {
  it.each([
    [
      { minNodes: 5, maxNodes: 2 },
      /maxNodes: must be a whole number of at least minNodes/,
    ],
    [
      { clusterName: 'Bad_Name' },
      /clusterName: 'Bad_Name' must be a DNS label/,
    ],
    [
      { kubernetesVersion: 'latest' },
      /kubernetesVersion: 'latest' is not a version/,
    ],
  ])('%j', (bad, message) => {
    expect(() =>
      createProdCluster('gcp', {
        ...args,
        region: 'europe-west3',
        nodeSize: 'n2-standard-4',
        ...bad,
      }),
    ).toThrow(message);
    expect(registered).toEqual([]);
  });

  it('an unknown cloud', () => {
    expect(() =>
      createProdCluster('azure', { ...args, region: 'x', nodeSize: 'y' }),
    ).toThrow(/cloud: 'azure' is not one of aws, gcp/);
  });

  it('aws without the Argo CD role', () => {
    expect(() =>
      createProdCluster('aws', {
        ...args,
        region: 'eu-central-1',
        nodeSize: 'm7i.large',
      }),
    ).toThrow(/argocdRoleArn: is required on aws/);
  });
});
