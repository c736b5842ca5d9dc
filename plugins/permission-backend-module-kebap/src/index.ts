/**
 * The KEBAP portal's permission policy module.
 *
 * @packageDocumentation
 */
export { permissionModuleKebapPolicy as default } from './module';
export {
  KebapPermissionPolicy,
  OWNER_CHECKED_ACTIONS,
  PLATFORM_ONLY_ACTIONS,
  STACK_ACTION,
  ownerSpellings,
} from './KebapPermissionPolicy';
export type { KebapPermissionSettings } from './KebapPermissionPolicy';
