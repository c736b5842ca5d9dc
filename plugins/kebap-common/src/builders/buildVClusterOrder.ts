import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import type { ILimitRange } from 'kubernetes-models/v1/LimitRange';
import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { KEBAP_ANNOTATIONS, OrderMetadata } from '../ownership/orderMetadata';

/** A dev-cluster size: quota and limit defaults of the vCluster's namespace. */
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
 * The vCluster chart values: kubeconfig exported to the Secret `vc-<name>`
 * with the in-cluster server address, that address added to the serving
 * certificate, the Kubernetes version pinned when given.
 */
export function buildVClusterValues(
  input: Pick<VClusterOrderInput, 'name' | 'kubernetesVersion'>,
  settings: Pick<VClusterSettings, 'kubernetesImageTags'> = {},
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
  };
}

/**
 * A dev cluster: the namespace `vc-<name>` with quota and limits by size, and
 * an Argo CD Application that installs the vCluster chart into it. The
 * Application carries Argo CD's resources finalizer, so deleting it deletes
 * the vCluster.
 */
export function buildVClusterOrder(
  input: VClusterOrderInput,
  settings: VClusterSettings,
): {
  namespace: INamespace & { metadata: { name: string } };
  resourceQuota: IResourceQuota & { metadata: { name: string } };
  limitRange: ILimitRange & { metadata: { name: string } };
  application: IApplication & { metadata: { name: string } };
  values: Record<string, unknown>;
} {
  const size = settings.sizes[input.size];
  if (!size) {
    throw new Error(`Unknown dev-cluster size '${input.size}'`);
  }
  const ns = vclusterNamespace(input.name);
  const annotations: Record<string, string> = { ...input.metadata.annotations };
  if (input.expiresAt)
    annotations[KEBAP_ANNOTATIONS.expiresAt] = input.expiresAt;
  if (input.purpose) annotations[KEBAP_ANNOTATIONS.purpose] = input.purpose;
  const meta = () => ({
    labels: { ...input.metadata.labels },
    annotations: { ...annotations },
  });
  const values = buildVClusterValues(input, settings);
  const limits = [] as NonNullable<ILimitRange['spec']>['limits'];
  if (size.limitRange) {
    limits.push({
      type: 'Container',
      ...(size.limitRange.defaultRequest
        ? { defaultRequest: { ...size.limitRange.defaultRequest } }
        : {}),
      ...(size.limitRange.default
        ? { default: { ...size.limitRange.default } }
        : {}),
    });
  }
  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, ...meta() },
    },
    resourceQuota: {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'quota', namespace: ns, ...meta() },
      spec: { hard: { ...size.quota } },
    },
    limitRange: {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits', namespace: ns, ...meta() },
      spec: { limits },
    },
    application: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: `vcluster-${input.name}`,
        namespace: settings.argocdNamespace,
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
        ...meta(),
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
          syncOptions: ['ServerSideApply=true'],
        },
      },
    } as IApplication & { metadata: { name: string } },
    values,
  };
}
