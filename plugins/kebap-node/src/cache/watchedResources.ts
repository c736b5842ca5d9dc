import type {
  KEBAP_LABELS,
  KEBAP_MANAGER,
} from '@internal/plugin-kebap-common';

/** One collection the status cache watches. */
export interface WatchedResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** the objects of the collection the cache keeps */
  labelSelector: string;
  /**
   * `argocd`: only in Argo CD's namespace (`kebap.argocd.namespace`), so a
   * Role there suffices; `all`: every namespace (needs a ClusterRole).
   * (None watches only Argo CD's namespace today.)
   */
  namespaces: 'all' | 'argocd';
}

// Literals typed against kebap-common's constants (a type-only import keeps
// this package free of a runtime dependency on kebap-common's source).
const managedBy: (typeof KEBAP_LABELS)['managedBy'] =
  'app.kubernetes.io/managed-by';
const manager: typeof KEBAP_MANAGER = 'kebap-portal';
const portal = `${managedBy}=${manager}`;

/**
 * What the status cache lists and watches on each control-plane cluster
 * (verbs `list` and `watch`): the portal's Stacks, Programs, Argo CD
 * Applications and ExternalSecrets. No Secrets: RBAC cannot grant a list of
 * Secrets by label, so watching Argo CD's cluster Secrets would let the
 * portal read every Secret in Argo CD's namespace (prod cluster credentials
 * included). A dev cluster's registration is read from the ExternalSecret
 * that keeps its cluster Secret (`kebap:argocd:cluster`): its template says
 * the cluster's name and server, its status whether ESO wrote the Secret.
 */
export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  {
    group: 'pulumi.com',
    version: 'v1',
    kind: 'Stack',
    plural: 'stacks',
    namespaced: true,
    labelSelector: portal,
    namespaces: 'all',
  },
  {
    group: 'pulumi.com',
    version: 'v1',
    kind: 'Program',
    plural: 'programs',
    namespaced: true,
    labelSelector: portal,
    namespaces: 'all',
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    kind: 'Application',
    plural: 'applications',
    namespaced: true,
    labelSelector: portal,
    namespaces: 'all',
  },
  {
    group: 'external-secrets.io',
    version: 'v1',
    kind: 'ExternalSecret',
    plural: 'externalsecrets',
    namespaced: true,
    labelSelector: portal,
    namespaces: 'all',
  },
];

export function apiVersionOf(r: { group: string; version: string }): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
