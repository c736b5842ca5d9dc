import { InputError } from '@backstage/errors';

/** Where the API serves one kind the portal reads or writes. */
export interface KubernetesResource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /**
   * false for kinds orders never contain: deliveries refuse them and
   * decommissioning never lists them. Namespaces are only read (the
   * delivery's pre-flight: an order's namespaces must exist); Secrets are
   * neither read nor written, named here so that an order holding one is
   * refused in so many words.
   */
  ordered?: false;
}

/**
 * Every kind the portal reads or writes. What the portal's service account
 * may do with each is the Helm chart's RBAC (helm/kebap-portal), checked
 * against the real API server's authorizer by
 * infrastructure/deploy-tests/src/rbac/portalRbac.realApi.test.ts. No
 * cluster-scoped kind is written: a dev cluster's namespace (with its quota
 * and limits) belongs to its Argo CD Application, the Stack runners'
 * auth-delegator binding to the platform.
 */
export const kubernetesResources: readonly KubernetesResource[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    ordered: false,
  },
  {
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
  },
  {
    group: '',
    version: 'v1',
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    ordered: false,
  },
  {
    group: 'pulumi.com',
    version: 'v1',
    kind: 'Stack',
    plural: 'stacks',
    namespaced: true,
  },
  {
    group: 'pulumi.com',
    version: 'v1',
    kind: 'Program',
    plural: 'programs',
    namespaced: true,
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    kind: 'Application',
    plural: 'applications',
    namespaced: true,
  },
  {
    group: 'external-secrets.io',
    version: 'v1',
    kind: 'ExternalSecret',
    plural: 'externalsecrets',
    namespaced: true,
  },
  {
    group: 'external-secrets.io',
    version: 'v1',
    kind: 'SecretStore',
    plural: 'secretstores',
    namespaced: true,
  },
];

/**
 * The kinds an order may contain: what deliveries write and what
 * decommissioning and expiry list by the order's labels.
 */
export const orderResources: readonly KubernetesResource[] =
  kubernetesResources.filter(r => r.ordered !== false);

/**
 * @deprecated The verbs the client may use per kind, as first derived by
 * hand; the chart's grants are now measured against the real authorizer
 * (see {@link kubernetesResources}). Kept for existing imports.
 */
export const kubernetesPermissions = kubernetesResources.map(r => ({
  apiGroup: r.group,
  resource: r.plural,
  verbs: ['get', 'list', 'watch', 'patch', 'delete'],
}));

/** A reference to one object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function resourceOf(
  apiVersion: string,
  kind: string,
): KubernetesResource {
  const [group, version] = apiVersion.includes('/')
    ? apiVersion.split('/')
    : ['', apiVersion];
  const found = kubernetesResources.find(
    r => r.group === group && r.version === version && r.kind === kind,
  );
  if (!found) {
    throw new InputError(
      `kind: the portal does not write ${apiVersion} ${kind}`,
    );
  }
  return found;
}

/** The API path of a collection (no name) or of one object. */
export function resourcePath(ref: {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
}): string {
  const r = resourceOf(ref.apiVersion, ref.kind);
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && !ref.namespace && ref.name) {
    throw new InputError(
      `namespace: ${ref.kind} ${ref.name} needs a namespace`,
    );
  }
  const ns =
    r.namespaced && ref.namespace
      ? `/namespaces/${encodeURIComponent(ref.namespace)}`
      : '';
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
  return `${base}${ns}/${r.plural}${name}`;
}

/** `apiVersion/kind/namespace/name`, for messages and outputs. */
export function refString(ref: ObjectRef): string {
  return [ref.apiVersion, ref.kind, ref.namespace, ref.name]
    .filter(Boolean)
    .join('/');
}
