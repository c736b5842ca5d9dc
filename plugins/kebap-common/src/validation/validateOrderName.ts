import { Issue } from './Issue';

/**
 * Names the platform keeps for itself: no order may take them.
 */
export const RESERVED_NAMES: readonly string[] = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'argocd',
  'external-secrets',
  'pulumi-kubernetes-operator',
  'kyverno',
  'kebap-system',
  'backstage',
];

/**
 * Longest vCluster name. The name becomes: the namespace `vc-<name>` (63 max
 * → 60), the vCluster StatefulSet `<name>` whose pods carry the label
 * `controller-revision-hash: <name>-<10 chars>` (63 max → 52), the Service
 * `<name>-headless` (63 → 54), the catalog entity `dev-<name>`, and the Argo
 * CD cluster Secret `cluster-dev-<name>`. 40 leaves room for all of them and
 * for the `-x-<namespace>-x-<name>` names vCluster gives synced objects.
 */
export const VCLUSTER_NAME_MAX_LENGTH = 40;

/**
 * Longest Stack name: the Pulumi Kubernetes Operator's CRD allows 42
 * (`size(self.metadata.name) <= 42`); the Program the portal may create next
 * to it is `<name>-program` (well within 253).
 */
export const STACK_NAME_MAX_LENGTH = 42;

const dns1123Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * An order name: a DNS-1123 label starting with a letter, ASCII only (no
 * look-alike letters from other scripts), no longer than `maxLength`, and
 * not a reserved name.
 */
export function validateOrderName(
  value: unknown,
  options: { field: string; maxLength: number; reserved?: readonly string[] },
): Issue[] {
  const { field, maxLength } = options;
  if (typeof value !== 'string' || value.length === 0) {
    return [
      { field, rule: 'required', message: 'is required and must be text' },
    ];
  }
  const issues: Issue[] = [];
  if (value.length > maxLength) {
    issues.push({
      field,
      rule: 'max-length',
      message: `is ${value.length} characters long; at most ${maxLength} fit after the prefixes and suffixes the portal adds`,
    });
  }
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(value)) {
    issues.push({
      field,
      rule: 'ascii',
      message: `'${value}' contains non-ASCII characters (look-alike letters are refused)`,
    });
  } else if (!dns1123Label.test(value)) {
    issues.push({
      field,
      rule: 'dns-1123-label',
      message: `'${value}' must be lowercase letters, digits and '-', start with a letter and end with a letter or digit`,
    });
  }
  if ((options.reserved ?? RESERVED_NAMES).includes(value)) {
    issues.push({
      field,
      rule: 'reserved',
      message: `'${value}' is reserved by the platform`,
    });
  }
  return issues;
}
