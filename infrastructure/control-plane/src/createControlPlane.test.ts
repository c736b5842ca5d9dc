import * as pulumi from '@pulumi/pulumi';
import { readGitopsBootstrap } from './gitopsBootstrap';
import { createControlPlane } from './createControlPlane';
import { readControlPlaneConfig } from './readControlPlaneConfig';

type Registered = {
  type: string;
  name: string;
  inputs: Record<string, any>;
};

const TOKEN = 'pul-0123456789abcdef-test-token';
let resources: Registered[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args) {
      resources.push({ type: args.type, name: args.name, inputs: args.inputs });
      const state: Record<string, any> = { ...args.inputs };
      if (args.type === 'gcp:container/cluster:Cluster') {
        state.endpoint = '203.0.113.10';
        state.location = 'europe-west1';
        state.masterAuth = { clusterCaCertificate: 'Q0EtREFUQQ==' };
      }
      if (args.type === 'aws:eks/cluster:Cluster') {
        state.endpoint = 'https://ABC.gr7.eu-central-1.eks.amazonaws.com';
        state.certificateAuthority = { data: 'Q0EtREFUQQ==' };
      }
      if (args.type === 'aws:iam/role:Role')
        state.arn = `arn:aws:iam::123456789012:role/${args.name}`;
      return { id: `${args.name}-id`, state };
    },
    call() {
      return {};
    },
  },
  'kebap-control-plane',
  'test',
  false,
);

function setConfig(values: Record<string, string>) {
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(values).map(([k, v]) => [
        k.includes(':') ? k : `kebap-control-plane:${k}`,
        v,
      ]),
    ),
    ['kebap-control-plane:secretStoreToken'],
  );
}

