import { orderMetadata } from '../ownership/orderMetadata';
import {
  buildExternalSecret,
  pulumiPropertyPathStep,
  remoteRefFor,
} from './buildExternalSecret';

const metadata = orderMetadata({
  orderName: 'db',
  owner: 'group:default/a',
  entityRef: 'resource:default/prod-db',
  env: 'prod',
  kind: 'external-secret',
});

/**
 * What ESO's Pulumi ESC provider reads of a remoteRef (providers/v1/pulumi
 * `GetSecret`@cc5bfbc2234a, docs/upstream-contracts.md ESO-2): `key` as a
 * Pulumi property path into the environment; `property` is never read. This
 * resolves the path as Pulumi's parser does (`a.b`, `a["b"]`, `\"` inside
 * quotes) against an environment's values.
 */
function pulumiEscRead(
  values: Record<string, unknown>,
  remoteRef: { key: string; property?: string },
): unknown {
  let path = remoteRef.key;
  let v: any = values;
  let first = true;
  while (path.length) {
    let name: string;
    if (path.startsWith('["')) {
      let i = 2;
      name = '';
      while (path[i] !== '"') {
        if (path[i] === '\\' && path[i + 1] === '"') {
          name += '"';
          i += 2;
        } else name += path[i++];
      }
      path = path.slice(i + 2);
    } else {
      if (!first) {
        if (path[0] !== '.') throw new Error(`bad path ${remoteRef.key}`);
        path = path.slice(1);
      }
      const end = path.search(/[.[]/);
      name = end === -1 ? path : path.slice(0, end);
      path = end === -1 ? '' : path.slice(end);
    }
    first = false;
    v = v?.[name];
  }
  return v; // an object comes back whole (ESO writes it as JSON)
}

const environment = {
  stacks: { pulumiAccessToken: 'pul-token' },
  'aws-credentials': {
    AWS_ACCESS_KEY_ID: 'AKIA',
    AWS_SECRET_ACCESS_KEY: 'secret',
  },
  'github-credentials': { token: 'ghp' },
  odd: { 'a.b': 'dotted', 'say "hi"': 'quoted', 'kebab-case': 'kebab' },
};

describe('remoteRef per store provider', () => {
  it.each([
    // provider, remoteKey, property → the remoteRef written
    [
      'pulumi',
      'aws-credentials',
      'AWS_ACCESS_KEY_ID',
      { key: 'aws-credentials.AWS_ACCESS_KEY_ID' },
    ],
    [
      'pulumi',
      'stacks',
      'pulumiAccessToken',
      { key: 'stacks.pulumiAccessToken' },
    ],
    [
      'pulumi',
      'stacks.pulumiAccessToken',
      undefined,
      { key: 'stacks.pulumiAccessToken' },
    ],
    ['pulumi', 'odd', 'a.b', { key: 'odd["a.b"]' }],
    ['pulumi', 'odd', 'kebab-case', { key: 'odd["kebab-case"]' }],
    ['pulumi', 'odd', 'say "hi"', { key: 'odd["say \\"hi\\""]' }],
    [
      'kubernetes',
      'vc-alpha',
      'config',
      { key: 'vc-alpha', property: 'config' },
    ],
    [
      'vault',
      'secret/aws',
      'accessKeyId',
      { key: 'secret/aws', property: 'accessKeyId' },
    ],
    ['aws', 'prod/db', undefined, { key: 'prod/db' }],
  ] as const)('%s: %s + %s → %j', (provider, remoteKey, property, expected) => {
    expect(remoteRefFor(provider, remoteKey, property)).toEqual(expected);
  });

  it('makes the Pulumi ESC provider read the value itself, never the whole object', () => {
    for (const [remoteKey, property, value] of [
      ['aws-credentials', 'AWS_ACCESS_KEY_ID', 'AKIA'],
      ['stacks', 'pulumiAccessToken', 'pul-token'],
      ['github-credentials', 'token', 'ghp'],
      ['odd', 'a.b', 'dotted'],
      ['odd', 'say "hi"', 'quoted'],
      ['odd', 'kebab-case', 'kebab'],
    ]) {
      const ref = remoteRefFor('pulumi', remoteKey, property);
      expect({ ref, value: pulumiEscRead(environment, ref) }).toEqual({
        ref: { key: expect.any(String) },
        value,
      });
    }
    // what key + property would have given: the whole object (ESO-2)
    expect(
      pulumiEscRead(environment, {
        key: 'aws-credentials',
        property: 'AWS_ACCESS_KEY_ID',
      }),
    ).toEqual(environment['aws-credentials']);
  });

  it('writes each data entry in its store’s shape', () => {
    const data = [
      {
        secretKey: 'AWS_ACCESS_KEY_ID',
        remoteKey: 'aws-credentials',
        property: 'AWS_ACCESS_KEY_ID',
      },
      { secretKey: 'TOKEN', remoteKey: 'stacks.pulumiAccessToken' },
    ];
    const build = (provider: string) =>
      buildExternalSecret({
        name: 'db-cloud',
        namespace: 'kebap-stacks',
        storeRef: { name: 'kebap-secrets', kind: 'ClusterSecretStore' },
        provider,
        target: { name: 'db-cloud' },
        data,
        metadata,
      }).spec!.data;
    expect(build('pulumi')).toEqual([
      {
        secretKey: 'AWS_ACCESS_KEY_ID',
        remoteRef: { key: 'aws-credentials.AWS_ACCESS_KEY_ID' },
      },
      { secretKey: 'TOKEN', remoteRef: { key: 'stacks.pulumiAccessToken' } },
    ]);
    expect(build('kubernetes')).toEqual([
      {
        secretKey: 'AWS_ACCESS_KEY_ID',
        remoteRef: { key: 'aws-credentials', property: 'AWS_ACCESS_KEY_ID' },
      },
      { secretKey: 'TOKEN', remoteRef: { key: 'stacks.pulumiAccessToken' } },
    ]);
  });

  it('quotes what is not a Pulumi identifier', () => {
    expect(pulumiPropertyPathStep('token_2')).toBe('.token_2');
    expect(pulumiPropertyPathStep('x[0]')).toBe('["x[0]"]');
  });
});
