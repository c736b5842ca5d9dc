export interface Config {
  kebap?: {
    /** Who may order what (the portal's permission policy). */
    permissions?: {
      /**
       * Members of this group are platform admins: they may order prod
       * clusters, run `pulumi:new` / `pulumi:up`, and order for any owner.
       * A group entity ref; a short name means `group:default/<name>`.
       * @default group:default/platform-team
       */
      platformGroup?: string;
      /**
       * Kinds of `kebap:pulumi:stack` orders (its `kind` input) that any
       * member of the owning group may order with `env: prod`. Every other
       * prod order, prod clusters included, needs the platform group.
       * @default [database]
       */
      openProdKinds?: string[];
    };
  };
}
