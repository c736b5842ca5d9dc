import {
  ApplicationStatus,
  ConditionStatus,
  KEBAP_ANNOTATIONS,
  KEBAP_LABELS,
  OrderInfo,
  OrderObject,
  OrderObjectStatus,
  RegistrationStatus,
  StackOutputStatus,
  StackStatus,
} from '@internal/plugin-kebap-common';

/** Where links point. */
export interface LinkSettings {
  /** Pulumi Cloud, default https://app.pulumi.com */
  pulumiCloudUrl: string;
  /** Argo CD's web address, when known */
  argocdBaseUrl?: string;
}

type Any = Record<string, any>;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** The Pulumi Cloud page of `org/project/stack`; undefined for other forms. */
export function pulumiStackUrl(
  stack: string | undefined,
  settings: LinkSettings,
): string | undefined {
  const parts = stack?.split('/') ?? [];
  if (parts.length !== 3 || parts.some(p => !p)) return undefined;
  return `${trimSlash(settings.pulumiCloudUrl)}/${parts
    .map(encodeURIComponent)
    .join('/')}`;
}

const conditionWords: Record<string, { True: string; False: string }> = {
  Ready: {
    True: 'the stack is up to date',
    False: 'the stack is not up to date yet',
  },
  Reconciling: {
    True: 'the operator is updating the stack',
    False: 'no update running',
  },
  Stalled: {
    True: 'the operator gave up until the Stack or its inputs change',
    False: 'not stuck',
  },
};

/** A condition in words, e.g. "Ready: the stack is up to date". */
export function describeCondition(c: Any): ConditionStatus {
  const status: ConditionStatus['status'] =
    c.status === 'True' || c.status === 'False' ? c.status : 'Unknown';
  const words =
    status === 'Unknown'
      ? 'unknown'
      : conditionWords[c.type]?.[status] ?? (status === 'True' ? 'yes' : 'no');
  const why = [c.reason, c.message].filter(Boolean).join(': ');
  return {
    type: String(c.type),
    status,
    ...(c.reason ? { reason: String(c.reason) } : {}),
    ...(c.message ? { message: String(c.message) } : {}),
    ...(c.lastTransitionTime
      ? { lastTransitionTime: String(c.lastTransitionTime) }
      : {}),
    summary: `${c.type}: ${words}${why ? ` (${why})` : ''}`,
  };
}

/** Pulumi's marker of a secret value in state and outputs. */
const PULUMI_SECRET_SIG = '4dabf18193072939515e22adb298388d';

function isSecretValue(value: unknown): boolean {
  if (value === '[secret]') return true;
  return Boolean(
    value &&
      typeof value === 'object' &&
      PULUMI_SECRET_SIG in (value as Record<string, unknown>),
  );
}

/**
 * Stack outputs for the card: plain ones rendered as text, secret ones
 * (`[secret]`, a Pulumi secret value, or named in `secretNames`) with no
 * value at all.
 */
export function describeOutputs(
  outputs: unknown,
  secretNames: ReadonlySet<string> = new Set(),
): StackOutputStatus[] {
  if (!outputs || typeof outputs !== 'object') return [];
  return Object.entries(outputs as Any)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => {
      if (secretNames.has(name) || isSecretValue(value))
        return { name, secret: true };
      return {
        name,
        secret: false,
        value: typeof value === 'string' ? value : JSON.stringify(value),
      };
    });
}

/** A Pulumi Operator Stack as the card shows it. */
export function describeStack(
  stack: OrderObject,
  settings: LinkSettings,
): StackStatus {
  const spec = (stack.spec ?? {}) as Any;
  const status = (stack.status ?? {}) as Any;
  const last = (status.lastUpdate ?? {}) as Any;
  const state =
    last.state === 'succeeded' || last.state === 'failed' ? last.state : 'none';
  const url = pulumiStackUrl(spec.stack, settings);
  return {
    name: stack.metadata.name,
    namespace: stack.metadata.namespace ?? '',
    ...(spec.stack ? { stack: String(spec.stack) } : {}),
    lastUpdateState: state,
    ...(last.lastSuccessfulCommit
      ? { lastSuccessfulCommit: String(last.lastSuccessfulCommit) }
      : {}),
    ...(last.lastResyncTime
      ? { lastUpdateTime: String(last.lastResyncTime) }
      : {}),
    ...(state === 'failed' && last.message
      ? { failureMessage: String(last.message) }
      : {}),
    conditions: (Array.isArray(status.conditions) ? status.conditions : []).map(
      describeCondition,
    ),
    outputs: describeOutputs(status.outputs),
    ...(url ? { url } : {}),
  };
}

