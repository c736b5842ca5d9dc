import { isOwnedBy } from '@internal/plugin-kebap-common';
import { KebapSettings } from '../KebapSettings';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { GitopsDelivery, MayOverwrite } from './GitopsDelivery';
import { KubernetesDelivery } from './KubernetesDelivery';
import { OrderDelivery } from './OrderDelivery';

/** The ownership rule shared by both delivery modes. */
export const mayOverwriteOrder: MayOverwrite = (existing, order) =>
  isOwnedBy(existing.metadata, {
    orderName: order.name,
    ownerRef: order.ownerRef,
  });

/** The delivery that `kebap.delivery.mode` selects. */
export function createOrderDelivery(options: {
  settings: KebapSettings;
  /** the control-plane cluster; required in kubernetes delivery */
  client?: KubernetesClient;
}): OrderDelivery {
  const { settings } = options;
  if (settings.delivery.mode === 'gitops') {
    return new GitopsDelivery({
      repoPath: settings.delivery.gitopsRepoPath,
      mayOverwrite: mayOverwriteOrder,
    });
  }
  if (!options.client) {
    throw new Error(
      'kebap.delivery.mode kubernetes needs a cluster: set kebap.kubernetes.*',
    );
  }
  return new KubernetesDelivery({
    client: options.client,
    mayOverwrite: mayOverwriteOrder,
  });
}
