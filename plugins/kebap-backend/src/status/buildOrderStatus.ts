import {
  KEBAP_LABELS,
  OrderInfo,
  OrderObject,
  OrderState,
  OrderStatus,
} from '@internal/plugin-kebap-common';
import {
  describeApplication,
  describeOrder,
  describeRegistration,
  describeStack,
  isApplication,
  isExternalSecret,
  isRegistration,
  isStack,
  LinkSettings,
  objectRefs,
} from './describeObjects';

/** What the cluster (its watch-fed copy) holds of an order. */
export interface ClusterView {
  cluster: string;
  /** false when the copy cannot be trusted (not listed yet, cluster down) */
  synced: boolean;
  /** why it is not synced */
  error?: string;
  objects: OrderObject[];
  observedAt?: string;
}

/** What the orders repository holds of an order (gitops delivery). */
export interface GitopsView {
  objects: OrderObject[];
  /** ISO time of the commit that ordered it */
  committedAt?: string;
  /** the user the commit names */
  requestedBy?: string;
  commit?: string;
}

const rank: Record<OrderState, number> = {
  ready: 0,
  'pending-sync': 1,
  progressing: 2,
  unreachable: 3,
  'not-found': 3,
  failed: 4,
  deleting: 5,
};

/** What a held object's controller is doing while its finalizer holds it. */
function cleanUpOf(o: OrderObject): string {
  if (isStack(o)) return 'Pulumi destroys its cloud resources';
  if (isApplication(o)) return 'Argo CD deletes what it installed';
  return 'its controller cleans up';
}

/**
 * An order being decommissioned: some of its objects are marked for
 * deletion. Names the first held object, its finalizers and what waits.
 */
function deletingVerdict(objects: OrderObject[]): Verdict | undefined {
  const marked = objects.filter(
    o => (o.metadata as { deletionTimestamp?: string }).deletionTimestamp,
  );
  if (!marked.length) return undefined;
  const first = marked.find(o => isStack(o) || isApplication(o)) ?? marked[0];
  const finalizers =
    (first.metadata as { finalizers?: string[] }).finalizers ?? [];
  const rest = objects.length - 1;
  return {
    state: 'deleting',
    summary: `Being decommissioned: ${first.kind} ${
      first.metadata.namespace ? `${first.metadata.namespace}/` : ''
    }${first.metadata.name} is ${
      finalizers.length
        ? `held by ${finalizers.join(', ')} while ${cleanUpOf(first)}`
        : 'being deleted'
    }${
      rest > 0
        ? `; ${rest} more object${rest > 1 ? 's go' : ' goes'} after it`
        : ''
    }`,
  };
}

const conditionOf = (o: OrderObject, type: string) =>
  ((o.status as any)?.conditions ?? []).find((c: any) => c.type === type);

/** One part's state and sentence. */
interface Verdict {
  state: OrderState;
  summary: string;
}

function stackVerdict(stack: OrderObject): Verdict {
  const status = (stack.status ?? {}) as any;
  const last = status.lastUpdate ?? {};
  const stalled = conditionOf(stack, 'Stalled');
  const ready = conditionOf(stack, 'Ready');
  const reconciling = conditionOf(stack, 'Reconciling');
  if (stalled?.status === 'True')
    return {
      state: 'failed',
      summary: `Stack ${stack.metadata.name} stalled: ${
        stalled.message ?? stalled.reason ?? 'the operator gave up'
      }`,
    };
  if (last.state === 'failed')
    return {
      state: 'failed',
      summary: `The last Pulumi update of ${stack.metadata.name} failed${
        last.message ? `: ${last.message}` : ''
      }${reconciling?.status === 'True' ? ' (retrying)' : ''}`,
    };
  if (ready?.status === 'True')
    return {
      state: 'ready',
      summary: `Stack ${stack.metadata.name} is up to date`,
    };
  if (reconciling?.status === 'True')
    return {
      state: 'progressing',
      summary: `Pulumi is updating stack ${stack.metadata.name}${
        reconciling.reason ? ` (${reconciling.reason})` : ''
      }`,
    };
  return {
    state: 'progressing',
    summary: `Stack ${stack.metadata.name} is waiting for its first update`,
  };
}

function applicationVerdict(app: OrderObject): Verdict {
  const status = (app.status ?? {}) as any;
  const health = status.health?.status;
  const sync = status.sync?.status;
  const name = app.metadata.name;
  if (health === 'Degraded')
    return {
      state: 'failed',
      summary: `Argo CD application ${name} is degraded${
        status.health?.message ? `: ${status.health.message}` : ''
      }`,
    };
  if (health === 'Healthy' && sync === 'Synced')
    return {
      state: 'ready',
      summary: `Argo CD application ${name} is healthy and synced`,
    };
  return {
    state: 'progressing',
    summary: `Argo CD application ${name} is ${(
      health ?? 'not yet assessed'
    ).toLowerCase()}, ${(sync ?? 'not yet synced').toLowerCase()}`,
  };
}

function externalSecretVerdict(es: OrderObject): Verdict {
  const ready = conditionOf(es, 'Ready');
  if (ready?.status === 'True')
    return {
      state: 'ready',
      summary: `ExternalSecret ${es.metadata.name} is synced`,
    };
  if (ready?.status === 'False')
    return {
      state: 'failed',
      summary: `ExternalSecret ${es.metadata.name} cannot read its secret${
        ready.message ? `: ${ready.message}` : ''
      }`,
    };
  return {
    state: 'progressing',
    summary: `ExternalSecret ${es.metadata.name} has not synced yet`,
  };
}

