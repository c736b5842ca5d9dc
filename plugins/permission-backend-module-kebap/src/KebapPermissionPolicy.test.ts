import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import {
  AuthorizeResult,
  createPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  createConditionAuthorizer,
  PermissionRule,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  actionExecutePermission,
  taskCreatePermission,
  templateParameterReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  KebapPermissionPolicy,
  OWNER_CHECKED_ACTIONS,
  ownerSpellings,
} from './KebapPermissionPolicy';

/*
 * The conditions are applied with the scaffolder's OWN action rules (the
 * file its workflow runner builds its authorizer from), not with a copy, so
 * these tests fail when the scaffolder changes how it matches inputs. The
 * file is not among the package's exports, hence the path.
 */
const { scaffolderActionRules } = require(path.join(
  path.dirname(require.resolve('@backstage/plugin-scaffolder-backend')),
  'service/rules.cjs.js',
)) as { scaffolderActionRules: Record<string, PermissionRule<any, any, any>> };
const isActionAuthorized = createConditionAuthorizer(
  Object.values(scaffolderActionRules),
);

const users: Record<string, string[]> = {
  // a platform admin
  alice: ['user:default/alice', 'group:default/platform-team'],
  // the embedded defaults' guest
  guest: ['user:default/guest', 'group:default/team-payments'],
  // a member of a group outside namespace default
  carol: ['user:default/carol', 'group:acme/team-search'],
  // signed in, no group
  nobody: ['user:default/nobody'],
};

function userOf(name: string): PolicyQueryUser {
  return {
    credentials: {} as any,
    info: {
      userEntityRef: `user:default/${name}`,
      ownershipEntityRefs: users[name],
    },
  } as PolicyQueryUser;
}

const policy = KebapPermissionPolicy.fromConfig(new ConfigReader({}));

async function decide(
  user: string | undefined,
  action: string,
  input: Record<string, unknown>,
): Promise<'ALLOW' | 'DENY'> {
  const decision: PolicyDecision = await policy.handle(
    { permission: actionExecutePermission },
    user ? userOf(user) : undefined,
  );
  return isActionAuthorized(decision as any, { action, input: input as any })
    ? 'ALLOW'
    : 'DENY';
}

const payments = 'group:default/team-payments';
const dev = { name: 'alpha', size: 'small' };

