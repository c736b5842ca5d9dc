/**
 * The database Pulumi program in TypeScript; `src/main.ts` is Pulumi's entry
 * point.
 *
 * @packageDocumentation
 */
export { createDatabase, clouds } from './createDatabase';
export { createAwsPostgres } from './awsPostgres';
export { createGcpPostgres } from './gcpPostgres';
export { connectionSecret } from './connectionSecret';
export { checkDatabaseArgs } from './DatabaseArgs';
export type { DatabaseArgs, DatabaseOutputs } from './DatabaseArgs';
