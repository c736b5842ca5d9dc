import { Issue } from './Issue';
import { validateOrderName } from './validateOrderName';

// eslint-disable-next-line no-control-regex
const controlOrBackslash = /[\x00-\x1f\x7f\\]/;

/** A namespace name: a DNS-1123 label (63 max), not a reserved one. */
export function validateNamespace(
  value: unknown,
  options: { field: string },
): Issue[] {
  return validateOrderName(value, { field: options.field, maxLength: 63 });
}

const dns1123Subdomain =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Secret (or other object) name: a DNS-1123 subdomain of at most 253 characters. */
export function validateSecretName(
  value: unknown,
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (!isText(value)) return required(field);
  if (value.length > 253 || !dns1123Subdomain.test(value)) {
    return [
      {
        field,
        rule: 'dns-1123-subdomain',
        message: `'${value.slice(
          0,
          80,
        )}' is not a valid object name (lowercase letters, digits, '-' and '.', at most 253)`,
      },
    ];
  }
  return [];
}

/** A Kubernetes label value: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends. */
export function validateLabelValue(
  value: unknown,
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (typeof value !== 'string') {
    return [{ field, rule: 'type', message: 'must be text' }];
  }
  if (
    value.length > 63 ||
    !/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(value)
  ) {
    return [
      {
        field,
        rule: 'label-value',
        message: `'${value.slice(0, 80)}' is not a valid label value`,
      },
    ];
  }
  return [];
}

/** Free text (a purpose, a description): bounded, printable, one paragraph or a few. */
export function validateFreeText(
  value: unknown,
  options: { field: string; maxLength: number },
): Issue[] {
  const { field, maxLength } = options;
  if (typeof value !== 'string') {
    return [{ field, rule: 'type', message: 'must be text' }];
  }
  const issues: Issue[] = [];
  if (value.length > maxLength) {
    issues.push({
      field,
      rule: 'max-length',
      message: `is ${value.length} characters long; at most ${maxLength}`,
    });
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(value)) {
    issues.push({
      field,
      rule: 'printable',
      message: 'contains control characters',
    });
  }
  return issues;
}

/** A Pulumi stack identifier `org/project/stack`. */
export function validateStackIdentifier(
  value: unknown,
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (
    typeof value !== 'string' ||
    !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(value) ||
    value.length > 300
  ) {
    return [
      {
        field,
        rule: 'stack-identifier',
        message: `'${String(value).slice(
          0,
          80,
        )}' must be org/project/stack, each of letters, digits, '_', '.', '-'`,
      },
    ];
  }
  if (value.split('/').some(p => p === '.' || p === '..')) {
    return [
      {
        field,
        rule: 'stack-identifier',
        message: "parts may not be '.' or '..'",
      },
    ];
  }
  return [];
}

/** A Git repository URL: https:// or git@host:path, no whitespace, no '..' segments. */
export function validateGitUrl(
  value: unknown,
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (!isText(value)) return required(field);
  // eslint-disable-next-line no-control-regex
  const bad = /[\s\x00-\x1f\x7f]/.test(value) || value.length > 2000;
  const https =
    /^https:\/\/[A-Za-z0-9.-]+(:[0-9]+)?(\/[A-Za-z0-9._~%@+-]+)+\/?$/.test(
      value,
    );
  const ssh = /^git@[A-Za-z0-9.-]+:[A-Za-z0-9._~/-]+$/.test(value);
  if (bad || !(https || ssh)) {
    return [
      {
        field,
        rule: 'git-url',
        message: `'${value.slice(
          0,
          80,
        )}' is not an https:// or git@host:path repository URL`,
      },
    ];
  }
  if (value.split(/[/:]/).some(p => p === '..')) {
    return [
      {
        field,
        rule: 'path-traversal',
        message: "may not contain '..' segments",
      },
    ];
  }
  return [];
}

/** A folder inside a repository: relative, no '..', no leading '/'. */
export function validateRepoDir(
  value: unknown,
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (typeof value !== 'string') {
    return [{ field, rule: 'type', message: 'must be text' }];
  }
  // eslint-disable-next-line no-control-regex
  if (
    value.startsWith('/') ||
    value.split('/').includes('..') ||
    controlOrBackslash.test(value) ||
    value.length > 500
  ) {
    return [
      {
        field,
        rule: 'relative-path',
        message: `'${value.slice(
          0,
          80,
        )}' must be a relative path inside the repository, without '..'`,
      },
    ];
  }
  return [];
}

/**
 * One of a fixed list of values. Compares with the list only, so names of
 * object properties such as `__proto__` or `constructor` are never taken for
 * a configured key.
 */
export function validateOneOf(
  value: unknown,
  allowed: readonly string[],
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    return [
      {
        field,
        rule: 'enum',
        message: `'${String(value).slice(0, 80)}' is not one of ${allowed.join(
          ', ',
        )}`,
      },
    ];
  }
  return [];
}

/**
 * What an order is (`database`, `cluster`, …): it becomes the `kebap.io/kind`
 * label and the catalog entity's type, so a lowercase DNS-1123 label.
 */
export function validateOrderKind(
  value: unknown,
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (
    typeof value !== 'string' ||
    value.length > 63 ||
    !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)
  ) {
    return [
      {
        field,
        rule: 'order-kind',
        message: `'${String(value).slice(
          0,
          80,
        )}' must be lowercase letters, digits and '-' (at most 63), e.g. database`,
      },
    ];
  }
  return [];
}

/**
 * A key (or path) in the secret store, as an ExternalSecret names it:
 * printable, no whitespace, no '..' segments, at most 1000 characters.
 */
export function validateRemoteKey(
  value: unknown,
  options: { field: string },
): Issue[] {
  const { field } = options;
  if (!isText(value)) return required(field);
  if (
    value.length > 1000 ||
    // eslint-disable-next-line no-control-regex
    /[\s\x00-\x1f\x7f\\]/.test(value) ||
    value.split('/').includes('..')
  ) {
    return [
      {
        field,
        rule: 'remote-key',
        message: `'${value.slice(
          0,
          80,
        )}' must be a store key without whitespace, control characters, '\\' or '..' segments (at most 1000)`,
      },
    ];
  }
  return [];
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function required(field: string): Issue[] {
  return [{ field, rule: 'required', message: 'is required and must be text' }];
}
