import { isOwnedBy, orderMetadata } from './orderMetadata';

describe('orderMetadata', () => {
  it('puts names in labels and full refs in annotations', () => {
    expect(
      orderMetadata({
        orderName: 'alpha',
        owner: 'group:default/team-payments',
        entityRef: 'resource:default/dev-alpha',
        env: 'dev',
        kind: 'vcluster',
        template: 'template:default/dev-cluster',
        taskId: 't-1',
      }),
    ).toEqual({
      labels: {
        'app.kubernetes.io/managed-by': 'kebap-portal',
        'kebap.io/order': 'alpha',
        'kebap.io/owner': 'team-payments',
        'kebap.io/env': 'dev',
        'kebap.io/kind': 'vcluster',
        'backstage.io/kubernetes-id': 'dev-alpha',
      },
      annotations: {
        'kebap.io/owner-ref': 'group:default/team-payments',
        'kebap.io/entity-ref': 'resource:default/dev-alpha',
        'kebap.io/template-ref': 'template:default/dev-cluster',
        'kebap.io/task-id': 't-1',
      },
    });
  });
});

describe('isOwnedBy', () => {
  const mine = orderMetadata({
    orderName: 'alpha',
    owner: 'group:default/a',
    entityRef: 'resource:default/dev-alpha',
    env: 'dev',
    kind: 'vcluster',
  });
  const expected = { orderName: 'alpha', ownerRef: 'group:default/a' };

  it('allows the same order of the same owner', () => {
    expect(isOwnedBy(mine, expected)).toBe(true);
  });
  it('refuses objects the portal did not create', () => {
    expect(isOwnedBy({ labels: {} }, expected)).toBe(
      'not created by the portal',
    );
    expect(isOwnedBy(undefined, expected)).toBe('not created by the portal');
  });
  it('refuses objects of another owner', () => {
    expect(isOwnedBy(mine, { ...expected, ownerRef: 'group:default/b' })).toBe(
      'ordered by group:default/a',
    );
  });
  it('refuses objects of another order', () => {
    expect(isOwnedBy(mine, { ...expected, orderName: 'beta' })).toBe(
      'belongs to order alpha',
    );
  });
});
