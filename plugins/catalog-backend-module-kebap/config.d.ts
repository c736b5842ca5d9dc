export interface Config {
  kebap?: {
    catalog?: {
      /**
       * How often the orders repository is read for catalog entities, and
       * the cluster cache's memory copy re-read (besides its watch events),
       * in seconds (both are cheap: no Kubernetes API call).
       * @default 5
       */
      refreshSeconds?: number;
    };
  };
}
