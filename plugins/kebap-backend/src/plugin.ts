import path from 'node:path';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { kebapClusterCacheServiceRef } from '@internal/plugin-kebap-node';
import { GitopsOrders } from './gitops/GitopsOrders';
import { cacheOrderReader } from './service/OrderReader';
import { OrderStatusService } from './service/OrderStatusService';
import { createRouter } from './router';

/**
 * The kebap backend plugin: `GET /api/kebap/status/:kind/:namespace/:name`
 * answers the status of an ordered resource from the watch-fed cache of the
 * control-plane cluster, or from the orders repository when no cluster is
 * configured (the embedded default).
 */
export const kebapPlugin = createBackendPlugin({
  pluginId: 'kebap',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        catalog: catalogServiceRef,
        cache: kebapClusterCacheServiceRef,
      },
      async init({ config, logger, httpAuth, httpRouter, catalog, cache }) {
        const mode =
          config.getOptionalString('kebap.delivery.mode') ?? 'gitops';
        const gitops =
          mode === 'gitops'
            ? new GitopsOrders({
                repoPath:
                  config.getOptionalString('kebap.delivery.gitops.repoPath') ??
                  path.join(
                    process.env.KEBAP_DATA_DIR ?? '../../data',
                    'gitops',
                  ),
                logger,
                // a page view answers from the previous HEAD rather than
                // wait longer for a new one to be read
                maxWaitMs: 20,
              })
            : undefined;
        const statusService = new OrderStatusService({
          reader: cache.configured ? cacheOrderReader(cache) : undefined,
          gitops,
          links: {
            pulumiCloudUrl:
              config.getOptionalString('kebap.pulumi.cloudUrl') ??
              'https://app.pulumi.com',
            argocdBaseUrl: config.getOptionalString('kebap.argocd.baseUrl'),
          },
        });
        logger.info(
          `Order status from ${
            cache.configured
              ? `the watch-fed cache of ${cache
                  .state()
                  .map(s => s.cluster)
                  .join(', ')}`
              : 'no cluster'
          }${gitops ? ' and the orders repository' : ''}`,
        );
        httpRouter.use(
          await createRouter({ httpAuth, catalog, statusService }),
        );
      },
    });
  },
});
