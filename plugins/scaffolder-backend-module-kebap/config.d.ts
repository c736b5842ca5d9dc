export interface Config {
  kebap?: {
    pulumi?: {
      /**
       * The Pulumi CLI used by `pulumi:new` and `pulumi:up`: a command name
       * looked up on the backend's PATH, or an absolute path.
       * @default pulumi
       */
      cliPath?: string;
      /**
       * Base URL of Pulumi Cloud, for links to stacks in task outputs.
       * @default https://app.pulumi.com
       */
      cloudUrl?: string;
    };
    delivery?: {
      /**
       * How orders reach the control-plane cluster: `gitops` commits the
       * rendered manifests to a Git repository that Argo CD syncs;
       * `kubernetes` applies them with server-side apply.
       * @default gitops
       */
      mode?: 'gitops' | 'kubernetes';
      gitops?: {
        /**
         * The orders repository on the backend's disk, created on first use.
         * Relative paths are relative to the backend's working directory.
         */
        repoPath?: string;
        /**
         * A remote repository (the one Argo CD syncs) to push orders to; the
         * credentials come from the Backstage integration of its host.
         * repoPath is then the working clone.
         */
        remote?: {
          /** e.g. https://github.com/acme/platform-orders.git */
          url: string;
          /** @default main */
          branch?: string;
          /**
           * How often every replica fetches the remote branch into its
           * working clone, in seconds, so that the catalog, the status route
           * and expiry of each replica see the orders others pushed within
           * that time (whether or not it delivered any). 0: only when it
           * delivers, and before expiry and extend.
           * @default 30
           */
          fetchIntervalSeconds?: number;
        };
      };
      kubernetes?: {
        /**
         * Decommission in kubernetes delivery: how long it waits for objects
         * held by finalizers (a Stack destroying its cloud resources, an Argo
         * CD Application pruning) before it completes and reports what is
         * still deleting; their Programs and credentials are deleted only
         * once they are gone (run Decommission again, or the expiry task
         * does it).
         * @default 60
         */
        removalWaitSeconds?: number;
      };
    };
    argocd?: {
      /**
       * Argo CD's namespace on the control-plane cluster.
       * @default argocd
       */
      namespace?: string;
      /**
       * The Argo CD project of the Applications the portal creates.
       * @default default
       */
      project?: string;
      /**
       * Argo CD's web address, for links to applications in task outputs.
       */
      baseUrl?: string;
    };
    vcluster?: {
      chart?: {
        /** Helm repository of the vCluster chart. */
        repoURL?: string;
        /** Chart name. */
        chart?: string;
        /** Chart version, pinned. */
        version?: string;
      };
      /**
       * Dev-cluster sizes: ResourceQuota hard limits and LimitRange defaults
       * of the namespace that hosts the vCluster, by size name.
       */
      sizes?: {
        [size: string]: {
          quota: { [resource: string]: string };
          limitRange?: {
            defaultRequest?: { [resource: string]: string };
            default?: { [resource: string]: string };
          };
        };
      };
      /**
       * Default lifetime of a dev cluster, in days.
       * @default 7
       */
      defaultLifetimeDays?: number;
      /**
       * Longest lifetime a dev cluster may be ordered or extended to, in days.
       * @default 30
       */
      maxLifetimeDays?: number;
    };
    /** Dev clusters expire (`kebap.io/expires-at`, set when ordered). */
    expiry?: {
      /**
       * Whether the portal warns owners and decommissions expired dev
       * clusters (a scheduled task; one replica runs it at a time).
       * @default true
       */
      enabled?: boolean;
      /**
       * How often the task looks at the dev clusters: an ISO 8601 duration
       * (`PT1H`), a string like `1 hour`, or an object like `{ hours: 1 }`.
       * @default { hours: 1 }
       */
      frequency?: string | { [unit: string]: number };
      /**
       * The owning group is notified this many days before a dev cluster
       * expires (once per expiry; extending it warns again later).
       * @default 2
       */
      warnDaysBefore?: number;
    };
    externalSecrets?: {
      /**
       * The ClusterSecretStore that orders read cloud credentials from
       * (for example one backed by Pulumi ESC).
       * @default kebap-secrets
       */
      clusterSecretStore?: string;
      /**
       * The External Secrets Operator provider of that store (its
       * `spec.provider` key). `pulumi` (Pulumi ESC, what gitops/ installs)
       * reads only `remoteRef.key`, a property path into the environment:
       * orders' `remoteKey` + `property` are joined into it
       * (`aws-credentials.AWS_ACCESS_KEY_ID`). Any other provider
       * (`kubernetes`, `vault`, …) gets `key` + `property`.
       * @default pulumi
       */
      provider?: string;
    };
  };
}
