import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { KEBAP_ANNOTATIONS, OrderMetadata } from '../ownership/orderMetadata';

/** A dev-cluster size: quota and limit defaults of the vCluster's namespace (the chart's `policies`). */
export interface VClusterSizeSettings {
  quota: Record<string, string>;
  limitRange?: {
    defaultRequest?: Record<string, string>;
    default?: Record<string, string>;
  };
}

export interface VClusterSettings {
  sizes: Record<string, VClusterSizeSettings>;
  chart: { repoURL: string; chart: string; version: string };
  argocdNamespace: string;
  project: string;
  /** where Argo CD installs the chart: the control-plane cluster itself */
  destinationServer?: string;
  /** Kubernetes minor version → the image tag vCluster runs */
  kubernetesImageTags?: Record<string, string>;
}

/** Kubernetes versions the dev-cluster form offers, pinned to patch releases. */
export const defaultKubernetesImageTags: Record<string, string> = {
  '1.31': 'v1.31.4',
  '1.30': 'v1.30.8',
  '1.29': 'v1.29.12',
};

export interface VClusterOrderInput {
  name: string;
  metadata: OrderMetadata;
  size: string;
  /** a key of kubernetesImageTags, e.g. 1.31 */
  kubernetesVersion?: string;
  expiresAt?: string;
  purpose?: string;
}

/** The namespace that hosts a vCluster. */
export const vclusterNamespace = (name: string) => `vc-${name}`;
/** The in-cluster address of a vCluster's API server (covered by its certificate through extraSANs). */
export const vclusterServer = (name: string) =>
  `https://${name}.${vclusterNamespace(name)}.svc:443`;

/**
 * Object counts a size may give as a plain quota name (`pods`) that the
 * vCluster chart's default quota (0.30 `policies.resourceQuota.quota`) sets
 * as `count/<name>` (`count/pods: 20`): the size's figure is written under
 * both names, so the chart's default count does not stay in force beside
 * it. (Argo CD drops `null` from `valuesObject`, so a default cannot be
 * removed, only overridden: argoproj/argo-cd#16312.)
 */
const CHART_COUNTED = [
  'pods',
  'services',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'endpoints',
];

/**
 * The vCluster chart's `policies` for a size: a ResourceQuota and a
 * LimitRange in the vCluster's namespace, rendered by the chart (so Argo CD
 * writes them, the portal does not). The chart merges its own defaults
 * under these (keys the size does not set, e.g. `count/secrets: 100`,
 * `services.nodeports: 0`, ephemeral storage); a size without `limitRange`
 * gets none.
 */
export function buildVClusterPolicies(
  size: VClusterSizeSettings,
): Record<string, unknown> {
  const quota: Record<string, string> = { ...size.quota };
  for (const k of CHART_COUNTED)
    if (size.quota[k] !== undefined) quota[`count/${k}`] = size.quota[k];
  const limitRange = size.limitRange
    ? {
        enabled: true,
        ...(size.limitRange.default
          ? { default: { ...size.limitRange.default } }
          : {}),
        ...(size.limitRange.defaultRequest
          ? { defaultRequest: { ...size.limitRange.defaultRequest } }
          : {}),
      }
    : { enabled: false };
  return { resourceQuota: { enabled: true, quota }, limitRange };
}

/**
 * The vCluster chart values: kubeconfig exported to the Secret `vc-<name>`
 * with the in-cluster server address, that address added to the serving
 * certificate, the Kubernetes version pinned when given, and the size's
 * quota and limits (`policies`) when a size is given.
 */
