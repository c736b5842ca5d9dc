import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createArgoCdClusterAction } from './actions/argocd/cluster';
import { createExternalSecretAction } from './actions/externalSecret/externalSecret';
import { createPulumiNewAction } from './actions/pulumi/new';
import { createPulumiUpAction } from './actions/pulumi/up';
import { createPulumiStackAction } from './actions/pulumiStack/stack';
import { createVClusterCreateAction } from './actions/vcluster/create';
import { createWaitAction } from './actions/wait/wait';
import { createDecommissionAction } from './actions/decommission/decommission';
import { createOrderDelivery } from './delivery/createOrderDelivery';
import { scheduleOrdersFetch } from './delivery/RemoteGitopsDelivery';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { ScmIntegrations } from '@backstage/integration';
import { readKebapSettings } from './KebapSettings';
import { PulumiCli } from './pulumi/PulumiCli';
import { notificationService } from '@backstage/plugin-notifications-node';
import { createExtendAction } from './actions/extend/extend';
import { createDevClusterOrderSource } from './expiry/DevClusterOrders';
import {
  DevClusterExpiry,
  readExpirySettings,
} from './expiry/DevClusterExpiry';
import { scheduleDevClusterExpiry } from './expiry/scheduleDevClusterExpiry';

/**
 * The KEBAP portal's scaffolder actions: `pulumi:new` and `pulumi:up`
 * (compatible with Pulumi's module) and the `kebap:*` ordering actions.
 */
export const scaffolderModuleKebap = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'kebap',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        notifications: notificationService,
      },
      async init({ scaffolder, config, logger, scheduler, notifications }) {
        const cli = PulumiCli.fromConfig(config);
        const settings = readKebapSettings(config);
        // The control-plane cluster, when the portal may reach it: always in
        // kubernetes delivery, in gitops delivery when kebap.kubernetes is set
        // (then kebap:wait reads status).
        const client =
          settings.delivery.mode === 'kubernetes' ||
          config.has('kebap.kubernetes')
            ? KubernetesClient.fromConfig(config, { logger })
            : undefined;
        const delivery = createOrderDelivery({
          settings,
          client,
          integrations: ScmIntegrations.fromConfig(config),
        });
        logger.info(
          `KEBAP orders are delivered by ${delivery.mode}${
            settings.delivery.mode === 'gitops'
              ? ` into ${
                  settings.delivery.gitopsRemote?.url ??
                  settings.delivery.gitopsRepoPath
                }`
              : ''
          }`,
        );
        if (
          settings.delivery.mode === 'gitops' &&
          settings.delivery.gitopsRemote
        ) {
          // every replica fetches what the others pushed (local task)
          await scheduleOrdersFetch({
            scheduler,
            delivery,
            seconds:
              config.getOptionalNumber(
                'kebap.delivery.gitops.remote.fetchIntervalSeconds',
              ) ?? 30,
            logger,
          });
        }
        const deps = { delivery, settings };
        scaffolder.addActions(
          createPulumiNewAction({ cli }),
          createPulumiUpAction({ cli }),
          createPulumiStackAction(deps),
          createVClusterCreateAction(deps),
          createArgoCdClusterAction(deps),
          createExternalSecretAction(deps),
          createWaitAction({ client, settings }),
          createDecommissionAction({ delivery }),
        );
        // dev clusters expire: warn the owner, then decommission (src/expiry)
        const orders = createDevClusterOrderSource({
          mode: settings.delivery.mode,
          repoPath: settings.delivery.gitopsRepoPath,
          client,
          logger,
        });
        scaffolder.addActions(createExtendAction({ ...deps, orders }));
        const expirySettings = readExpirySettings(config);
        await scheduleDevClusterExpiry({
          scheduler,
          settings: expirySettings,
          logger,
          expiry: new DevClusterExpiry({
            source: orders,
            delivery,
            notifications,
            logger,
            warnDaysBefore: expirySettings.warnDaysBefore,
            maxLifetimeDays: settings.vcluster.maxLifetimeDays,
          }),
        });
      },
    });
  },
});
