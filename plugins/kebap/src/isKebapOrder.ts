import type { Entity } from '@backstage/catalog-model';

/** The annotation the catalog module puts on every entity the portal ordered. */
const KEBAP_ORDER_ANNOTATION = 'kebap.io/order'; // KEBAP_LABELS.order, as a literal for the filter's type

/**
 * The entity filter of the plugin's card and tab, as a filter predicate:
 * `Resource` entities with a `kebap.io/order` annotation.
 */
export const kebapOrderFilter = {
  kind: 'resource',
  [`metadata.annotations.${KEBAP_ORDER_ANNOTATION}`]: { $exists: true },
};

/** Whether the entity is something the portal ordered. */
export function isKebapOrder(entity: Entity): boolean {
  return (
    entity.kind.toLocaleLowerCase('en-US') === 'resource' &&
    Boolean(entity.metadata.annotations?.[KEBAP_ORDER_ANNOTATION])
  );
}
