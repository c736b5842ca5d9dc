import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { DATABASE, PORT, USERNAME, connectionSecret } from './connectionSecret';
import {
  DatabaseArgs,
  DatabaseOutputs,
  checkDatabaseArgs,
} from './DatabaseArgs';

/**
 * PostgreSQL on Google Cloud SQL: a generated password, a regional instance
 * with a private IP only, its database and user, and the connection Secret.
 * Same resources as programs/postgres/gcp/Pulumi.yaml.
 */
export function createGcpPostgres(
  args: DatabaseArgs & { network?: string },
): DatabaseOutputs {
  checkDatabaseArgs(args);
  const provider = new gcp.Provider('gcp', {
    region: args.region,
    defaultLabels: { 'kebap-order': args.dbName, 'kebap-env': 'prod' },
  });
  const opts = { provider };
  const client = gcp.organizations.getClientConfigOutput(opts);
  const password = new random.RandomPassword('password', {
    length: 32,
    special: false,
  });
  const instance = new gcp.sql.DatabaseInstance(
    'instance',
    {
      name: `prod-${args.dbName}`,
      region: args.region,
      databaseVersion: `POSTGRES_${args.engineVersion}`,
      deletionProtection: false,
      settings: {
        tier: args.size,
        diskSize: args.storageGb,
        diskType: 'PD_SSD',
        availabilityType: 'REGIONAL',
        backupConfiguration: {
          enabled: true,
          pointInTimeRecoveryEnabled: true,
        },
        ipConfiguration: {
          ipv4Enabled: false,
          privateNetwork: pulumi.interpolate`projects/${
            client.project
          }/global/networks/${args.network ?? 'default'}`,
          sslMode: 'ENCRYPTED_ONLY',
        },
      },
    },
    opts,
  );
  const database = new gcp.sql.Database(
    'database',
    { name: DATABASE, instance: instance.name },
    opts,
  );
  const user = new gcp.sql.User(
    'user',
    { name: USERNAME, instance: instance.name, password: password.result },
    opts,
  );
  const { secret, uri, readerBinding } = connectionSecret(
    {
      dbName: args.dbName,
      name: args.connectionSecretName,
      namespace: args.connectionSecretNamespace,
      host: instance.privateIpAddress,
      password: password.result,
      readerServiceAccount: args.readerServiceAccount,
      readerNamespace: args.readerNamespace,
    },
    { dependsOn: [database, user] },
  );
  return {
    host: instance.privateIpAddress,
    port: PORT,
    database: DATABASE,
    username: USERNAME,
    connectionSecret: args.connectionSecretName,
    password: pulumi.secret(password.result),
    uri,
    secret,
    readerBinding,
  };
}
