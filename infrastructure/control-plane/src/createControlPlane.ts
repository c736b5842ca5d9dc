import * as pulumi from '@pulumi/pulumi';
import * as k8s from '@pulumi/kubernetes';
import { createCluster } from './createCluster';
import { GitopsBootstrap, readGitopsBootstrap } from './gitopsBootstrap';
import { ControlPlaneConfig } from './readControlPlaneConfig';

/** Where ESO finds the secret store's token (gitops/platform/secret-store). */
export const SECRET_STORE_TOKEN = {
  namespace: 'external-secrets',
  name: 'kebap-secret-store-token',
  key: 'accessToken',
} as const;

/** What the ignition program exports. */
export interface ControlPlane {
  clusterName: pulumi.Output<string>;
  /** a secret output */
  kubeconfig: pulumi.Output<string>;
  argocdNamespace: string;
  rootApplication: pulumi.Output<string>;
}

/**
 * The ignition program: the control-plane cluster, Argo CD installed with
 * its Helm chart (the version and values of gitops/apps/argocd.yaml, which
 * then keeps Argo CD up to date), the in-cluster registration labelled
 * `env: control-plane`, the secret store's token for External Secrets
 * Operator (from Pulumi config, a secret), and the app-of-apps
 * (gitops/bootstrap/root.yaml) pointing at gitops/apps of this repository.
 */
export function createControlPlane(
  cfg: ControlPlaneConfig,
  options: { gitops?: GitopsBootstrap } = {},
): ControlPlane {
  const gitops = options.gitops ?? readGitopsBootstrap();
  const rootSource = gitops.root.spec.source;
  if (rootSource.repoURL !== cfg.gitops.repoURL) {
    throw new Error(
      `kebap-control-plane:gitopsRepoUrl: '${cfg.gitops.repoURL}' is not the repository gitops/ names ('${rootSource.repoURL}'); Argo CD would switch to that one after its first sync. Point gitops/ at your repository first (docs/operators-guide.md) (same-repository)`,
    );
  }
  const cluster = createCluster(cfg);
  const provider = new k8s.Provider('control-plane', {
    kubeconfig: cluster.kubeconfig,
    enableServerSideApply: true,
  });
  const opts = { provider };
  const argocdNs = gitops.argocd.namespace;

  const argocdNamespace = new k8s.core.v1.Namespace(
    'argocd',
    { metadata: { name: argocdNs } },
    opts,
  );
  const argocd = new k8s.helm.v3.Release(
    'argocd',
    {
      name: gitops.argocd.releaseName,
      chart: gitops.argocd.chart,
      version: gitops.argocd.version,
      repositoryOpts: { repo: gitops.argocd.repoURL },
      namespace: argocdNs,
      values: gitops.argocd.values,
      atomic: true,
      timeout: 900,
    },
    { ...opts, dependsOn: [argocdNamespace, cluster.nodes] },
  );

  // Argo CD's own cluster, explicitly, so ApplicationSets can tell it apart
  const inCluster = new k8s.core.v1.Secret(
    'in-cluster',
    {
      metadata: {
        name: 'cluster-in-cluster',
        namespace: argocdNs,
        labels: {
          'argocd.argoproj.io/secret-type': 'cluster',
          env: 'control-plane',
        },
      },
      stringData: {
        name: 'in-cluster',
        server: 'https://kubernetes.default.svc',
        config: JSON.stringify({ tlsClientConfig: { insecure: false } }),
      },
    },
    { ...opts, dependsOn: [argocd] },
  );

  // The token ESO's ClusterSecretStore kebap-secrets authenticates with
  const esoNamespace = new k8s.core.v1.Namespace(
    'external-secrets',
    { metadata: { name: SECRET_STORE_TOKEN.namespace } },
    opts,
  );
  const storeToken = new k8s.core.v1.Secret(
    'secret-store-token',
    {
      metadata: {
        name: SECRET_STORE_TOKEN.name,
        namespace: SECRET_STORE_TOKEN.namespace,
      },
      type: 'Opaque',
      stringData: { [SECRET_STORE_TOKEN.key]: cfg.secretStoreToken },
    },
    { ...opts, dependsOn: [esoNamespace] },
  );

  const root = new k8s.apiextensions.CustomResource(
    'app-of-apps',
    {
      apiVersion: gitops.root.apiVersion,
      kind: gitops.root.kind,
      metadata: {
        name: gitops.root.metadata.name,
        namespace: gitops.root.metadata.namespace,
      },
      spec: {
        ...gitops.root.spec,
        source: {
          ...rootSource,
          repoURL: cfg.gitops.repoURL,
          targetRevision: cfg.gitops.revision,
        },
      },
    },
    // ESO (synced by the app-of-apps) finds its token already there
    { ...opts, dependsOn: [argocd, inCluster, storeToken] },
  );

  return {
    clusterName: cluster.name,
    kubeconfig: cluster.kubeconfig,
    argocdNamespace: argocdNs,
    rootApplication: root.metadata.name,
  };
}
