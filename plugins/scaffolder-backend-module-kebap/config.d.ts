export interface Config {
  kebap?: {
    pulumi?: {
      /**
       * The Pulumi CLI used by `pulumi:new` and `pulumi:up`: a command name
       * looked up on the backend's PATH, or an absolute path.
       * @default pulumi
       */
      cliPath?: string;
    };
  };
}
