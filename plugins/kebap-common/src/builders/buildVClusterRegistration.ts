import type { ISecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/SecretStore';
import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import { OrderMetadata } from '../ownership/orderMetadata';
import { vclusterNamespace, vclusterServer } from './buildVClusterOrder';

/**
 * The service account in Argo CD's namespace that External Secrets Operator
 * uses to read `vc-*` Secrets; the platform's GitOps tree grants it that
 * read (and nothing else).
 */
export const VCLUSTER_READER_SERVICE_ACCOUNT = 'kebap-vcluster-reader';

/**
 * Registers a vCluster in Argo CD without its credentials passing through
 * the portal: a SecretStore with the `kubernetes` provider reads the
 * vCluster's own kubeconfig Secret `vc-<name>`, and an ExternalSecret
 * templates from it an Argo CD cluster Secret (`argocd.argoproj.io/secret-type:
 * cluster`, `env: dev`) with TLS client credentials. Certificate rotation in
 * the vCluster reaches Argo CD on the next refresh.
 */
export function buildVClusterRegistration(input: {
  name: string;
  metadata: OrderMetadata;
  argocdNamespace: string;
  refreshInterval?: string;
}): {
  clusterName: string;
  server: string;
  objects: [ISecretStore, IExternalSecret];
} {
  const ns = vclusterNamespace(input.name);
  const clusterName = `dev-${input.name}`;
  const server = vclusterServer(input.name);
  const storeName = `vc-${input.name}-kubeconfig`;
  const meta = () => ({
    labels: { ...input.metadata.labels },
    annotations: { ...input.metadata.annotations },
  });
  const store: ISecretStore = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'SecretStore',
    metadata: { name: storeName, namespace: input.argocdNamespace, ...meta() },
    spec: {
      provider: {
        kubernetes: {
          remoteNamespace: ns,
          server: {
            url: 'https://kubernetes.default.svc',
            caProvider: {
              type: 'ConfigMap',
              name: 'kube-root-ca.crt',
              key: 'ca.crt',
            },
          },
          auth: { serviceAccount: { name: VCLUSTER_READER_SERVICE_ACCOUNT } },
        },
      },
    },
  };
  const config =
    '{"tlsClientConfig":{"caData":"{{ index . "certificate-authority" | b64enc }}",' +
    '"certData":"{{ index . "client-certificate" | b64enc }}",' +
    '"keyData":"{{ index . "client-key" | b64enc }}"}}';
  const externalSecret: IExternalSecret = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: `cluster-${clusterName}`,
      namespace: input.argocdNamespace,
      ...meta(),
    },
    spec: {
      refreshInterval: input.refreshInterval ?? '15m',
      secretStoreRef: { kind: 'SecretStore', name: storeName },
      target: {
        name: `cluster-${clusterName}`,
        creationPolicy: 'Owner',
        template: {
          engineVersion: 'v2',
          metadata: {
            labels: {
              ...input.metadata.labels,
              'argocd.argoproj.io/secret-type': 'cluster',
              env: 'dev',
            },
            annotations: { ...input.metadata.annotations },
          },
          data: { name: clusterName, server, config },
        },
      },
      data: ['certificate-authority', 'client-certificate', 'client-key'].map(
        key => ({
          secretKey: key,
          remoteRef: { key: `vc-${input.name}`, property: key },
        }),
      ),
    },
  } as IExternalSecret;
  return { clusterName, server, objects: [store, externalSecret] };
}
