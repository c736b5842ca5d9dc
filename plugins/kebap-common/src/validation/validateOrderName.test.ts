import {
  validateOrderName,
  VCLUSTER_NAME_MAX_LENGTH,
} from './validateOrderName';
import {
  validateGitUrl,
  validateRepoDir,
  validateStackIdentifier,
  validateFreeText,
  validateSecretName,
} from './validators';

const rules = (issues: { rule: string }[]) => issues.map(i => i.rule);

describe('validateOrderName', () => {
  const check = (v: unknown) =>
    validateOrderName(v, {
      field: 'name',
      maxLength: VCLUSTER_NAME_MAX_LENGTH,
    });

  it('accepts a DNS-1123 label that fits', () => {
    expect(check('payments-dev-2')).toEqual([]);
    expect(check('a'.repeat(40))).toEqual([]);
  });

  it.each([
    ['', ['required']],
    [42, ['required']],
    ['Payments', ['dns-1123-label']],
    ['-payments', ['dns-1123-label']],
    ['payments-', ['dns-1123-label']],
    ['1payments', ['dns-1123-label']],
    ['pay_ments', ['dns-1123-label']],
    ['pay.ments', ['dns-1123-label']],
    ['../etc', ['dns-1123-label']],
    ['pаyments', ['ascii']], // Cyrillic а
    ['kube-system', ['reserved']],
    ['argocd', ['reserved']],
    ['default', ['reserved']],
    ['a'.repeat(41), ['max-length']],
    ['A'.repeat(41), ['max-length', 'dns-1123-label']],
  ])('refuses %p with rules %p', (value, expected) => {
    expect(rules(check(value))).toEqual(expected);
  });

  it('names the field and explains the length rule', () => {
    expect(check('a'.repeat(41))[0]).toEqual({
      field: 'name',
      rule: 'max-length',
      message:
        'is 41 characters long; at most 40 fit after the prefixes and suffixes the portal adds',
    });
  });
});

describe('validators', () => {
  it('checks stack identifiers', () => {
    expect(validateStackIdentifier('acme/db/prod', { field: 'stack' })).toEqual(
      [],
    );
    expect(
      rules(validateStackIdentifier('acme/db', { field: 'stack' })),
    ).toEqual(['stack-identifier']);
    expect(
      rules(validateStackIdentifier('acme/../prod', { field: 'stack' })),
    ).toEqual(['stack-identifier']);
  });

  it('checks Git URLs', () => {
    expect(
      validateGitUrl('https://github.com/acme/programs', {
        field: 'projectRepo',
      }),
    ).toEqual([]);
    expect(
      validateGitUrl('git@github.com:acme/programs.git', {
        field: 'projectRepo',
      }),
    ).toEqual([]);
    expect(
      rules(validateGitUrl('file:///etc/passwd', { field: 'projectRepo' })),
    ).toEqual(['git-url']);
    expect(
      rules(
        validateGitUrl('https://github.com/acme/../x', {
          field: 'projectRepo',
        }),
      ),
    ).toEqual(['path-traversal']);
    expect(
      rules(
        validateGitUrl('https://github.com/acme/x y', { field: 'projectRepo' }),
      ),
    ).toEqual(['git-url']);
  });

  it('checks repository folders', () => {
    expect(validateRepoDir('clusters/do', { field: 'repoDir' })).toEqual([]);
    expect(rules(validateRepoDir('../secrets', { field: 'repoDir' }))).toEqual([
      'relative-path',
    ]);
    expect(rules(validateRepoDir('/etc', { field: 'repoDir' }))).toEqual([
      'relative-path',
    ]);
  });

  it('checks free text and object names', () => {
    expect(
      validateFreeText('for tests\nof the API', {
        field: 'purpose',
        maxLength: 500,
      }),
    ).toEqual([]);
    expect(
      rules(
        validateFreeText('x'.repeat(501), { field: 'purpose', maxLength: 500 }),
      ),
    ).toEqual(['max-length']);
    expect(
      rules(validateFreeText('a\u0000b', { field: 'purpose', maxLength: 500 })),
    ).toEqual(['printable']);
    expect(validateSecretName('cloud-credentials', { field: 'name' })).toEqual(
      [],
    );
    expect(rules(validateSecretName('Cloud', { field: 'name' }))).toEqual([
      'dns-1123-subdomain',
    ]);
  });
});
