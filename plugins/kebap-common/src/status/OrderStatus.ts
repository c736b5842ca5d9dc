/**
 * The status of one ordered resource, as the kebap backend serves it
 * (`GET /api/kebap/status/:kind/:namespace/:name`) and the entity cards show
 * it. Only additive, optional changes: the frontend and backend are built
 * against this shape.
 */

/** The one-word state of an order, for the card's headline. */
export type OrderState =
  /** everything the order made is ready */
  | 'ready'
  /** being created or updated (Stack reconciling, Application progressing) */
  | 'progressing'
  /** the last update failed, the Stack stalled or the Application is degraded */
  | 'failed'
  /** gitops delivery: committed, but not (yet) seen on the cluster */
  | 'pending-sync'
  /** neither the cluster nor the orders repository knows the order */
  | 'not-found'
  /** the portal could not read the cluster (its cache is not synced) */
  | 'unreachable'
  /**
   * being decommissioned: objects are marked for deletion and held by their
   * controllers' finalizers while those clean up (a Stack destroying its
   * cloud resources, an Argo CD Application pruning the vCluster)
   */
  | 'deleting';

/** A Kubernetes condition, with a sentence a developer understands. */
export interface ConditionStatus {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  /** e.g. "Ready: the stack is up to date" */
  summary: string;
}

/** One output of a Stack; secret outputs carry no value, ever. */
export interface StackOutputStatus {
  name: string;
  secret: boolean;
  /** plain outputs only, rendered as text (JSON for objects) */
  value?: string;
}

/** A Pulumi Operator Stack (`pulumi.com/v1`). */
export interface StackStatus {
  name: string;
  namespace: string;
  /** `org/project/stack` */
  stack?: string;
  /** `status.lastUpdate.state`, or `none` when the Stack never ran */
  lastUpdateState: 'succeeded' | 'failed' | 'none';
  /** `status.lastUpdate.lastSuccessfulCommit` */
  lastSuccessfulCommit?: string;
  /** `status.lastUpdate.lastResyncTime` */
  lastUpdateTime?: string;
  /** `status.lastUpdate.message` when it failed */
  failureMessage?: string;
  conditions: ConditionStatus[];
  outputs: StackOutputStatus[];
  /** link to the stack in Pulumi Cloud */
  url?: string;
}

/** The Argo CD Application that installs a vCluster. */
export interface ApplicationStatus {
  name: string;
  namespace: string;
  /** Healthy, Progressing, Degraded, Suspended, Missing, Unknown */
  health?: string;
  healthMessage?: string;
  /** Synced, OutOfSync, Unknown */
  sync?: string;
  revision?: string;
  /** link to the application in Argo CD, when kebap.argocd.baseUrl is set */
  url?: string;
}

/** The Argo CD cluster registration (a Secret in Argo CD's namespace). */
export interface RegistrationStatus {
  exists: boolean;
  /** the Secret's name */
  name?: string;
  /** the `name` Argo CD shows */
  clusterName?: string;
  server?: string;
  /** the `env` label ApplicationSets select on */
  env?: string;
}

/** The order itself: who, when, which template, expiry. */
export interface OrderInfo {
  /** the order's name, e.g. alpha */
  name: string;
  /** dev or prod */
  env: string;
  /** vcluster, cluster, database, queue, bucket, stack */
  kind: string;
  /** group entity ref */
  owner: string;
  /** user entity ref, when recorded */
  requestedBy?: string;
  /** ISO time of the commit or the object's creation */
  orderedAt?: string;
  /** template entity ref */
  template?: string;
  taskId?: string;
  /** ISO time; dev clusters only */
  expiresAt?: string;
}

/** One object of an order: on the cluster, or (pending-sync) to be applied. */
export interface OrderObjectStatus {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** marked for deletion at this ISO time (its `deletionTimestamp`) */
  deletingSince?: string;
  /** what holds it while it is deleted: the finalizers left */
  finalizers?: string[];
}

/** What the status route returns for one entity. */
export interface OrderStatus {
  entityRef: string;
  state: OrderState;
  /** one line for the headline, e.g. "Committed to Git; not applied yet" */
  summary: string;
  order?: OrderInfo;
  stack?: StackStatus;
  application?: ApplicationStatus;
  registration?: RegistrationStatus;
  /** where the figures come from */
  source: 'cluster' | 'gitops';
  /** ISO time the cache last saw a change of these objects */
  observedAt?: string;
  /**
   * The order's objects: those on the cluster, or in pending-sync those the
   * orders repository holds and Argo CD would apply (added later: optional).
   */
  objects?: OrderObjectStatus[];
  /** the control-plane cluster the figures come from (source `cluster`) */
  cluster?: string;
}
