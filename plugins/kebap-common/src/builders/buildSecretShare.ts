import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { ISecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1/SecretStore';
import type { IExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret';
import { Issue } from '../validation/Issue';
import {
  validateNamespace,
  validateSecretName,
} from '../validation/validators';
import { OrderMetadata } from '../ownership/orderMetadata';

/** What to share: one Secret of the Stack's namespace, copied into another namespace. */
export interface SecretShareInput {
  /** the Secret the order's program writes, in `fromNamespace` */
  secretName: string;
  /** the Stack's namespace on the control-plane cluster */
  fromNamespace: string;
  /** the namespace that receives the copy (the owner's) */
  toNamespace: string;
  /** name of the copy (default: secretName) */
  targetName?: string;
  refreshInterval?: string;
}

/** The rules a share must satisfy, as issues naming field and rule. */
export function validateSecretShare(
  input: SecretShareInput,
  options: { field: string },
): Issue[] {
  const { field } = options;
  const issues = [
    ...validateSecretName(input.secretName, { field: `${field}.secretName` }),
    ...validateNamespace(input.toNamespace, { field: `${field}.namespace` }),
  ];
  if (input.targetName !== undefined) {
    issues.push(
      ...validateSecretName(input.targetName, {
        field: `${field}.targetName`,
      }),
    );
  }
  if (input.toNamespace === input.fromNamespace) {
    issues.push({
      field: `${field}.namespace`,
      rule: 'other-namespace',
      message: 'is the Stack’s own namespace; the Secret is already there',
    });
  }
  if (
    input.refreshInterval !== undefined &&
    !/^([0-9]+(s|m|h))+$/.test(input.refreshInterval)
  ) {
    issues.push({
      field: `${field}.refreshInterval`,
      rule: 'duration',
      message: `'${input.refreshInterval}' is not a duration like 1h or 15m`,
    });
  }
  return issues;
}

/** The ServiceAccount (in the owner's namespace) that reads the shared Secret. */
export function secretShareReader(input: {
  secretName: string;
  toNamespace: string;
}): { name: string; namespace: string } {
  return {
    name: `${input.secretName}-reader`.slice(0, 253),
    namespace: input.toNamespace,
  };
}

/**
 * Copies one Secret from the Stack's namespace into the owner's namespace
 * with External Secrets Operator's `kubernetes` provider, so that the
 * connection details a program writes reach the team without passing
 * through the portal, Git or the Stack's outputs:
 *
 * - a ServiceAccount in the owner's namespace (ESO requests tokens for it),
 * - a SecretStore in the owner's namespace reading the Stack's namespace as
 *   that ServiceAccount,
 * - an ExternalSecret that keeps the copy (every key of the source Secret).
 *
 * The permission to read the Secret is not part of the order: the program
 * that writes the Secret grants it (a Role that may `get` that one Secret,
 * bound to {@link secretShareReader}), so neither the portal nor the order
 * ever holds or hands out rights on the Stack's namespace, and the grant is
 * destroyed with the Secret. When the program rotates the Secret, the copy
 * follows within `refreshInterval`; when the order is removed, the copy goes
 * with it (`creationPolicy: Owner`).
 */
export function buildSecretShare(
  input: SecretShareInput & { metadata: OrderMetadata },
): [IServiceAccount, ISecretStore, IExternalSecret] {
  const reader = secretShareReader(input).name;
  const targetName = input.targetName ?? input.secretName;
  const meta = () => ({
    labels: { ...input.metadata.labels },
    annotations: { ...input.metadata.annotations },
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: reader, namespace: input.toNamespace, ...meta() },
    },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'SecretStore',
      metadata: { name: reader, namespace: input.toNamespace, ...meta() },
      spec: {
        provider: {
          kubernetes: {
            remoteNamespace: input.fromNamespace,
            server: {
              url: 'https://kubernetes.default.svc',
              caProvider: {
                type: 'ConfigMap',
                name: 'kube-root-ca.crt',
                key: 'ca.crt',
              },
            },
            auth: { serviceAccount: { name: reader } },
          },
        },
      },
    },
    {
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: targetName, namespace: input.toNamespace, ...meta() },
      spec: {
        refreshInterval: input.refreshInterval ?? '15m',
        secretStoreRef: { kind: 'SecretStore', name: reader },
        target: { name: targetName, creationPolicy: 'Owner' },
        dataFrom: [{ extract: { key: input.secretName } }],
      },
    } as IExternalSecret,
  ];
}
