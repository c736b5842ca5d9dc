import { orderMetadata } from '../ownership/orderMetadata';
import {
  buildSecretShare,
  secretShareReader,
  validateSecretShare,
} from './buildSecretShare';

const metadata = orderMetadata({
  orderName: 'payments-db',
  owner: 'group:default/team-payments',
  entityRef: 'resource:default/prod-payments-db',
  env: 'prod',
  kind: 'database',
});

describe('buildSecretShare', () => {
  it('copies one Secret of the Stack namespace into the owner namespace, as the reader the program grants', () => {
    const [sa, store, es] = buildSecretShare({
      secretName: 'payments-db-connection',
      fromNamespace: 'kebap-stacks',
      toNamespace: 'team-payments',
      targetName: 'payments-db',
      metadata,
    });
    expect(sa).toMatchObject({
      kind: 'ServiceAccount',
      metadata: {
        name: 'payments-db-connection-reader',
        namespace: 'team-payments',
      },
    });
    expect(store.spec!.provider.kubernetes).toMatchObject({
      remoteNamespace: 'kebap-stacks',
      auth: { serviceAccount: { name: 'payments-db-connection-reader' } },
    });
    expect(es.metadata!.namespace).toBe('team-payments');
    expect(es.spec).toEqual({
      refreshInterval: '15m',
      secretStoreRef: {
        kind: 'SecretStore',
        name: 'payments-db-connection-reader',
      },
      target: { name: 'payments-db', creationPolicy: 'Owner' },
      dataFrom: [{ extract: { key: 'payments-db-connection' } }],
    });
    // the program binds its Role to this reader
    expect(
      secretShareReader({
        secretName: 'payments-db-connection',
        toNamespace: 'team-payments',
      }),
    ).toEqual({
      name: sa.metadata!.name,
      namespace: sa.metadata!.namespace,
    });
    for (const o of [sa, store, es]) {
      expect(o.metadata!.labels).toEqual(metadata.labels);
    }
  });
});

describe('validateSecretShare', () => {
  it('accepts a share into another namespace', () => {
    expect(
      validateSecretShare(
        { secretName: 's', fromNamespace: 'a', toNamespace: 'b' },
        { field: 'shareSecret' },
      ),
    ).toEqual([]);
  });
  it('names each broken rule', () => {
    expect(
      validateSecretShare(
        {
          secretName: 'Bad/Name',
          fromNamespace: 'a',
          toNamespace: 'a',
          targetName: '-x',
          refreshInterval: 'soon',
        },
        { field: 'shareSecret' },
      ).map(i => `${i.field} ${i.rule}`),
    ).toEqual([
      'shareSecret.secretName dns-1123-subdomain',
      'shareSecret.targetName dns-1123-subdomain',
      'shareSecret.namespace other-namespace',
      'shareSecret.refreshInterval duration',
    ]);
  });
  it('refuses a reserved namespace', () => {
    expect(
      validateSecretShare(
        { secretName: 's', fromNamespace: 'a', toNamespace: 'kube-system' },
        { field: 'shareSecret' },
      ).map(i => i.field),
    ).toEqual(['shareSecret.namespace']);
  });
});
