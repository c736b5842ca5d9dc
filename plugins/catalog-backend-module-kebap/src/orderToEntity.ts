import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
} from '@backstage/catalog-model';
import {
  KEBAP_ANNOTATIONS,
  KEBAP_LABELS,
  OrderObject,
} from '@internal/plugin-kebap-common';

/** An object of an order, as delivered. */
export type OrderedObject = OrderObject;

const resourceTypes: Record<string, string> = {
  vcluster: 'kubernetes-cluster',
  cluster: 'kubernetes-cluster',
  database: 'database',
  queue: 'queue',
  bucket: 'storage',
};

const titles: Record<string, string> = {
  vcluster: 'vCluster',
  cluster: 'cluster',
  database: 'database',
  queue: 'queue',
  bucket: 'bucket',
};

/**
 * The catalog entity of one order, derived from its delivered objects: a
 * `Resource` named after the `kebap.io/entity-ref` the actions recorded,
 * owned by the order's owner, with annotations that tie it to the objects
 * (`backstage.io/kubernetes-id` for the Kubernetes tab). The main object
 * (the one whose kind is not a helper such as a registration or a secret)
 * gives the type; undefined when the objects carry no portal metadata.
 */
export function orderToEntity(
  objects: OrderedObject[],
  location: string,
): Entity | undefined {
  const managed = objects.filter(
    o => o.metadata.labels?.[KEBAP_LABELS.managedBy] === 'kebap-portal',
  );
  if (managed.length === 0) return undefined;
  const main =
    managed.find(
      o => resourceTypes[o.metadata.labels?.[KEBAP_LABELS.kind] ?? ''],
    ) ?? managed[0];
  const labels = main.metadata.labels ?? {};
  const annotations = main.metadata.annotations ?? {};
  const entityRef = annotations[KEBAP_ANNOTATIONS.entityRef];
  const ownerRef = annotations[KEBAP_ANNOTATIONS.ownerRef];
  if (!entityRef || !ownerRef) return undefined;
  const name = entityRef.split('/').pop()!;
  const kind = labels[KEBAP_LABELS.kind] ?? 'stack';
  const order = labels[KEBAP_LABELS.order];
  const env = labels[KEBAP_LABELS.env];
  const expiresAt = managed
    .map(o => o.metadata.annotations?.[KEBAP_ANNOTATIONS.expiresAt])
    .find(Boolean);
  const purpose = managed
    .map(o => o.metadata.annotations?.[KEBAP_ANNOTATIONS.purpose])
    .find(Boolean);

  const entityAnnotations: Record<string, string> = {
    [ANNOTATION_LOCATION]: location,
    [ANNOTATION_ORIGIN_LOCATION]: location,
    'backstage.io/kubernetes-id': name,
    'backstage.io/kubernetes-label-selector': `${KEBAP_LABELS.order}=${order},${KEBAP_LABELS.env}=${env}`,
    'kebap.io/order': order,
    'kebap.io/env': env,
    'kebap.io/kind': kind,
    'kebap.io/objects': managed
      .map(o =>
        [o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name]
          .filter(Boolean)
          .join('/'),
      )
      .join(','),
  };
  for (const key of [KEBAP_ANNOTATIONS.templateRef, KEBAP_ANNOTATIONS.taskId]) {
    if (annotations[key]) entityAnnotations[key] = annotations[key];
  }
  if (expiresAt) entityAnnotations[KEBAP_ANNOTATIONS.expiresAt] = expiresAt;

  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      title: `${order} (${env} ${titles[kind] ?? kind})`,
      ...(purpose ? { description: purpose } : {}),
      annotations: entityAnnotations,
      tags: ['kebap', env, kind].filter(t => /^[a-z0-9:+#-]+$/.test(t)),
    },
    spec: {
      type: resourceTypes[kind] ?? kind,
      owner: ownerRef,
      system: 'kebap',
    },
  };
}