/** A resource input the engine receives as a secret, unwrapped; else undefined. */
function secretValue(input: any): unknown {
  if (
    input &&
    input[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  )
    return input.value;
  return undefined;
}

const valueOf = <T>(o: pulumi.Output<T>) =>
  new Promise<T>(resolve => o.apply(v => resolve(v)));
const isSecret = (o: pulumi.Output<unknown>): Promise<boolean> =>
  (o as any).isSecret;

/** Waits until the resources the program registered have been mocked. */
async function settle(out: { kubeconfig: pulumi.Output<string> }) {
  await valueOf(out.kubeconfig);
  await new Promise(r => setTimeout(r, 50));
}

const gitops = readGitopsBootstrap();
const repoURL = gitops.root.spec.source.repoURL;

async function program(config: Record<string, string>) {
  resources = [];
  setConfig(config);
  const cp = createControlPlane(
    readControlPlaneConfig(new pulumi.Config('kebap-control-plane')),
  );
  await settle(cp);
  return cp;
}

const byType = (type: string) => resources.filter(r => r.type === type);

describe('the ignition program', () => {
  const gcpConfig = {
    'gcp:project': 'acme-platform',
    'gcp:region': 'europe-west1',
    gitopsRepoUrl: repoURL,
    secretStoreToken: TOKEN,
  };

  it('creates a GKE cluster with its own node pool, and a kubeconfig as a secret output', async () => {
    const cp = await program(gcpConfig);
    const [cluster] = byType('gcp:container/cluster:Cluster');
    expect(cluster.inputs).toMatchObject({
      name: 'kebap-control-plane',
      removeDefaultNodePool: true,
      deletionProtection: true,
      workloadIdentityConfig: { workloadPool: 'acme-platform.svc.id.goog' },
    });
    const [pool] = byType('gcp:container/nodePool:NodePool');
    expect(pool.inputs.autoscaling).toEqual({
      minNodeCount: 3,
      maxNodeCount: 6,
    });
    expect(pool.inputs.nodeConfig.workloadMetadataConfig).toEqual({
      mode: 'GKE_METADATA',
    });
    expect(await isSecret(cp.kubeconfig)).toBe(true);
    const kubeconfig = JSON.parse(await valueOf(cp.kubeconfig));
    expect(kubeconfig.clusters[0].cluster.server).toBe('https://203.0.113.10');
    expect(kubeconfig.users[0].user.exec.command).toBe(
      'gke-gcloud-auth-plugin',
    );
    // the Kubernetes provider uses that kubeconfig
    expect(byType('pulumi:providers:kubernetes')).toHaveLength(1);
  });

  it('installs Argo CD with the chart version and values gitops/ manages it with', async () => {
    await program(gcpConfig);
    const [release] = byType('kubernetes:helm.sh/v3:Release');
    expect(release.inputs).toMatchObject({
      name: 'argocd',
      chart: 'argo-cd',
      version: gitops.argocd.version,
      namespace: 'argocd',
      repositoryOpts: { repo: 'https://argoproj.github.io/argo-helm' },
    });
    expect(release.inputs.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(release.inputs.values).toEqual(gitops.argocd.values);
    expect(
      release.inputs.values.configs.cm[
        'resource.customizations.health.pulumi.com_Stack'
      ],
    ).toContain('Degraded');
  });

  it('creates the app-of-apps pointing at gitops/apps of the configured repository', async () => {
    await program({ ...gcpConfig, gitopsRevision: 'release-1' });
    const [root] = byType('kubernetes:argoproj.io/v1alpha1:Application');
    expect(root.inputs.metadata).toEqual({
      name: 'kebap-root',
      namespace: 'argocd',
    });
    expect(root.inputs.spec.source).toEqual({
      repoURL,
      targetRevision: 'release-1',
      path: 'gitops/apps',
    });
    expect(root.inputs.spec.syncPolicy.automated).toEqual({
      prune: true,
      selfHeal: true,
    });
  });

  it('refuses a repository that gitops/ does not name, before creating anything', async () => {
    resources = [];
    setConfig({
      ...gcpConfig,
      gitopsRepoUrl: 'https://github.com/other/fork.git',
    });
    expect(() =>
      createControlPlane(
        readControlPlaneConfig(new pulumi.Config('kebap-control-plane')),
      ),
    ).toThrow(
      /gitopsRepoUrl: 'https:\/\/github.com\/other\/fork.git' is not the repository gitops\/ names/,
    );
    expect(resources).toEqual([]);
  });

  it('registers the control plane in Argo CD as env: control-plane', async () => {
    await program(gcpConfig);
    const secret = byType('kubernetes:core/v1:Secret').find(
      s => s.inputs.metadata.name === 'cluster-in-cluster',
    )!;
    expect(secret.inputs.metadata).toEqual({
      name: 'cluster-in-cluster',
      namespace: 'argocd',
      labels: {
        'argocd.argoproj.io/secret-type': 'cluster',
        env: 'control-plane',
      },
    });
    expect(secretValue(secret.inputs.stringData)).toMatchObject({
      name: 'in-cluster',
      server: 'https://kubernetes.default.svc',
    });
  });

  it('seeds the secret store token from Pulumi config as a secret, and nowhere else', async () => {
    const cp = await program(gcpConfig);
    const cfg = readControlPlaneConfig(
      new pulumi.Config('kebap-control-plane'),
    );
    expect(await isSecret(cfg.secretStoreToken)).toBe(true);
    const token = byType('kubernetes:core/v1:Secret').find(
      s => s.inputs.metadata.name === 'kebap-secret-store-token',
    )!;
    expect(token.inputs.metadata.namespace).toBe('external-secrets');
    // it reaches the engine as a secret (encrypted in the state)
    expect(token.inputs.stringData).not.toEqual({ accessToken: TOKEN });
    expect(secretValue(token.inputs.stringData)).toEqual({
      accessToken: TOKEN,
    });
    // the value reaches no other resource, and no output
    const elsewhere = resources.filter(
      r => r !== token && JSON.stringify(r.inputs).includes(TOKEN),
    );
    expect(elsewhere.map(r => `${r.type} ${r.name}`)).toEqual([]);
    expect(await valueOf(cp.kubeconfig)).not.toContain(TOKEN);
  });

  it('requires the secret store token', async () => {
    setConfig({ ...gcpConfig, secretStoreToken: '' });
    pulumi.runtime.setAllConfig({
      'gcp:project': 'acme-platform',
      'kebap-control-plane:gitopsRepoUrl': repoURL,
    });
    expect(() =>
      readControlPlaneConfig(new pulumi.Config('kebap-control-plane')),
    ).toThrow(/secretStoreToken/);
  });

  it('creates an EKS cluster and node group instead when cloud is aws', async () => {
    const cp = await program({
      'aws:region': 'eu-central-1',
      cloud: 'aws',
      awsSubnetIds: JSON.stringify(['subnet-a', 'subnet-b']),
      gitopsRepoUrl: repoURL,
      secretStoreToken: TOKEN,
    });
    expect(byType('gcp:container/cluster:Cluster')).toEqual([]);
    const [cluster] = byType('aws:eks/cluster:Cluster');
    expect(cluster.inputs.vpcConfig.subnetIds).toEqual([
      'subnet-a',
      'subnet-b',
    ]);
    expect(cluster.inputs.accessConfig.authenticationMode).toBe('API');
    const [nodes] = byType('aws:eks/nodeGroup:NodeGroup');
    expect(nodes.inputs.scalingConfig).toEqual({
      desiredSize: 3,
      minSize: 3,
      maxSize: 6,
    });
    expect(
      byType('aws:iam/rolePolicyAttachment:RolePolicyAttachment'),
    ).toHaveLength(4);
    expect(await isSecret(cp.kubeconfig)).toBe(true);
    const kubeconfig = JSON.parse(await valueOf(cp.kubeconfig));
    expect(kubeconfig.users[0].user.exec.args).toEqual([
      'eks',
      'get-token',
      '--cluster-name',
      'kebap-control-plane',
    ]);
    // Argo CD and the app-of-apps are the same on either cloud
    expect(byType('kubernetes:helm.sh/v3:Release')).toHaveLength(1);
    expect(byType('kubernetes:argoproj.io/v1alpha1:Application')).toHaveLength(
      1,
    );
  });

  it('refuses an unknown cloud', async () => {
    setConfig({ ...gcpConfig, cloud: 'azure' });
    expect(() =>
      readControlPlaneConfig(new pulumi.Config('kebap-control-plane')),
    ).toThrow("kebap-control-plane:cloud: 'azure' is not gcp or aws (one-of)");
  });
});

describe('Pulumi.yaml', () => {
  it('declares every key the program reads, the token as a secret', () => {
    const project = require('yaml').parse(
      require('node:fs').readFileSync(
        require('node:path').join(__dirname, '..', 'Pulumi.yaml'),
        'utf8',
      ),
    );
    expect(project.main).toBe('index.ts');
    const read = new Set<string>();
    const recorder = new Proxy(new pulumi.Config('kebap-control-plane'), {
      get(target, prop) {
        const f = (target as any)[prop];
        if (typeof f !== 'function') return f;
        return (key: string, ...rest: unknown[]) => {
          read.add(key);
          return f.call(target, key, ...rest);
        };
      },
    });
    for (const cloud of ['gcp', 'aws']) {
      setConfig({
        cloud,
        awsSubnetIds: '["a","b"]',
        gitopsRepoUrl: repoURL,
        secretStoreToken: TOKEN,
      });
      readControlPlaneConfig(recorder);
    }
    expect([...read].sort()).toEqual(Object.keys(project.config).sort());
    expect(project.config.secretStoreToken.secret).toBe(true);
  });
});
