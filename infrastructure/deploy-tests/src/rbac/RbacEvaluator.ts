/** One request as the Kubernetes authorizer sees it (its "attributes"). */
export interface RequestAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  /** empty for cluster-scoped resources and for requests across all namespaces */
  namespace?: string;
  /** empty for list, watch, create (the API server authorizes them without a name) */
  name?: string;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

type RbacObject = {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
};

/** Built-in ClusterRoles that objects here bind (as the API server bootstraps them). */
const BUILT_IN_CLUSTER_ROLES: RbacObject[] = [
  {
    kind: 'ClusterRole',
    metadata: { name: 'system:auth-delegator' },
    rules: [
      {
        apiGroups: ['authentication.k8s.io'],
        resources: ['tokenreviews'],
        verbs: ['create'],
      },
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['subjectaccessreviews'],
        verbs: ['create'],
      },
    ],
  },
];

/** `list secrets in argocd`, `patch pulumi.com/stacks team-a/db`: for messages. */
export function describeRequest(a: RequestAttributes): string {
  const resource = a.apiGroup ? `${a.apiGroup}/${a.resource}` : a.resource;
  const where = a.namespace ? ` in ${a.namespace}` : ' (cluster-wide)';
  return `${a.verb} ${resource}${a.name ? ` ${a.name}` : ''}${where}`;
}

function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  const has = (list: string[] | undefined, v: string) =>
    !!list && (list.includes('*') || list.includes(v));
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  if (!has(rule.resources, a.resource)) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0) {
    // as the API server: a rule naming objects never matches a request
    // without a name (list, watch, create)
    return !!a.name && rule.resourceNames.includes(a.name);
  }
  return true;
}

/**
 * Kubernetes RBAC for one service account, evaluated over rendered
 * (Cluster)Roles and (Cluster)RoleBindings the way the API server's RBAC
 * authorizer does: a ClusterRoleBinding grants its ClusterRole's rules in
 * every namespace and on cluster-scoped resources; a RoleBinding grants its
 * Role's (or ClusterRole's) rules in its own namespace only; rules are
 * unions (no deny); `*` matches any verb, group or resource; a rule with
 * `resourceNames` matches only requests that name one of them.
 * Built-in ClusterRoles: `system:auth-delegator`. Aggregated ClusterRoles,
 * Group subjects and subresources are not modelled.
 *
 * Not the source of truth for the portal's own service account: that is the
 * real API server's authorizer (portalRbac.realApi.test.ts). Still used by
 * gitops/gitopsTree.test.ts for quick checks of the platform's service
 * accounts' Roles.
 */
export class RbacEvaluator {
  private readonly granted: Array<{ namespace?: string; rule: PolicyRule }> =
    [];

  constructor(
    objects: RbacObject[],
    subject: { namespace: string; name: string },
  ) {
    const roles = new Map<string, RbacObject>();
    for (const o of [...BUILT_IN_CLUSTER_ROLES, ...objects]) {
      if (o.kind === 'ClusterRole')
        roles.set(`ClusterRole//${o.metadata.name}`, o);
      if (o.kind === 'Role')
        roles.set(`Role/${o.metadata.namespace}/${o.metadata.name}`, o);
    }
    for (const b of objects) {
      if (b.kind !== 'ClusterRoleBinding' && b.kind !== 'RoleBinding') continue;
      const bound = (b.subjects ?? []).some(
        s =>
          s.kind === 'ServiceAccount' &&
          s.name === subject.name &&
          s.namespace === subject.namespace,
      );
      if (!bound || !b.roleRef) continue;
      const scope = b.kind === 'RoleBinding' ? b.metadata.namespace : undefined;
      // a ClusterRoleBinding can only refer to a ClusterRole
      const key =
        b.roleRef.kind === 'ClusterRole'
          ? `ClusterRole//${b.roleRef.name}`
          : `Role/${scope}/${b.roleRef.name}`;
      const role = roles.get(key);
      if (!role) {
        throw new Error(
          `${b.kind} ${b.metadata.name} refers to ${b.roleRef.kind} ${b.roleRef.name}, which is not rendered`,
        );
      }
      for (const rule of role.rules ?? [])
        this.granted.push({ namespace: scope, rule });
    }
  }

  /** Whether the request is allowed. */
  allows(a: RequestAttributes): boolean {
    return this.granted.some(
      g =>
        (g.namespace === undefined || g.namespace === a.namespace) &&
        ruleAllows(g.rule, a),
    );
  }

  /**
   * Whether the subject holds every permission of these rules in the
   * namespace (cluster-wide when undefined): what the API server requires
   * to create a Role with these rules, or to bind one without `bind`
   * (escalation prevention).
   */
  holdsAll(rules: PolicyRule[], namespace?: string): boolean {
    return rules.every(rule =>
      (rule.apiGroups ?? []).every(apiGroup =>
        (rule.resources ?? []).every(resource =>
          rule.verbs.every(verb =>
            (rule.resourceNames?.length
              ? rule.resourceNames
              : [undefined]
            ).every(name =>
              this.allows({ verb, apiGroup, resource, namespace, name }),
            ),
          ),
        ),
      ),
    );
  }
}
