import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { DATABASE, PORT, USERNAME, connectionSecret } from './connectionSecret';
import {
  DatabaseArgs,
  DatabaseOutputs,
  checkDatabaseArgs,
} from './DatabaseArgs';

/**
 * PostgreSQL on AWS RDS: a generated password, an encrypted private
 * instance (final snapshot kept on destroy), and the connection Secret.
 * Same resources as programs/postgres/aws/Pulumi.yaml.
 */
export function createAwsPostgres(args: DatabaseArgs): DatabaseOutputs {
  checkDatabaseArgs(args);
  const provider = new aws.Provider('aws', {
    region: args.region as aws.Region,
    defaultTags: {
      tags: { 'kebap.io/order': args.dbName, 'kebap.io/env': 'prod' },
    },
  });
  const password = new random.RandomPassword('password', {
    length: 32,
    special: false,
  });
  const db = new aws.rds.Instance(
    'db',
    {
      identifier: `prod-${args.dbName}`,
      engine: 'postgres',
      engineVersion: args.engineVersion,
      instanceClass: args.size,
      allocatedStorage: args.storageGb,
      storageType: 'gp3',
      storageEncrypted: true,
      dbName: DATABASE,
      username: USERNAME,
      password: password.result,
      port: PORT,
      publiclyAccessible: false,
      backupRetentionPeriod: 7,
      deletionProtection: false,
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: `prod-${args.dbName}-final`,
    },
    { provider },
  );
  const { secret, uri, readerBinding } = connectionSecret({
    dbName: args.dbName,
    name: args.connectionSecretName,
    namespace: args.connectionSecretNamespace,
    host: db.address,
    password: password.result,
    readerServiceAccount: args.readerServiceAccount,
    readerNamespace: args.readerNamespace,
  });
  return {
    host: db.address,
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
