import path from 'node:path';
import { Config } from '@backstage/config';

/** A dev-cluster size: quota and limit defaults of the vCluster's namespace. */
export interface VClusterSize {
  quota: Record<string, string>;
  limitRange?: {
    defaultRequest?: Record<string, string>;
    default?: Record<string, string>;
  };
}

/** The portal's settings, read once from config (`kebap.*`). */
export interface KebapSettings {
  delivery: {
    mode: 'gitops' | 'kubernetes';
    /** the local repository, or the working clone of the remote one */
    gitopsRepoPath: string;
    gitopsRemote?: { url: string; branch: string };
    /** kubernetes: how long a removal waits for finalizers */
    removalWaitMs: number;
  };
  argocd: { namespace: string; project: string; baseUrl?: string };
  pulumi: { cloudUrl: string };
  vcluster: {
    chart: { repoURL: string; chart: string; version: string };
    sizes: Record<string, VClusterSize>;
    defaultLifetimeDays: number;
    maxLifetimeDays: number;
  };
  externalSecrets: {
    clusterSecretStore: string;
    /**
     * The ESO provider of that store: decides the shape of `remoteRef`
     * (`pulumi`: the property joined into `key`; others: `key` + `property`).
     */
    provider: string;
  };
}

/** Sizes used when config names none. */
export const defaultVClusterSizes: Record<string, VClusterSize> = {
  small: {
    quota: {
      'requests.cpu': '2',
      'requests.memory': '4Gi',
      'limits.cpu': '4',
      'limits.memory': '8Gi',
      pods: '30',
      persistentvolumeclaims: '5',
      'requests.storage': '20Gi',
    },
    limitRange: {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
    },
  },
  medium: {
    quota: {
      'requests.cpu': '4',
      'requests.memory': '8Gi',
      'limits.cpu': '8',
      'limits.memory': '16Gi',
      pods: '60',
      persistentvolumeclaims: '10',
      'requests.storage': '50Gi',
    },
    limitRange: {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '1', memory: '1Gi' },
    },
  },
  large: {
    quota: {
      'requests.cpu': '8',
      'requests.memory': '16Gi',
      'limits.cpu': '16',
      'limits.memory': '32Gi',
      pods: '120',
      persistentvolumeclaims: '20',
      'requests.storage': '100Gi',
    },
    limitRange: {
      defaultRequest: { cpu: '200m', memory: '256Mi' },
      default: { cpu: '2', memory: '2Gi' },
    },
  },
};

export function readKebapSettings(config: Config): KebapSettings {
  const mode = config.getOptionalString('kebap.delivery.mode') ?? 'gitops';
  if (mode !== 'gitops' && mode !== 'kubernetes') {
    throw new Error(
      `kebap.delivery.mode must be 'gitops' or 'kubernetes', not '${mode}'`,
    );
  }
  const sizesConfig = config.getOptionalConfig('kebap.vcluster.sizes');
  const sizes = sizesConfig
    ? Object.fromEntries(
        sizesConfig
          .keys()
          .map(k => [k, sizesConfig.get<VClusterSize>(k)] as const),
      )
    : defaultVClusterSizes;
  const defaultLifetimeDays =
    config.getOptionalNumber('kebap.vcluster.defaultLifetimeDays') ?? 7;
  const maxLifetimeDays =
    config.getOptionalNumber('kebap.vcluster.maxLifetimeDays') ?? 30;
  if (defaultLifetimeDays > maxLifetimeDays) {
    throw new Error(
      'kebap.vcluster.defaultLifetimeDays must not exceed kebap.vcluster.maxLifetimeDays',
    );
  }
  return {
    delivery: {
      mode,
      gitopsRepoPath: path.resolve(
        config.getOptionalString('kebap.delivery.gitops.repoPath') ??
          path.join(process.env.KEBAP_DATA_DIR ?? '../../data', 'gitops'),
      ),
      gitopsRemote: config.has('kebap.delivery.gitops.remote')
        ? {
            url: config.getString('kebap.delivery.gitops.remote.url'),
            branch:
              config.getOptionalString('kebap.delivery.gitops.remote.branch') ??
              'main',
          }
        : undefined,
      removalWaitMs:
        1000 *
        (config.getOptionalNumber(
          'kebap.delivery.kubernetes.removalWaitSeconds',
        ) ?? 60),
    },
    argocd: {
      namespace: config.getOptionalString('kebap.argocd.namespace') ?? 'argocd',
      project: config.getOptionalString('kebap.argocd.project') ?? 'default',
      baseUrl: config.getOptionalString('kebap.argocd.baseUrl'),
    },
    pulumi: {
      cloudUrl:
        config.getOptionalString('kebap.pulumi.cloudUrl') ??
        'https://app.pulumi.com',
    },
    vcluster: {
      chart: {
        repoURL:
          config.getOptionalString('kebap.vcluster.chart.repoURL') ??
          'https://charts.loft.sh',
        chart:
          config.getOptionalString('kebap.vcluster.chart.chart') ?? 'vcluster',
        version:
          config.getOptionalString('kebap.vcluster.chart.version') ?? '0.30.0',
      },
      sizes,
      defaultLifetimeDays,
      maxLifetimeDays,
    },
    externalSecrets: {
      clusterSecretStore:
        config.getOptionalString('kebap.externalSecrets.clusterSecretStore') ??
        'kebap-secrets',
      provider:
        config.getOptionalString('kebap.externalSecrets.provider') ?? 'pulumi',
    },
  };
}
