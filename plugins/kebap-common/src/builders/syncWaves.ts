/**
 * Argo CD sync waves of the objects of a Stack order (gitops delivery).
 *
 * Argo CD applies in ascending wave order and prunes in descending wave
 * order, waiting before the next wave until the pruned objects are gone
 * (docs/upstream-contracts.md ARGO-4). A commit that removes an order thus
 * deletes its Stack first and lets the Pulumi Kubernetes Operator run the
 * destroy while the Stack's Program, credentials (ExternalSecret → Secret)
 * and ServiceAccount still exist (PKO-4, PKO-6); only then are those pruned.
 * Kubernetes delivery ignores the annotation (it orders deletions itself).
 */
export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/** What a Stack needs while it runs and while it is destroyed: Program, credentials, ServiceAccount. */
export const STACK_PREREQUISITE_WAVE = '-1';

/** The Stack itself: applied after, pruned before what it needs. */
export const STACK_WAVE = '0';
