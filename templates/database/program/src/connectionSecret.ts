import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export const DATABASE = 'app';
export const USERNAME = 'app_admin';
export const PORT = 5432;

/**
 * The connection details as a Secret in the Stack's namespace on the
 * control-plane cluster; the order copies it into the owner's namespace
 * (External Secrets Operator). Returns the Secret and the secret uri.
 */
export function connectionSecret(
  args: {
    dbName: string;
    name: string;
    namespace: string;
    host: pulumi.Input<string>;
    password: pulumi.Input<string>;
  },
  opts?: pulumi.CustomResourceOptions,
): { secret: k8s.core.v1.Secret; uri: pulumi.Output<string> } {
  const uri = pulumi.secret(
    pulumi.interpolate`postgresql://${USERNAME}:${args.password}@${args.host}:${PORT}/${DATABASE}?sslmode=require`,
  );
  const secret = new k8s.core.v1.Secret(
    'connection',
    {
      metadata: {
        name: args.name,
        namespace: args.namespace,
        labels: { 'kebap.io/order': args.dbName, 'kebap.io/env': 'prod' },
      },
      type: 'Opaque',
      stringData: {
        host: args.host,
        port: String(PORT),
        database: DATABASE,
        username: USERNAME,
        password: args.password,
        uri,
      },
    },
    opts,
  );
  return { secret, uri };
}
