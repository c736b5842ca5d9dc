import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createPulumiNewAction } from './actions/pulumi/new';
import { createPulumiUpAction } from './actions/pulumi/up';
import { PulumiCli } from './pulumi/PulumiCli';

/**
 * The KEBAP portal's scaffolder actions.
 */
export const scaffolderModuleKebap = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'kebap',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, config }) {
        const cli = PulumiCli.fromConfig(config);
        scaffolder.addActions(
          createPulumiNewAction({ cli }),
          createPulumiUpAction({ cli }),
        );
      },
    });
  },
});
