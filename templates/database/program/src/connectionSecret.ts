import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export const DATABASE = 'app';
export const USERNAME = 'app_admin';
export const PORT = 5432;

/**
 * The connection details as a Secret in the Stack's namespace on the
 * control-plane cluster, and the Role (with its binding) that lets only the
 * owner's reader ServiceAccount `get` that one Secret; the order copies it
 * into the owner's namespace as that ServiceAccount (External Secrets
 * Operator). Returns the Secret and the secret uri.
 */
export function connectionSecret(
  args: {
    dbName: string;
    name: string;
    namespace: string;
    host: pulumi.Input<string>;
    password: pulumi.Input<string>;
    readerServiceAccount: string;
    readerNamespace: string;
  },
  opts?: pulumi.CustomResourceOptions,
): {
  secret: k8s.core.v1.Secret;
  uri: pulumi.Output<string>;
  readerBinding: k8s.rbac.v1.RoleBinding;
} {
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
  const labels = { 'kebap.io/order': args.dbName, 'kebap.io/env': 'prod' };
  const reader = new k8s.rbac.v1.Role('connectionReader', {
    metadata: {
      name: `${args.name}-reader`,
      namespace: args.namespace,
      labels,
    },
    rules: [
      {
        apiGroups: [''],
        resources: ['secrets'],
        resourceNames: [args.name],
        verbs: ['get'],
      },
    ],
  });
  const readerBinding = new k8s.rbac.v1.RoleBinding(
    'connectionReaderBinding',
    {
      metadata: {
        name: `${args.name}-reader`,
        namespace: args.namespace,
        labels,
      },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: reader.metadata.name,
      },
      subjects: [
        {
          kind: 'ServiceAccount',
          name: args.readerServiceAccount,
          namespace: args.readerNamespace,
        },
      ],
    },
    // the grant follows the Secret it is about
    { dependsOn: [secret] },
  );
  return { secret, uri, readerBinding };
}
