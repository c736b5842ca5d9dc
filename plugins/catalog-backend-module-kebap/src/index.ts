/**
 * The KEBAP portal's catalog module.
 *
 * @packageDocumentation
 */
export { catalogModuleKebap as default } from './module';
export { KebapOrdersEntityProvider } from './KebapOrdersEntityProvider';
export {
  KebapClusterEntityProvider,
  KEBAP_LOCATION_KEY,
} from './KebapClusterEntityProvider';
export { orderToEntity } from './orderToEntity';
export type { OrderedObject } from './orderToEntity';
