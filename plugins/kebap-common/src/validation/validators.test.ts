import {
  validateOneOf,
  validateOrderKind,
  validateRemoteKey,
} from './validators';

const rules = (issues: { rule: string }[]) => issues.map(i => i.rule);

describe('validateOneOf', () => {
  const sizes = ['small', 'medium', 'large'];
  it('accepts a listed value', () => {
    expect(validateOneOf('medium', sizes, { field: 'size' })).toEqual([]);
  });
  it.each([['huge'], ['__proto__'], ['constructor'], ['toString'], [3], ['']])(
    'refuses %p, naming the field and the rule',
    value => {
      expect(validateOneOf(value, sizes, { field: 'size' })).toEqual([
        {
          field: 'size',
          rule: 'enum',
          message: `'${value}' is not one of small, medium, large`,
        },
      ]);
    },
  );
});

describe('validateOrderKind', () => {
  it.each(['database', 'cluster', 'queue', 'object-storage'])(
    'accepts %s',
    kind => expect(validateOrderKind(kind, { field: 'kind' })).toEqual([]),
  );
  it.each(['Database', 'db!', 'a\n---', '', 'x'.repeat(64), 7, '-db'])(
    'refuses %p (order-kind)',
    kind =>
      expect(rules(validateOrderKind(kind, { field: 'kind' }))).toEqual([
        'order-kind',
      ]),
  );
});

describe('validateRemoteKey', () => {
  it.each([
    'aws-credentials',
    'teams/payments/db',
    '/aws/ssm/parameter',
    'kv:secret.path_1',
  ])('accepts %s', key =>
    expect(validateRemoteKey(key, { field: 'remoteKey' })).toEqual([]),
  );
  it.each([
    ['', 'required'],
    [undefined, 'required'],
    [42, 'required'],
    ['../other-team/db', 'remote-key'],
    ['teams/../admin', 'remote-key'],
    ['a b', 'remote-key'],
    ['a\nb', 'remote-key'],
    ['a\\b', 'remote-key'],
    ['x'.repeat(1001), 'remote-key'],
  ])('refuses %p (%s)', (key, rule) =>
    expect(rules(validateRemoteKey(key, { field: 'remoteKey' }))).toEqual([
      rule,
    ]),
  );
});
