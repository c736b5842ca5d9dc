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
      /**
       * The orders provider sends only what changed when the orders
       * repository's HEAD moves (delta mutations), and nothing while it does
       * not; every so many minutes it sends the whole set again (a full
       * mutation, the safety net). 0: a full mutation on every new HEAD.
       * @default 60
       */
      ordersFullResyncMinutes?: number;
    };
  };
}
