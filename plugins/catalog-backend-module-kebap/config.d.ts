export interface Config {
  kebap?: {
    catalog?: {
      /**
       * How often the orders repository is read for catalog entities, in
       * seconds (reading a local repository is cheap).
       * @default 5
       */
      refreshSeconds?: number;
    };
  };
}
