import path from 'node:path';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { KebapOrdersEntityProvider } from './KebapOrdersEntityProvider';

/**
 * Ordered resources in the catalog by themselves: one `Resource` entity per
 * order of the GitOps orders repository (gitops delivery).
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
      },
      async init({ catalog, config, logger, scheduler }) {
        if (
          (config.getOptionalString('kebap.delivery.mode') ?? 'gitops') !==
          'gitops'
        ) {
          return;
        }
        const repoPath =
          config.getOptionalString('kebap.delivery.gitops.repoPath') ??
          path.join(process.env.KEBAP_DATA_DIR ?? '../../data', 'gitops');
        const seconds =
          config.getOptionalNumber('kebap.catalog.refreshSeconds') ?? 5;
        catalog.addEntityProvider(
          new KebapOrdersEntityProvider({
            repoPath,
            logger,
            taskRunner: scheduler.createScheduledTaskRunner({
              frequency: { seconds },
              timeout: { minutes: 1 },
            }),
          }),
        );
      },
    });
  },
});
