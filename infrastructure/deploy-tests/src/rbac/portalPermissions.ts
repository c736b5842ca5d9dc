/**
 * Everything the portal's service account may do, as the chart grants it:
 * the allow-list the real API server's answers (SelfSubjectRulesReview as
 * the service account) are held to, line by line, in
 * portalRbac.realApi.test.ts. Each line is a row of the chart README's
 * "RBAC" table, with its reason; the test checks that the README has them
 * all, and that every line is used by some request of the portal's code.
 */
export interface PortalGrant {
  /**
   * Where it applies: `cluster`, every namespace and cluster-scoped
   * objects (the release's ClusterRoleBinding); `argocd`, Argo CD's
   * namespace (`rbac.argocdNamespace`); `stacks`, each of
   * `rbac.stackNamespaces`; `shares`, each of `rbac.shareNamespaces`.
   */
  scope: 'cluster' | 'argocd' | 'stacks' | 'shares';
  apiGroup: string;
  resources: string[];
  verbs: string[];
  /** `namespaces`: only the namespaces the portal writes to (Argo CD's, stacks, shares) */
  resourceNames?: 'order-namespaces';
  /** the chart values that render it */
  when: 'reads' | 'kubernetes' | 'gitops' | 'kubernetesTab';
  /** why the portal needs it, as the README says */
  why: string;
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['get', 'create', 'patch', 'delete'];

export const PORTAL_GRANTS: readonly PortalGrant[] = [
  {
    scope: 'cluster',
    apiGroup: 'pulumi.com',
    resources: ['stacks'],
    verbs: READ,
    when: 'reads',
    why: 'the status cache lists and watches the portal’s Stacks; `kebap:wait` and decommissioning read one by name',
  },
  {
    scope: 'cluster',
    apiGroup: 'pulumi.com',
    resources: ['programs'],
    verbs: ['list', 'watch'],
    when: 'reads',
    why: 'the status cache; decommissioning and expiry list an order’s Programs by its labels',
  },
  {
    scope: 'cluster',
    apiGroup: 'external-secrets.io',
    resources: ['externalsecrets'],
    verbs: ['list', 'watch'],
    when: 'reads',
    why: 'the status cache (a dev cluster’s Argo CD registration is read from its ExternalSecret, never from the Secret); decommissioning lists them',
  },
  {
    scope: 'cluster',
    apiGroup: 'argoproj.io',
    resources: ['applications'],
    verbs: ['list', 'watch'],
    when: 'reads',
    why: 'the status cache lists and watches dev clusters’ Applications; decommissioning and expiry list them',
  },
  {
    scope: 'cluster',
    apiGroup: '',
    resources: ['serviceaccounts'],
    verbs: ['list'],
    when: 'kubernetes',
    why: 'decommissioning and expiry list an order’s objects by its labels, of every kind orders contain (no Secrets among them)',
  },
  {
    scope: 'cluster',
    apiGroup: 'external-secrets.io',
    resources: ['secretstores'],
    verbs: ['list'],
    when: 'kubernetes',
    why: 'the same listing by the order’s labels',
  },
  {
    scope: 'cluster',
    apiGroup: '',
    resources: ['namespaces'],
    verbs: ['get'],
    resourceNames: 'order-namespaces',
    when: 'kubernetes',
    why: 'the delivery’s pre-flight (every namespace an order writes to must exist), only for the namespaces it may write to',
  },
  {
    scope: 'cluster',
    apiGroup: '',
    resources: [
      'pods',
      'services',
      'configmaps',
      'limitranges',
      'resourcequotas',
    ],
    verbs: ['list'],
    when: 'kubernetesTab',
    why: 'the Kubernetes tab lists these by the entity’s label (`backstage.io/kubernetes-id`), read-only',
  },
  {
    scope: 'cluster',
    apiGroup: 'apps',
    resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
    verbs: ['list'],
    when: 'kubernetesTab',
    why: 'the Kubernetes tab',
  },
  {
    scope: 'cluster',
    apiGroup: 'autoscaling',
    resources: ['horizontalpodautoscalers'],
    verbs: ['list'],
    when: 'kubernetesTab',
    why: 'the Kubernetes tab',
  },
  {
    scope: 'cluster',
    apiGroup: 'batch',
    resources: ['jobs', 'cronjobs'],
    verbs: ['list'],
    when: 'kubernetesTab',
    why: 'the Kubernetes tab',
  },
  {
    scope: 'cluster',
    apiGroup: 'networking.k8s.io',
    resources: ['ingresses'],
    verbs: ['list'],
    when: 'kubernetesTab',
    why: 'the Kubernetes tab',
  },
  {
    scope: 'cluster',
    apiGroup: 'metrics.k8s.io',
    resources: ['pods'],
    verbs: ['list'],
    when: 'kubernetesTab',
    why: 'the Kubernetes tab’s pod metrics, per namespace of the entity’s pods',
  },
  {
    scope: 'argocd',
    apiGroup: 'argoproj.io',
    resources: ['applications'],
    verbs: ['get'],
    when: 'gitops',
    why: '`kebap:wait` reads a dev cluster’s Application',
  },
  {
    scope: 'argocd',
    apiGroup: 'argoproj.io',
    resources: ['applications'],
    verbs: WRITE,
    when: 'kubernetes',
    why: 'a dev cluster is one Application: read first (ownership), created, applied (expiry and extension rewrite its annotations), deleted; Argo CD creates and deletes its namespace',
  },
  {
    scope: 'argocd',
    apiGroup: 'external-secrets.io',
    resources: ['secretstores', 'externalsecrets'],
    verbs: WRITE,
    when: 'kubernetes',
    why: 'a dev cluster’s registration: External Secrets Operator, not the portal, writes the Argo CD cluster Secret',
  },
  {
    scope: 'stacks',
    apiGroup: 'pulumi.com',
    resources: ['stacks', 'programs'],
    verbs: WRITE,
    when: 'kubernetes',
    why: 'prod clusters and databases: a Stack and its Program',
  },
  {
    scope: 'stacks',
    apiGroup: 'external-secrets.io',
    resources: ['externalsecrets'],
    verbs: WRITE,
    when: 'kubernetes',
    why: 'a Stack’s credentials from the secret store (`kebap:external-secret`)',
  },
  {
    scope: 'stacks',
    apiGroup: '',
    resources: ['serviceaccounts'],
    verbs: WRITE,
    when: 'kubernetes',
    why: 'the ServiceAccount a Stack runs as (`createServiceAccount`; its auth-delegator binding is the platform’s)',
  },
  {
    scope: 'shares',
    apiGroup: '',
    resources: ['serviceaccounts'],
    verbs: WRITE,
    when: 'kubernetes',
    why: 'a database’s shared connection Secret: the reader ServiceAccount',
  },
  {
    scope: 'shares',
    apiGroup: 'external-secrets.io',
    resources: ['secretstores', 'externalsecrets'],
    verbs: WRITE,
    when: 'kubernetes',
    why: 'the SecretStore that reads as that ServiceAccount and the ExternalSecret that keeps the copy',
  },
];

/** The grants a delivery mode renders (chart defaults otherwise). */
export function grantsFor(
  mode: 'gitops' | 'kubernetes',
): readonly PortalGrant[] {
  return PORTAL_GRANTS.filter(
    g => g.when === 'kubernetesTab' || g.when === 'reads' || g.when === mode,
  );
}

/** The README row of a grant: scope, API group and resources, verbs. */
export function readmeRow(g: PortalGrant): string {
  const what = `${g.apiGroup || 'core'}: ${g.resources.join(', ')}${
    g.resourceNames ? ' (named)' : ''
  }`;
  return `| ${g.scope} | ${what} | ${g.verbs.join(', ')} |`;
}
