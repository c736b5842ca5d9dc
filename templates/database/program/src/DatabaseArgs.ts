import type * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';

/** What the database form asks, as Stack config. */
export interface DatabaseArgs {
  /** the order name; the instance is prod-<dbName> */
  dbName: string;
  region: string;
  /** PostgreSQL major version, e.g. 16 */
  engineVersion: string;
  /** instance class (AWS) or tier (Google Cloud) */
  size: string;
  storageGb: number;
  /** the Secret the program writes on the control plane, and its namespace */
  connectionSecretName: string;
  connectionSecretNamespace: string;
  /** the ServiceAccount (and its namespace, the owner's) allowed to read the connection Secret */
  readerServiceAccount: string;
  readerNamespace: string;
}

/** The outputs of a database program; password and uri are secret. */
export interface DatabaseOutputs {
  host: pulumi.Output<string>;
  port: number;
  database: string;
  username: string;
  connectionSecret: string;
  password: pulumi.Output<string>;
  uri: pulumi.Output<string>;
  /** the connection Secret */
  secret: k8s.core.v1.Secret;
  /** who may read it (registered last: it depends on the Secret) */
  readerBinding: k8s.rbac.v1.RoleBinding;
}

/** Refuses what no cloud accepts, before anything is created. */
export function checkDatabaseArgs(args: DatabaseArgs): void {
  const problems: string[] = [];
  if (!/^[a-z]([-a-z0-9]{0,28}[a-z0-9])?$/.test(args.dbName))
    problems.push(
      `dbName: '${args.dbName}' must be a DNS label of at most 30 characters`,
    );
  if (!/^[0-9]{2}$/.test(args.engineVersion))
    problems.push(
      `engineVersion: '${args.engineVersion}' is not a major version like 16`,
    );
  if (
    !Number.isInteger(args.storageGb) ||
    args.storageGb < 20 ||
    args.storageGb > 2000
  )
    problems.push('storageGb: must be a whole number from 20 to 2000');
  if (problems.length) throw new Error(problems.join('; '));
}
