/**
 * The KEBAP portal's scaffolder backend module.
 *
 * @packageDocumentation
 */
export { scaffolderModuleKebap as default } from './module';
export { createPulumiNewAction } from './actions/pulumi/new';
export { createPulumiUpAction } from './actions/pulumi/up';
export { PulumiCli } from './pulumi/PulumiCli';
export type { PulumiRunOptions } from './pulumi/PulumiCli';
