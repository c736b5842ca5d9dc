import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { KebapPermissionPolicy } from './KebapPermissionPolicy';

/**
 * The KEBAP portal's permission policy as a module of the permission
 * backend; the backend adds this package in place of the allow-all policy.
 */
export const permissionModuleKebapPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'kebap-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
        logger: coreServices.logger,
      },
      async init({ policy, config, userInfo, logger }) {
        const kebapPolicy = KebapPermissionPolicy.fromConfig(config, {
          ownershipOf: async user =>
            (await userInfo.getUserInfo(user.credentials)).ownershipEntityRefs,
        });
        logger.info(
          `KEBAP permission policy: platform admins are members of ${kebapPolicy.platformGroup}`,
        );
        policy.setPolicy(kebapPolicy);
      },
    });
  },
});
