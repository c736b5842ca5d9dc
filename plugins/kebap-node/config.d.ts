export interface Config {
  kebap?: {
    kubernetes?: {
      /**
       * Name of a cluster in the Backstage `kubernetes` config
       * (clusterLocatorMethods of type config) that the portal writes to.
       */
      clusterName?: string;
      /** Path of a kubeconfig file to use instead. */
      kubeconfigPath?: string;
      /** Context of that kubeconfig (default: its current context). */
      context?: string;
      /** Use the pod's service account (the portal runs in the cluster). */
      inCluster?: boolean;
    };
  };
}