/** An Argo CD Application as the card shows it. */
export function describeApplication(
  app: OrderObject,
  settings: LinkSettings,
): ApplicationStatus {
  const status = (app.status ?? {}) as Any;
  const namespace = app.metadata.namespace ?? '';
  return {
    name: app.metadata.name,
    namespace,
    ...(status.health?.status ? { health: String(status.health.status) } : {}),
    ...(status.health?.message
      ? { healthMessage: String(status.health.message) }
      : {}),
    ...(status.sync?.status ? { sync: String(status.sync.status) } : {}),
    ...(status.sync?.revision
      ? { revision: String(status.sync.revision) }
      : {}),
    ...(settings.argocdBaseUrl
      ? {
          url: `${trimSlash(
            settings.argocdBaseUrl,
          )}/applications/${encodeURIComponent(namespace)}/${encodeURIComponent(
            app.metadata.name,
          )}`,
        }
      : {}),
  };
}

/**
 * The Argo CD cluster registration of a dev cluster, read from the
 * ExternalSecret that keeps its cluster Secret (`kebap:argocd:cluster`),
 * never from the Secret: the template names the cluster and its server
 * (plain values, no credentials), and the Secret exists once External
 * Secrets Operator wrote it (condition `Ready` true, or `status.binding`
 * naming it). `exists: false` without such an ExternalSecret.
 */
export function describeRegistration(
  externalSecret: OrderObject | undefined,
): RegistrationStatus {
  if (!externalSecret) return { exists: false };
  const spec = (externalSecret.spec ?? {}) as Any;
  const status = (externalSecret.status ?? {}) as Any;
  const template = spec.target?.template ?? {};
  const data = (template.data ?? {}) as Any;
  const ready = (status.conditions ?? []).find((c: Any) => c.type === 'Ready');
  const secretName: string | undefined =
    status.binding?.name ?? spec.target?.name ?? externalSecret.metadata.name;
  if (ready?.status !== 'True' && !status.binding?.name)
    return { exists: false };
  const env = template.metadata?.labels?.env;
  return {
    exists: true,
    ...(secretName ? { name: secretName } : {}),
    ...(typeof data.name === 'string' ? { clusterName: data.name } : {}),
    ...(typeof data.server === 'string' ? { server: data.server } : {}),
    ...(env ? { env } : {}),
  };
}

export const isStack = (o: OrderObject) =>
  o.apiVersion.startsWith('pulumi.com/') && o.kind === 'Stack';
export const isApplication = (o: OrderObject) =>
  o.apiVersion.startsWith('argoproj.io/') && o.kind === 'Application';
/** The ExternalSecret that keeps an Argo CD cluster Secret (a registration). */
export const isRegistration = (o: OrderObject) =>
  o.apiVersion.startsWith('external-secrets.io/') &&
  o.kind === 'ExternalSecret' &&
  (o.spec as Any)?.target?.template?.metadata?.labels?.[
    'argocd.argoproj.io/secret-type'
  ] === 'cluster';
export const isExternalSecret = (o: OrderObject) =>
  o.apiVersion.startsWith('external-secrets.io/') &&
  o.kind === 'ExternalSecret';

/** The order as its objects record it: who, when, which template, expiry. */
export function describeOrder(objects: OrderObject[]): OrderInfo | undefined {
  const main =
    objects.find(o => isStack(o) || isApplication(o)) ??
    objects.find(o => o.metadata.annotations?.[KEBAP_ANNOTATIONS.ownerRef]);
  if (!main) return undefined;
  const labels = main.metadata.labels ?? {};
  const annotations = main.metadata.annotations ?? {};
  const created = objects
    .map(o => (o.metadata as Any).creationTimestamp as string | undefined)
    .filter((t): t is string => Boolean(t))
    .sort()[0];
  const expiresAt = objects
    .map(o => o.metadata.annotations?.[KEBAP_ANNOTATIONS.expiresAt])
    .find(Boolean);
  return {
    name: labels[KEBAP_LABELS.order] ?? main.metadata.name,
    env: labels[KEBAP_LABELS.env] ?? '',
    kind: labels[KEBAP_LABELS.kind] ?? 'stack',
    owner: annotations[KEBAP_ANNOTATIONS.ownerRef] ?? '',
    ...(created ? { orderedAt: created } : {}),
    ...(annotations[KEBAP_ANNOTATIONS.templateRef]
      ? { template: annotations[KEBAP_ANNOTATIONS.templateRef] }
      : {}),
    ...(annotations[KEBAP_ANNOTATIONS.taskId]
      ? { taskId: annotations[KEBAP_ANNOTATIONS.taskId] }
      : {}),
    ...(expiresAt ? { expiresAt } : {}),
  };
}

export function objectRefs(objects: OrderObject[]): OrderObjectStatus[] {
  return objects
    .map(o => {
      const meta = o.metadata as OrderObject['metadata'] & {
        deletionTimestamp?: string;
        finalizers?: string[];
      };
      return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        name: o.metadata.name,
        ...(meta.deletionTimestamp
          ? {
              deletingSince: meta.deletionTimestamp,
              finalizers: meta.finalizers ?? [],
            }
          : {}),
      };
    })
    .sort((a, b) =>
      `${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(
        `${b.kind}/${b.namespace ?? ''}/${b.name}`,
      ),
    );
}