export function buildVClusterValues(
  input: Pick<VClusterOrderInput, 'name' | 'kubernetesVersion'>,
  settings: Pick<VClusterSettings, 'kubernetesImageTags'> = {},
  size?: VClusterSizeSettings,
): Record<string, unknown> {
  const ns = vclusterNamespace(input.name);
  const k8s: Record<string, unknown> = {
    enabled: true,
    resources: {
      requests: { cpu: '200m', memory: '256Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    },
  };
  if (input.kubernetesVersion) {
    const tags = settings.kubernetesImageTags ?? defaultKubernetesImageTags;
    k8s.image = {
      tag: tags[input.kubernetesVersion] ?? `v${input.kubernetesVersion}`,
    };
  }
  return {
    controlPlane: {
      distro: { k8s },
      proxy: { extraSANs: [`${input.name}.${ns}.svc`] },
      statefulSet: {
        resources: {
          requests: { cpu: '200m', memory: '256Mi' },
          limits: { memory: '2Gi' },
        },
      },
    },
    exportKubeConfig: {
      server: vclusterServer(input.name),
      secret: { name: `vc-${input.name}` },
    },
    ...(size ? { policies: buildVClusterPolicies(size) } : {}),
  };
}

/**
 * The Argo CD tracking annotation that makes the namespace Argo CD creates
 * for an Application (`CreateNamespace=true`) a resource of that
 * Application, which Argo CD then also deletes with it (the resources
 * finalizer). Argo CD's annotation tracking (`gitops/apps/argocd.yaml`),
 * `<application>:<group>/<kind>:<namespace>/<name>`, no installation ID.
 */
export function namespaceTrackingId(application: string, namespace: string) {
  return `${application}:/Namespace:/${namespace}`;
}

/**
 * A dev cluster: one Argo CD Application that installs the vCluster chart
 * into the namespace `vc-<name>`. Argo CD creates that namespace
 * (`CreateNamespace=true`) with the order's labels and a tracking
 * annotation (`managedNamespaceMetadata`), so it belongs to the Application;
 * the chart writes the size's ResourceQuota and LimitRange into it
 * (`policies`). The Application carries Argo CD's resources finalizer, so
 * deleting it deletes the vCluster and its namespace: the portal itself
 * writes nothing outside Argo CD's namespace for a dev cluster.
 */
export function buildVClusterOrder(
  input: VClusterOrderInput,
  settings: VClusterSettings,
): {
  /** the namespace Argo CD creates for the vCluster */
  namespace: string;
  application: IApplication & { metadata: { name: string } };
  values: Record<string, unknown>;
} {
  const size = settings.sizes[input.size];
  if (!size) {
    throw new Error(`Unknown dev-cluster size '${input.size}'`);
  }
  const ns = vclusterNamespace(input.name);
  const name = `vcluster-${input.name}`;
  const annotations: Record<string, string> = { ...input.metadata.annotations };
  if (input.expiresAt)
    annotations[KEBAP_ANNOTATIONS.expiresAt] = input.expiresAt;
  if (input.purpose) annotations[KEBAP_ANNOTATIONS.purpose] = input.purpose;
  const values = buildVClusterValues(input, settings, size);
  return {
    namespace: ns,
    application: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name,
        namespace: settings.argocdNamespace,
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
        labels: { ...input.metadata.labels },
        annotations,
      },
      spec: {
        project: settings.project,
        source: {
          repoURL: settings.chart.repoURL,
          chart: settings.chart.chart,
          targetRevision: settings.chart.version,
          helm: { releaseName: input.name, valuesObject: values },
        },
        destination: {
          server:
            settings.destinationServer ?? 'https://kubernetes.default.svc',
          namespace: ns,
        },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['ServerSideApply=true', 'CreateNamespace=true'],
          // the order's labels (Kyverno binds the kubeconfig reader in
          // portal-labelled vc-* namespaces) and its provenance; the
          // tracking annotation makes the namespace the Application's own
          managedNamespaceMetadata: {
            labels: { ...input.metadata.labels },
            annotations: {
              ...input.metadata.annotations,
              'argocd.argoproj.io/tracking-id': namespaceTrackingId(name, ns),
            },
          },
        },
      },
    } as IApplication & { metadata: { name: string } },
    values,
  };
}
