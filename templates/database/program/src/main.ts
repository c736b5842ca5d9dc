/*
 * The Pulumi entry point (Pulumi.yaml `main`): reads the stack's config and
 * creates the database. The functions it calls are unit-tested with Pulumi's
 * runtime mocks.
 */
import * as pulumi from '@pulumi/pulumi';
import { createDatabase } from './createDatabase';

const config = new pulumi.Config();
const result = createDatabase(config.require('cloud'), {
  dbName: config.require('dbName'),
  region: config.require('region'),
  engineVersion: config.require('engineVersion'),
  size: config.require('size'),
  storageGb: config.requireNumber('storageGb'),
  network: config.get('network'),
  connectionSecretName: config.require('connectionSecretName'),
  connectionSecretNamespace: config.require('connectionSecretNamespace'),
  readerServiceAccount: config.require('readerServiceAccount'),
  readerNamespace: config.require('readerNamespace'),
});

export const host = result.host;
export const port = result.port;
export const database = result.database;
export const username = result.username;
export const connectionSecret = result.connectionSecret;
export const password = result.password;
export const uri = result.uri;
