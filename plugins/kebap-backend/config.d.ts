export interface Config {
  kebap?: {
    pulumi?: {
      /**
       * Base URL of Pulumi Cloud, for links to stacks on status cards
       * (`<cloudUrl>/<org>/<project>/<stack>` from the Stack's spec.stack).
       * @default https://app.pulumi.com
       */
      cloudUrl?: string;
    };
    argocd?: {
      /**
       * Argo CD's namespace on the control-plane cluster: where the status
       * cache watches cluster registrations (Secrets).
       * @default argocd
       */
      namespace?: string;
      /**
       * Argo CD's web address, for links to applications on status cards.
       */
      baseUrl?: string;
    };
  };
}
