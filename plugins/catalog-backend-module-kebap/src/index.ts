/**
 * The KEBAP portal's catalog module.
 *
 * @packageDocumentation
 */
export { catalogModuleKebap as default } from './module';
export { KebapOrdersEntityProvider } from './KebapOrdersEntityProvider';
export { orderToEntity } from './orderToEntity';
export type { OrderedObject } from './orderToEntity';
