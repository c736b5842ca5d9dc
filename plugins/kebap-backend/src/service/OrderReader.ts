import {
  apiVersionOf,
  KebapClusterCache,
  KubernetesClient,
  slimObject,
  WATCHED_RESOURCES,
  WatchedResource,
} from '@internal/plugin-kebap-node';
import { KEBAP_LABELS } from '@internal/plugin-kebap-common';
import { ClusterView } from '../status/buildOrderStatus';

/** Reads what the cluster holds of one order. */
export interface OrderReader {
  read(order: string, env: string): Promise<ClusterView>;
}

/**
 * From the watch-fed cache: no Kubernetes API call. With several clusters,
 * the one that holds the order.
 */
export function cacheOrderReader(cache: KebapClusterCache): OrderReader {
  return {
    async read(order, env) {
      const states = cache.state();
      const found = cache.order(order, env)[0];
      if (found) {
        const state = states.find(s => s.cluster === found.cluster);
        return {
          cluster: found.cluster,
          synced: state?.synced ?? false,
          ...(state?.lastError ? { error: state.lastError } : {}),
          objects: found.objects,
          ...(found.observedAt ? { observedAt: found.observedAt } : {}),
        };
      }
      const failing = states.find(s => !s.synced);
      return {
        cluster: states.map(s => s.cluster).join(', '),
        synced: !failing,
        ...(failing?.lastError ? { error: failing.lastError } : {}),
        objects: [],
      };
    },
  };
}

/**
 * The baseline the cache replaces: one LIST per watched collection on every
 * page view (what reading through the Kubernetes plugin amounts to). Used by
 * the benchmark; a failing call makes the cluster unreachable.
 */
export function apiOrderReader(options: {
  client: KubernetesClient;
  cluster: string;
  argocdNamespace?: string;
  resources?: readonly WatchedResource[];
}): OrderReader {
  const resources = options.resources ?? WATCHED_RESOURCES;
  return {
    async read(order, env) {
      try {
        const lists = await Promise.all(
          resources.map(r =>
            options.client.list({
              apiVersion: apiVersionOf(r),
              kind: r.kind,
              namespace:
                r.namespaces === 'argocd'
                  ? options.argocdNamespace ?? 'argocd'
                  : undefined,
              labelSelector: `${r.labelSelector},${KEBAP_LABELS.order}=${order},${KEBAP_LABELS.env}=${env}`,
            }),
          ),
        );
        return {
          cluster: options.cluster,
          synced: true,
          objects: lists.flat().map(slimObject),
        };
      } catch (e) {
        return {
          cluster: options.cluster,
          synced: false,
          error: (e as Error).message,
          objects: [],
        };
      }
    },
  };
}
