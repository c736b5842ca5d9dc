import { Config } from '@backstage/config';
import { LoggerService } from '@backstage/backend-plugin-api';
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
  config: Config;
  settings: KebapSettings;
  logger: LoggerService;
}): OrderDelivery {
  const { settings } = options;
  if (settings.delivery.mode === 'gitops') {
    return new GitopsDelivery({
      repoPath: settings.delivery.gitopsRepoPath,
      mayOverwrite: mayOverwriteOrder,
    });
  }
  return new KubernetesDelivery({
    client: KubernetesClient.fromConfig(options.config, {
      logger: options.logger,
    }),
    mayOverwrite: mayOverwriteOrder,
  });
}
