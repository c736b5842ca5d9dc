import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import type { IClusterSecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore';
import { OrderMetadata } from '../ownership/orderMetadata';
import { ARGOCD_SYNC_WAVE, STACK_PREREQUISITE_WAVE } from './syncWaves';

/** An ExternalSecret: ESO keeps the Secret `target.name` filled from a store. */
export function buildExternalSecret(input: {
  name: string;
  namespace: string;
  storeRef: { name: string; kind: 'ClusterSecretStore' | 'SecretStore' };
  target: {
    name: string;
    creationPolicy?: 'Owner' | 'Orphan' | 'Merge' | 'None';
  };
  data?: Array<{
    secretKey: string;
    remoteRef: { key: string; property?: string };
  }>;
  dataFrom?: Array<{ extract: { key: string } }>;
  refreshInterval?: string;
  metadata: OrderMetadata;
}): IExternalSecret {
  const spec: Record<string, unknown> = {
    refreshInterval: input.refreshInterval ?? '1h',
    secretStoreRef: { name: input.storeRef.name, kind: input.storeRef.kind },
    target: {
      name: input.target.name,
      creationPolicy: input.target.creationPolicy ?? 'Owner',
    },
  };
  if (input.data?.length) {
    spec.data = input.data.map(d => ({
      secretKey: d.secretKey,
      remoteRef:
        d.remoteRef.property === undefined
          ? { key: d.remoteRef.key }
          : { key: d.remoteRef.key, property: d.remoteRef.property },
    }));
  }
  if (input.dataFrom?.length)
    spec.dataFrom = input.dataFrom.map(d => ({
      extract: { key: d.extract.key },
    }));
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: { ...input.metadata.labels },
      // credentials of a Stack: kept until the Stack is gone (syncWaves.ts)
      annotations: {
        ...input.metadata.annotations,
        [ARGOCD_SYNC_WAVE]: STACK_PREREQUISITE_WAVE,
      },
    },
    spec: spec as IExternalSecret['spec'],
  };
}

/** A ClusterSecretStore backed by Pulumi ESC. */
export function buildPulumiEscClusterSecretStore(input: {
  name: string;
  organization: string;
  project: string;
  environment: string;
  accessTokenSecretRef: { name: string; namespace: string; key: string };
}): IClusterSecretStore {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ClusterSecretStore',
    metadata: { name: input.name },
    spec: {
      provider: {
        pulumi: {
          organization: input.organization,
          project: input.project,
          environment: input.environment,
          auth: {
            accessToken: { secretRef: { ...input.accessTokenSecretRef } },
          },
        },
      },
    },
    // The published model predates `auth.accessToken` (ESO >= 2.5, in the
    // served CRD); the tests validate this object against the real CRD.
  } as unknown as IClusterSecretStore;
}
