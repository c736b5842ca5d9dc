import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  AuthorizeResult,
  isPermission,
  PermissionCondition,
  PermissionCriteria,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  createScaffolderActionConditionalDecision,
  scaffolderActionConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import { actionExecutePermission } from '@backstage/plugin-scaffolder-common/alpha';

/**
 * Actions whose `owner` input must be a group the user belongs to (unless
 * the user is a platform admin). Every `kebap:*` action that takes an
 * `owner` belongs here; the API test of this package fails when the
 * scaffolder lists one that is missing.
 */
export const OWNER_CHECKED_ACTIONS: readonly string[] = [
  'kebap:vcluster:create',
  'kebap:argocd:cluster',
  'kebap:pulumi:stack',
  'kebap:external-secret',
  'kebap:decommission',
  'kebap:extend',
];

/**
 * Actions only platform admins may run: they run the Pulumi CLI on the
 * portal with the portal's credentials against any stack and any program
 * (`pulumi new` from a Git URL also installs that template's dependencies),
 * so they are a path to prod that no input can narrow.
 */
export const PLATFORM_ONLY_ACTIONS: readonly string[] = [
  'pulumi:new',
  'pulumi:up',
];

/** The Stack ordering action, whose `env: prod` orders need the platform group unless their kind is open. */
export const STACK_ACTION = 'kebap:pulumi:stack';

type ActionCriteria = PermissionCriteria<
  PermissionCondition<'scaffolder-action'>
>;

const { hasActionId, hasStringProperty } = scaffolderActionConditions;

/** The policy's settings, from `kebap.permissions.*`. */
export interface KebapPermissionSettings {
  /** full group entity ref */
  platformGroup: string;
  openProdKinds: string[];
}

function normaliseGroupRef(value: string, key: string): string {
  try {
    const ref = parseEntityRef(value, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
    if (ref.kind.toLocaleLowerCase('en-US') !== 'group') throw new Error();
    return stringifyEntityRef(ref);
  } catch {
    throw new Error(`${key} must be a group entity ref, not '${value}'`);
  }
}

/**
 * The spellings of an owner that the ordering actions resolve to `ref`:
 * the full ref as the catalog writes it (what OwnerPicker gives) and, for
 * groups of namespace `default`, the short name `x`, which the actions read
 * as `group:default/x`. Other spellings (`default/x`, `group:x`, upper case)
 * are not listed, so they are refused for non-admins: conditions compare
 * strings exactly.
 */
export function ownerSpellings(ref: string): string[] {
  const parsed = parseEntityRef(ref);
  const full = stringifyEntityRef(parsed);
  return parsed.namespace === 'default' ? [full, parsed.name] : [full];
}

/**
 * The KEBAP portal's permission policy.
 *
 * - Platform admins (members of `kebap.permissions.platformGroup`) may do
 *   everything.
 * - Everyone else may run scaffolder actions under conditions the scaffolder
 *   checks against each step's rendered input when the step runs: no
 *   {@link PLATFORM_ONLY_ACTIONS}; `kebap:pulumi:stack` only with `env: dev`
 *   or with a `kind` of `openProdKinds`; and the `owner` of every
 *   {@link OWNER_CHECKED_ACTIONS} step must be one of the user's groups
 *   (`ownershipEntityRefs`). A step that breaks a condition fails with the
 *   scaffolder's `NotAllowedError` ("Unauthorized action: <id>. The action
 *   is not allowed.") before it runs, so nothing is written.
 * - Every other permission (catalog, templates, tasks…) is allowed.
 */
export class KebapPermissionPolicy implements PermissionPolicy {
  private readonly settings: KebapPermissionSettings;
  private readonly ownershipOf: (user: PolicyQueryUser) => Promise<string[]>;

  static fromConfig(
    config: Config,
    options: {
      /** The user's ownership refs; defaults to `user.info.ownershipEntityRefs`. */
      ownershipOf?: (user: PolicyQueryUser) => Promise<string[]>;
    } = {},
  ): KebapPermissionPolicy {
    const platformGroup = normaliseGroupRef(
      config.getOptionalString('kebap.permissions.platformGroup') ??
        'group:default/platform-team',
      'kebap.permissions.platformGroup',
    );
    const openProdKinds = config.getOptionalStringArray(
      'kebap.permissions.openProdKinds',
    ) ?? ['database'];
    return new KebapPermissionPolicy({ platformGroup, openProdKinds }, options);
  }

  constructor(
    settings: KebapPermissionSettings,
    options: {
      ownershipOf?: (user: PolicyQueryUser) => Promise<string[]>;
    } = {},
  ) {
    this.settings = settings;
    this.ownershipOf =
      options.ownershipOf ??
      (async user => user.info.ownershipEntityRefs ?? []);
  }

  /** The platform group (a full group entity ref). */
  get platformGroup(): string {
    return this.settings.platformGroup;
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!isPermission(request.permission, actionExecutePermission)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const ownership = user ? await this.ownershipOf(user) : [];
    const refs = ownership.flatMap(r => {
      try {
        return [stringifyEntityRef(parseEntityRef(r))];
      } catch {
        return [];
      }
    });
    if (refs.includes(this.settings.platformGroup)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const groups = refs.filter(r => r.startsWith('group:'));
    return createScaffolderActionConditionalDecision(
      request.permission,
      this.criteriaFor(groups),
    );
  }

  /** The conditions a non-admin member of `groups` runs actions under. */
  criteriaFor(groups: string[]): ActionCriteria {
    const anyAction = (ids: readonly string[]): ActionCriteria => {
      const [first, ...rest] = ids.map(actionId => hasActionId({ actionId }));
      return { anyOf: [first, ...rest] };
    };
    const stackRule: ActionCriteria = {
      anyOf: [
        { not: hasActionId({ actionId: STACK_ACTION }) },
        hasStringProperty({ key: 'env', value: 'dev' }),
        ...this.settings.openProdKinds.map(kind =>
          hasStringProperty({ key: 'kind', value: kind }),
        ),
      ],
    };
    const owners = [...new Set(groups.flatMap(ownerSpellings))];
    const ownerRule: ActionCriteria = {
      anyOf: [
        { not: anyAction(OWNER_CHECKED_ACTIONS) },
        ...owners.map(value => hasStringProperty({ key: 'owner', value })),
      ],
    };
    return {
      allOf: [{ not: anyAction(PLATFORM_ONLY_ACTIONS) }, stackRule, ownerRule],
    };
  }
}
