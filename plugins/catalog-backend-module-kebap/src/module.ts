import path from 'node:path';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { kebapClusterCacheServiceRef } from '@internal/plugin-kebap-node';
import { KebapOrdersEntityProvider } from './KebapOrdersEntityProvider';
import { KebapClusterEntityProvider } from './KebapClusterEntityProvider';

/**
 * Ordered resources in the catalog by themselves: one `Resource` entity per
 * order of the GitOps orders repository (gitops delivery), and per order
 * whose objects the portal labelled on the control-plane cluster (when one
 * is configured; read from the shared watch-fed cache).
 */
export const catalogModuleKebap = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'kebap',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        cache: kebapClusterCacheServiceRef,
      },
      async init({ catalog, config, logger, scheduler, cache }) {
        const gitops =
          (config.getOptionalString('kebap.delivery.mode') ?? 'gitops') ===
          'gitops';
        const seconds =
          config.getOptionalNumber('kebap.catalog.refreshSeconds') ?? 5;
        const repoPath =
          config.getOptionalString('kebap.delivery.gitops.repoPath') ??
          path.join(process.env.KEBAP_DATA_DIR ?? '../../data', 'gitops');
        const fullResyncMinutes =
          config.getOptionalNumber('kebap.catalog.ordersFullResyncMinutes') ??
          60;
        const ordersProvider = gitops
          ? new KebapOrdersEntityProvider({
              repoPath,
              logger,
              fullResyncMs: fullResyncMinutes * 60_000,
              taskRunner: scheduler.createScheduledTaskRunner({
                frequency: { seconds },
                timeout: { minutes: 1 },
              }),
            })
          : undefined;
        if (ordersProvider) catalog.addEntityProvider(ordersProvider);
        if (cache.configured) {
          catalog.addEntityProvider(
            new KebapClusterEntityProvider({
              cache,
              logger,
              // in gitops delivery the repository's orders come from the
              // orders provider; this one adds what is only on the cluster
              skip: ordersProvider
                ? () => ordersProvider.emittedNames()
                : undefined,
              taskRunner: scheduler.createScheduledTaskRunner({
                frequency: { seconds },
                timeout: { minutes: 1 },
              }),
            }),
          );
        }
      },
    });
  },
});