function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce((a, b) => (rank[b.state] > rank[a.state] ? b : a));
}

function withRequester(
  order: OrderInfo | undefined,
  gitops: GitopsView | undefined,
): OrderInfo | undefined {
  if (!order) return undefined;
  return {
    ...order,
    ...(gitops?.requestedBy ? { requestedBy: gitops.requestedBy } : {}),
    ...(gitops?.committedAt ? { orderedAt: gitops.committedAt } : {}),
  };
}

function pendingSummary(cluster: ClusterView | undefined): string {
  if (!cluster) return 'Committed to Git; not applied yet';
  if (!cluster.synced)
    return `Committed to Git; cluster ${cluster.cluster} cannot be read (${
      cluster.error ?? 'not synced'
    })`;
  return `Committed to Git; not on cluster ${cluster.cluster} yet (Argo CD has not applied it)`;
}

/**
 * The status of one order for its entity card, from what the cluster's copy
 * holds (preferred) and what the orders repository holds (gitops delivery).
 * Pure: no I/O.
 */
export function buildOrderStatus(input: {
  entityRef: string;
  links: LinkSettings;
  /** undefined when no cluster is configured */
  cluster?: ClusterView;
  /** undefined when the repository does not hold the order (or there is none) */
  gitops?: GitopsView;
}): OrderStatus {
  const { entityRef, links, cluster, gitops } = input;
  const onCluster = cluster?.objects ?? [];

  if (onCluster.length === 0) {
    if (gitops) {
      const order = withRequester(describeOrder(gitops.objects), gitops);
      const stack = gitops.objects.find(isStack);
      const app = gitops.objects.find(isApplication);
      const unreachable = cluster && !cluster.synced;
      return {
        entityRef,
        state: unreachable ? 'unreachable' : 'pending-sync',
        summary: pendingSummary(cluster),
        ...(order ? { order } : {}),
        ...(stack
          ? { stack: describeStack({ ...stack, status: undefined }, links) }
          : {}),
        ...(app
          ? {
              application: describeApplication(
                { ...app, status: undefined },
                links,
              ),
            }
          : {}),
        source: 'gitops',
        objects: objectRefs(gitops.objects),
        ...(cluster ? { cluster: cluster.cluster } : {}),
      };
    }
    if (cluster && !cluster.synced) {
      return {
        entityRef,
        state: 'unreachable',
        summary: `Cluster ${cluster.cluster} cannot be read (${
          cluster.error ?? 'not synced'
        })`,
        source: 'cluster',
        cluster: cluster.cluster,
      };
    }
    return {
      entityRef,
      state: 'not-found',
      summary: cluster
        ? `Neither cluster ${cluster.cluster} nor the orders repository holds this order`
        : 'The orders repository does not hold this order',
      source: cluster ? 'cluster' : 'gitops',
      ...(cluster ? { cluster: cluster.cluster } : {}),
    };
  }

  const stacks = onCluster.filter(isStack);
  const app = onCluster.find(isApplication);
  const registration = describeRegistration(onCluster.find(isRegistration));
  const externalSecrets = onCluster.filter(isExternalSecret);
  const order = withRequester(describeOrder(onCluster), gitops);
  const verdicts: Verdict[] = [
    ...stacks.map(stackVerdict),
    ...(app ? [applicationVerdict(app)] : []),
    ...externalSecrets.map(externalSecretVerdict),
  ];
  const isVCluster = Boolean(app) || order?.kind === 'vcluster';
  if (isVCluster && !registration.exists) {
    verdicts.push({
      state: 'progressing',
      summary: onCluster.some(isRegistration)
        ? 'Not registered in Argo CD yet (External Secrets Operator has not written the cluster Secret)'
        : 'Not registered in Argo CD yet (no cluster registration)',
    });
  }
  const verdict =
    deletingVerdict(onCluster) ??
    (verdicts.length > 0
      ? worst(verdicts)
      : {
          state: 'ready' as const,
          summary: `${onCluster.length} object${
            onCluster.length > 1 ? 's' : ''
          } on the cluster`,
        });
  let state = verdict.state;
  let summary = verdict.summary;
  if (state === 'ready' && isVCluster) {
    summary = 'The dev cluster is up and registered in Argo CD';
  } else if (state === 'ready' && stacks.length > 0) {
    summary = 'Up to date: the last Pulumi update succeeded';
  }
  if (!cluster!.synced) {
    state = 'unreachable';
    summary = `Cluster ${cluster!.cluster} cannot be read (${
      cluster!.error ?? 'not synced'
    }); last known: ${summary}`;
  }
  const mainStack =
    stacks.find(s => s.metadata.labels?.[KEBAP_LABELS.kind] === order?.kind) ??
    stacks[0];
  return {
    entityRef,
    state,
    summary,
    ...(order ? { order } : {}),
    ...(mainStack ? { stack: describeStack(mainStack, links) } : {}),
    ...(app ? { application: describeApplication(app, links) } : {}),
    ...(isVCluster ? { registration } : {}),
    source: 'cluster',
    ...(cluster!.observedAt ? { observedAt: cluster!.observedAt } : {}),
    objects: objectRefs(onCluster),
    cluster: cluster!.cluster,
  };
}
