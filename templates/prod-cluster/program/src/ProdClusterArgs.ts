/** What the prod-cluster form asks, as Stack config. */
export interface ProdClusterArgs {
  /** the order name; the cluster is prod-<clusterName> */
  clusterName: string;
  region: string;
  kubernetesVersion: string;
  /** instance type (AWS) or machine type (GCP) */
  nodeSize: string;
  minNodes: number;
  maxNodes: number;
  argocdNamespace?: string;
}

/** The outputs of a prod cluster program. */
export interface ProdClusterOutputs {
  clusterName: import('@pulumi/pulumi').Output<string>;
  server: import('@pulumi/pulumi').Output<string>;
  argocdCluster: string;
  /** secret */
  kubeconfig: import('@pulumi/pulumi').Output<string>;
  /** the Argo CD cluster Secret (registered last: it depends on the cluster being usable) */
  argocdSecret: import('@pulumi/kubernetes').core.v1.Secret;
}

/** Refuses what no cloud accepts, before anything is created. */
export function checkProdClusterArgs(args: ProdClusterArgs): void {
  const problems: string[] = [];
  if (!/^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/.test(args.clusterName))
    problems.push(
      `clusterName: '${args.clusterName}' must be a DNS label of at most 30 characters`,
    );
  if (!Number.isInteger(args.minNodes) || args.minNodes < 1)
    problems.push('minNodes: must be a whole number of at least 1');
  if (!Number.isInteger(args.maxNodes) || args.maxNodes < args.minNodes)
    problems.push('maxNodes: must be a whole number of at least minNodes');
  if (!/^1\.[0-9]{2}$/.test(args.kubernetesVersion))
    problems.push(
      `kubernetesVersion: '${args.kubernetesVersion}' is not a version like 1.32`,
    );
  if (problems.length) throw new Error(problems.join('; '));
}