describe('KebapPermissionPolicy', () => {
  it('allows everything but action execution without conditions', async () => {
    for (const permission of [
      createPermission({
        name: 'catalog.entity.read',
        attributes: { action: 'read' },
        resourceType: 'catalog-entity',
      }),
      taskCreatePermission,
      templateParameterReadPermission,
      createPermission({ name: 'some.other', attributes: {} }),
    ]) {
      await expect(
        policy.handle({ permission } as any, userOf('nobody')),
      ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
    }
  });

  it('allows platform admins every action, and is conditional for the rest', async () => {
    await expect(
      policy.handle({ permission: actionExecutePermission }, userOf('alice')),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
    const conditional = await policy.handle(
      { permission: actionExecutePermission },
      userOf('guest'),
    );
    expect(conditional).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'scaffolder',
      resourceType: 'scaffolder-action',
    });
  });

  it.each<[string | undefined, string, Record<string, unknown>, string]>([
    // dev clusters: for a group of one's own
    ['guest', 'kebap:vcluster:create', { ...dev, owner: payments }, 'ALLOW'],
    [
      'guest',
      'kebap:vcluster:create',
      { ...dev, owner: 'team-payments' },
      'ALLOW',
    ],
    [
      'guest',
      'kebap:vcluster:create',
      { ...dev, owner: 'group:default/team-search' },
      'DENY',
    ],
    [
      'guest',
      'kebap:vcluster:create',
      { ...dev, owner: 'team-search' },
      'DENY',
    ],
    [
      'guest',
      'kebap:vcluster:create',
      { ...dev, owner: 'default/team-payments' },
      'DENY',
    ],
    [
      'guest',
      'kebap:vcluster:create',
      { ...dev, owner: 'Group:default/team-payments' },
      'DENY',
    ],
    ['guest', 'kebap:vcluster:create', { ...dev }, 'DENY'],
    [
      'guest',
      'kebap:argocd:cluster',
      { name: 'alpha', owner: payments },
      'ALLOW',
    ],
    [
      'guest',
      'kebap:argocd:cluster',
      { name: 'alpha', owner: 'group:default/platform-team' },
      'DENY',
    ],
    [
      'carol',
      'kebap:vcluster:create',
      { ...dev, owner: 'group:acme/team-search' },
      'ALLOW',
    ],
    [
      'carol',
      'kebap:vcluster:create',
      { ...dev, owner: 'team-search' },
      'DENY',
    ],
    ['nobody', 'kebap:vcluster:create', { ...dev, owner: payments }, 'DENY'],
    [undefined, 'kebap:vcluster:create', { ...dev, owner: payments }, 'DENY'],
    ['alice', 'kebap:vcluster:create', { ...dev, owner: payments }, 'ALLOW'],
    // stacks: dev for one's own group, prod only for open kinds or admins
    [
      'guest',
      'kebap:pulumi:stack',
      { env: 'dev', kind: 'cluster', owner: payments },
      'ALLOW',
    ],
    [
      'guest',
      'kebap:pulumi:stack',
      { env: 'prod', kind: 'cluster', owner: payments },
      'DENY',
    ],
    [
      'guest',
      'kebap:pulumi:stack',
      { kind: 'cluster', owner: payments },
      'DENY',
    ], // env defaults to prod
    ['guest', 'kebap:pulumi:stack', { env: 'prod', owner: payments }, 'DENY'],
    [
      'guest',
      'kebap:pulumi:stack',
      { env: 'prod', kind: 'database', owner: payments },
      'ALLOW',
    ],
    [
      'guest',
      'kebap:pulumi:stack',
      { env: 'dev', kind: 'database', owner: 'group:default/team-search' },
      'DENY',
    ],
    [
      'alice',
      'kebap:pulumi:stack',
      { env: 'prod', kind: 'cluster', owner: payments },
      'ALLOW',
    ],
    // the Pulumi CLI on the portal: admins only
    [
      'guest',
      'pulumi:new',
      { name: 'p', organization: 'o', stack: 'dev' },
      'DENY',
    ],
    [
      'guest',
      'pulumi:up',
      { name: 'p', organization: 'o', stack: 'dev' },
      'DENY',
    ],
    [
      'alice',
      'pulumi:up',
      { name: 'p', organization: 'o', stack: 'prod' },
      'ALLOW',
    ],
    // decommission, extend, external secrets: owner checked
    [
      'guest',
      'kebap:decommission',
      {
        entityRef: 'resource:default/dev-alpha',
        owner: payments,
        confirm: 'alpha',
      },
      'ALLOW',
    ],
    [
      'guest',
      'kebap:decommission',
      {
        entityRef: 'resource:default/dev-beta',
        owner: 'group:default/team-search',
        confirm: 'beta',
      },
      'DENY',
    ],
    [
      'guest',
      'kebap:extend',
      { order: 'resource:default/dev-alpha', owner: payments, days: 7 },
      'ALLOW',
    ],
    [
      'guest',
      'kebap:extend',
      {
        order: 'resource:default/dev-alpha',
        owner: 'group:default/team-search',
        days: 7,
      },
      'DENY',
    ],
    [
      'guest',
      'kebap:external-secret',
      { name: 's', owner: 'group:default/team-search' },
      'DENY',
    ],
    // actions without an owner stay allowed
    [
      'guest',
      'kebap:wait',
      { kind: 'Stack', name: 'x', namespace: 'y' },
      'ALLOW',
    ],
    ['nobody', 'debug:log', { message: 'hi' }, 'ALLOW'],
    [
      'guest',
      'catalog:fetch',
      { entityRef: 'group:default/team-search' },
      'ALLOW',
    ],
  ])('%s runs %s with %j: %s', async (user, action, input, expected) => {
    expect(await decide(user, action, input)).toBe(expected);
  });

  it('checks the owner of every owner-checked action', async () => {
    for (const action of OWNER_CHECKED_ACTIONS) {
      const input = { env: 'dev', owner: 'group:default/team-search' };
      expect(await decide('guest', action, input)).toBe('DENY');
      expect(await decide('guest', action, { ...input, owner: payments })).toBe(
        'ALLOW',
      );
    }
  });

  it('reads the platform group and the open prod kinds from config', async () => {
    const custom = KebapPermissionPolicy.fromConfig(
      new ConfigReader({
        kebap: {
          permissions: { platformGroup: 'team-payments', openProdKinds: [] },
        },
      }),
    );
    expect(custom.platformGroup).toBe('group:default/team-payments');
    await expect(
      custom.handle({ permission: actionExecutePermission }, userOf('guest')),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
    const forAlice = await custom.handle(
      { permission: actionExecutePermission },
      userOf('alice'),
    );
    expect(
      isActionAuthorized(forAlice as any, {
        action: 'kebap:pulumi:stack',
        input: { env: 'prod', kind: 'database', owner: 'platform-team' },
      }),
    ).toBe(false);
    expect(() =>
      KebapPermissionPolicy.fromConfig(
        new ConfigReader({
          kebap: { permissions: { platformGroup: 'user:default/alice' } },
        }),
      ),
    ).toThrow(
      "kebap.permissions.platformGroup must be a group entity ref, not 'user:default/alice'",
    );
  });

  it('spells owners as the actions read them', () => {
    expect(ownerSpellings('group:default/team-a')).toEqual([
      'group:default/team-a',
      'team-a',
    ]);
    expect(ownerSpellings('group:acme/team-a')).toEqual(['group:acme/team-a']);
  });
});
