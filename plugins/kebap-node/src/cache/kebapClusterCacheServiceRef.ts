import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { KebapClusterCache } from './KebapClusterCache';

/**
 * The one watch-fed cluster cache of a backend, shared by the status route
 * (plugins/kebap-backend) and the catalog module: root-scoped, so
 * both read the same informers and the cluster is watched once. Started when
 * first used, stopped at shutdown. Tests replace it with their own factory.
 */
export const kebapClusterCacheServiceRef = createServiceRef<KebapClusterCache>({
  id: 'kebap.cluster-cache',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.rootLogger,
        lifecycle: coreServices.rootLifecycle,
      },
      factory({ config, logger, lifecycle }) {
        const cache = KebapClusterCache.fromConfig(config, {
          logger: logger.child({ service: 'kebap-cluster-cache' }),
        });
        cache.start();
        lifecycle.addShutdownHook(() => cache.stop());
        return cache;
      },
    }),
});
