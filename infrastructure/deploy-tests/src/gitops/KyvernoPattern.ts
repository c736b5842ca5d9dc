/**
 * Kyverno's `validate.pattern` matching, for the subset the platform's
 * policies use, so tests can check real objects against the policies
 * without a cluster. Test-only. Supported:
 *
 * - maps: every key of the pattern must be in the value and match;
 *   `=(key)` (equality anchor) matches when the key is absent;
 * - lists: every element of the value must match the pattern's element;
 * - strings: `a | b` (any), `a & b` (all), `!x` (not), wildcards `*` and
 *   `?` (`?*`: not empty), and `<=`, `>=`, `<`, `>` on numbers and
 *   Kubernetes quantities (`16Gi`, `500m`);
 * - numbers and booleans: equality.
 *
 * Returns the paths that do not match (empty: the object passes).
 */
export function matchPattern(
  value: unknown,
  pattern: unknown,
  path = '',
): string[] {
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((v, i) =>
      matchPattern(v, pattern[0], `${path}[${i}]`),
    );
  }
  if (pattern && typeof pattern === 'object') {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      return [`${path}: expected a map`];
    const obj = value as Record<string, unknown>;
    return Object.entries(pattern as Record<string, unknown>).flatMap(
      ([rawKey, p]) => {
        const optional = /^=\((.+)\)$/.exec(rawKey);
        const key = optional ? optional[1] : rawKey;
        if (!(key in obj)) return optional ? [] : [`${path}.${key}: missing`];
        return matchPattern(obj[key], p, `${path}.${key}`);
      },
    );
  }
  if (typeof pattern === 'string') {
    return matchString(value, pattern)
      ? []
      : [`${path}: ${JSON.stringify(value)} does not match '${pattern}'`];
  }
  return value === pattern
    ? []
    : [`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(pattern)}`];
}

const units: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/** A number or Kubernetes quantity, or undefined. */
export function quantity(v: unknown): number | undefined {
  const m = /^(-?\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(
    String(v).trim(),
  );
  return m ? Number(m[1]) * units[m[2] ?? ''] : undefined;
}

function glob(value: string, pattern: string): boolean {
  const re = pattern
    .split('')
    .map(c => {
      if (c === '*') return '.*';
      if (c === '?') return '.';
      return c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${re}$`, 's').test(value);
}

function matchTerm(value: unknown, term: string): boolean {
  const t = term.trim();
  if (t.startsWith('!')) return !matchTerm(value, t.slice(1));
  const cmp = /^(<=|>=|<|>)\s*(.+)$/.exec(t);
  if (cmp) {
    const a = quantity(value);
    const b = quantity(cmp[2]);
    if (a === undefined || b === undefined) return false;
    switch (cmp[1]) {
      case '<=':
        return a <= b;
      case '>=':
        return a >= b;
      case '<':
        return a < b;
      default:
        return a > b;
    }
  }
  if (value === undefined || value === null) return false;
  return glob(String(value), t);
}

function matchString(value: unknown, pattern: string): boolean {
  return pattern
    .split('|')
    .some(alt => alt.split('&').every(term => matchTerm(value, term)));
}
