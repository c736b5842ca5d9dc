import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  scaffolderActionsExtensionPoint,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleKebap } from '../module';

/**
 * Starts a test backend with the KEBAP scaffolder module on `config` (the
 * module builds its deliveries and clients from it, as in the portal) and
 * returns the actions it registered, by id, and a stop function.
 */
export async function startModuleActions(config: Record<string, unknown>) {
  const actions = new Map<string, TemplateAction<any, any, any>>();
  const backend = await startTestBackend({
    extensionPoints: [
      [
        scaffolderActionsExtensionPoint,
        {
          addActions: (...added: TemplateAction<any, any, any>[]) => {
            for (const a of added) actions.set(a.id, a);
          },
        },
      ],
    ],
    features: [
      scaffolderModuleKebap,
      mockServices.rootConfig.factory({ data: config as any }),
    ],
  });
  return { actions, stop: () => backend.stop() };
}
