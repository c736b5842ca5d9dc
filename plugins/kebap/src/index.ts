/**
 * The KEBAP portal's frontend plugin: the status of ordered resources on
 * their entity pages (new frontend system).
 *
 * @packageDocumentation
 */
export { kebapPlugin as default } from './plugin';
export { kebapApiRef } from './api/KebapApi';
export type { KebapApi } from './api/KebapApi';
export { KebapClient } from './api/KebapClient';
export { isKebapOrder } from './isKebapOrder';
