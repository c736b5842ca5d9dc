import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import type { IClusterSecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ClusterSecretStore';
import { OrderMetadata } from '../ownership/orderMetadata';
import { ARGOCD_SYNC_WAVE, STACK_PREREQUISITE_WAVE } from './syncWaves';

/**
 * The provider of the store an ExternalSecret reads from, as far as the shape
 * of `remoteRef` goes: `pulumi` (Pulumi ESC) or another ESO provider
 * (`kubernetes`, `vault`, `aws`, …).
 */
export type SecretStoreProvider = 'pulumi' | (string & {});

/** One key of the Secret and where its value lives in the store. */
export interface ExternalSecretDataInput {
  secretKey: string;
  /** the store's key (for Pulumi ESC: a property path into the environment) */
  remoteKey: string;
  /** a property of the value at remoteKey */
  property?: string;
}

/**
 * One property as a Pulumi property path step: `.name` for letters, digits
 * and '_', else `["name"]` with '"' escaped (pulumi/pulumi
 * `sdk/go/common/resource/properties_path.go`, `PropertyPath.String` and the
 * parser ESO's Pulumi provider uses).
 */
export function pulumiPropertyPathStep(property: string): string {
  return /^[A-Za-z0-9_]+$/.test(property)
    ? `.${property}`
    : `["${property.replace(/"/g, '\\"')}"]`;
}

/**
 * `remoteRef` for a store of the given provider. ESO's Pulumi ESC provider
 * reads only `remoteRef.key`, as a property path into the environment, and
 * ignores `property` (docs/upstream-contracts.md ESO-2): the property is
 * joined into the key, e.g. `aws-credentials` + `AWS_ACCESS_KEY_ID` →
 * `aws-credentials.AWS_ACCESS_KEY_ID`. Other providers read `property` (for
 * `kubernetes`: a data key of the Secret named by `key`): kept as given.
 */
export function remoteRefFor(
  provider: SecretStoreProvider,
  remoteKey: string,
  property?: string,
): { key: string; property?: string } {
  if (property === undefined || property === '') return { key: remoteKey };
  if (provider === 'pulumi')
    return { key: `${remoteKey}${pulumiPropertyPathStep(property)}` };
  return { key: remoteKey, property };
}

/** An ExternalSecret: ESO keeps the Secret `target.name` filled from a store. */
export function buildExternalSecret(input: {
  name: string;
  namespace: string;
  storeRef: { name: string; kind: 'ClusterSecretStore' | 'SecretStore' };
  /** the store's provider: decides the shape of each `remoteRef` */
  provider: SecretStoreProvider;
  target: {
    name: string;
    creationPolicy?: 'Owner' | 'Orphan' | 'Merge' | 'None';
  };
  data?: ExternalSecretDataInput[];
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
      remoteRef: remoteRefFor(input.provider, d.remoteKey, d.property),
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
