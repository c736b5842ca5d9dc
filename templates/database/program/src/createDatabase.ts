import { createAwsPostgres } from './awsPostgres';
import { createGcpPostgres } from './gcpPostgres';
import { DatabaseArgs, DatabaseOutputs } from './DatabaseArgs';

/** The managed services this program knows; add one with its create function. */
export const clouds = {
  aws: (args: DatabaseArgs) => createAwsPostgres(args),
  gcp: (args: DatabaseArgs & { network?: string }) => createGcpPostgres(args),
} as const;

/** Creates the database in the cloud named by `cloud`. */
export function createDatabase(
  cloud: string,
  args: DatabaseArgs & { network?: string },
): DatabaseOutputs {
  const create = (
    clouds as Record<string, (a: typeof args) => DatabaseOutputs>
  )[cloud];
  if (!create)
    throw new Error(
      `cloud: '${cloud}' is not one of ${Object.keys(clouds).join(', ')}`,
    );
  return create(args);
}
