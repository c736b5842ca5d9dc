/** Label and annotation keys the portal puts on every object it writes. */
export const KEBAP_LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  order: 'kebap.io/order',
  owner: 'kebap.io/owner',
  env: 'kebap.io/env',
  kind: 'kebap.io/kind',
  kubernetesId: 'backstage.io/kubernetes-id',
} as const;

export const KEBAP_ANNOTATIONS = {
  ownerRef: 'kebap.io/owner-ref',
  entityRef: 'kebap.io/entity-ref',
  templateRef: 'kebap.io/template-ref',
  taskId: 'kebap.io/task-id',
  expiresAt: 'kebap.io/expires-at',
  purpose: 'kebap.io/purpose',
} as const;

/** The value of `app.kubernetes.io/managed-by` on the portal's objects. */
export const KEBAP_MANAGER = 'kebap-portal';

/** Labels and annotations of one order's objects. */
export interface OrderMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * The labels and annotations that tie an object to its order: the portal
 * manages it, for which order, owner, environment and kind; the full owner,
 * entity and template refs and the task go into annotations (refs are not
 * valid label values). `backstage.io/kubernetes-id` is the entity's name, so
 * the Kubernetes tab of the order's entity finds the objects.
 */
export function orderMetadata(options: {
  orderName: string;
  /** e.g. group:default/team-payments */
  owner: string;
  /** e.g. resource:default/dev-alpha */
  entityRef: string;
  env: string;
  kind: string;
  template?: string;
  taskId?: string;
}): OrderMetadata {
  const ownerName = options.owner.split('/').pop()!;
  const entityName = options.entityRef.split('/').pop()!;
  const annotations: Record<string, string> = {
    [KEBAP_ANNOTATIONS.ownerRef]: options.owner,
    [KEBAP_ANNOTATIONS.entityRef]: options.entityRef,
  };
  if (options.template)
    annotations[KEBAP_ANNOTATIONS.templateRef] = options.template;
  if (options.taskId) annotations[KEBAP_ANNOTATIONS.taskId] = options.taskId;
  return {
    labels: {
      [KEBAP_LABELS.managedBy]: KEBAP_MANAGER,
      [KEBAP_LABELS.order]: options.orderName,
      [KEBAP_LABELS.owner]: ownerName,
      [KEBAP_LABELS.env]: options.env,
      [KEBAP_LABELS.kind]: options.kind,
      [KEBAP_LABELS.kubernetesId]: entityName,
    },
    annotations,
  };
}

/**
 * Whether an existing object may be written over by an order: only when the
 * portal created it, for the same order and the same owner. Otherwise the
 * reason, for a ConflictError.
 */
export function isOwnedBy(
  existing:
    | { labels?: Record<string, string>; annotations?: Record<string, string> }
    | undefined,
  expected: { orderName: string; ownerRef: string },
): true | string {
  const labels = existing?.labels ?? {};
  const annotations = existing?.annotations ?? {};
  if (labels[KEBAP_LABELS.managedBy] !== KEBAP_MANAGER) {
    return 'not created by the portal';
  }
  if (annotations[KEBAP_ANNOTATIONS.ownerRef] !== expected.ownerRef) {
    return `ordered by ${
      annotations[KEBAP_ANNOTATIONS.ownerRef] ?? 'an unknown owner'
    }`;
  }
  if (labels[KEBAP_LABELS.order] !== expected.orderName) {
    return `belongs to order ${labels[KEBAP_LABELS.order] ?? 'unknown'}`;
  }
  return true;
}
