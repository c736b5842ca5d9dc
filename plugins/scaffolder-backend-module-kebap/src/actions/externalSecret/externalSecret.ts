import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  buildExternalSecret,
  orderMetadata,
  validateNamespace,
  validateOneOf,
  validateOrderName,
  validateRemoteKey,
  validateSecretName,
} from '@internal/plugin-kebap-common';
import { KebapSettings } from '../../KebapSettings';
import { OrderDelivery } from '../../delivery/OrderDelivery';
import { deliverOrder, deliveryOutputs } from '../deliverOrder';
import {
  Issue,
  orderProvenance,
  parseOwner,
  throwIfIssues,
} from '../orderInputs';
import { examples } from './externalSecret.examples';

/**
 * `kebap:external-secret`: an ExternalSecret that makes External Secrets
 * Operator keep a Secret filled from the configured ClusterSecretStore
 * (Pulumi ESC or another store). The task only names keys: values never pass
 * through the portal. `remoteKey` + `property` are written in the shape the
 * store's provider reads (`kebap.externalSecrets.provider`, `storeProvider`):
 * Pulumi ESC reads only `key`, so the property is joined into it.
 */
export function createExternalSecretAction(options: {
  delivery: OrderDelivery;
  settings: KebapSettings;
}) {
  const { delivery, settings } = options;
  return createTemplateAction({
    id: 'kebap:external-secret',
    description:
      'Orders a Secret kept by External Secrets Operator from the secret store (values never pass through the portal).',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        order: z =>
          z.string().describe('The order this secret belongs to (its name)'),
        env: z =>
          z
            .enum(['dev', 'prod'])
            .optional()
            .describe('Environment of the order (default prod)'),
        owner: z => z.string().describe('The owning group'),
        name: z =>
          z
            .string()
            .describe(
              'Name of the ExternalSecret and of the Secret it produces',
            ),
        namespace: z => z.string().describe('Namespace of the Secret'),
        storeName: z =>
          z
            .string()
            .optional()
            .describe(
              `ClusterSecretStore to read from (default ${settings.externalSecrets.clusterSecretStore})`,
            ),
        storeKind: z =>
          z.enum(['ClusterSecretStore', 'SecretStore']).optional(),
        storeProvider: z =>
          z
            .string()
            .optional()
            .describe(
              `ESO provider of the store (its spec.provider key: pulumi, kubernetes, vault…); decides how remoteKey and property are written. Default for the configured store: ${settings.externalSecrets.provider}`,
            ),
        data: z =>
          z
            .array(
              z.object({
                secretKey: z.string(),
                remoteKey: z.string(),
                property: z.string().optional(),
              }),
            )
            .optional()
            .describe(
              'Keys of the Secret and where their values live in the store: remoteKey and optionally a property of its value (for Pulumi ESC both form one path, remoteKey.property)',
            ),
        dataFrom: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'Store keys whose every property becomes a key of the Secret',
            ),
        refreshInterval: z =>
          z
            .string()
            .optional()
            .describe('How often ESO re-reads the store (default 1h)'),
      },
      output: {
        ...deliveryOutputs,
        secretName: z => z.string().describe('The Secret that ESO keeps'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const env = input.env ?? 'prod';
      const owner = parseOwner(input.owner);
      const issues: Issue[] = [
        ...owner.issues,
        ...validateOrderName(input.order, { field: 'order', maxLength: 63 }),
        ...validateSecretName(input.name, { field: 'name' }),
        ...validateNamespace(input.namespace, { field: 'namespace' }),
      ];
      if (!input.data?.length && !input.dataFrom?.length) {
        issues.push({
          field: 'data',
          rule: 'required',
          message: 'give data or dataFrom',
        });
      }
      issues.push(...validateOneOf(env, ['dev', 'prod'], { field: 'env' }));
      if (input.storeName !== undefined) {
        issues.push(
          ...validateSecretName(input.storeName, { field: 'storeName' }),
        );
      }
      if (input.storeKind !== undefined) {
        issues.push(
          ...validateOneOf(
            input.storeKind,
            ['ClusterSecretStore', 'SecretStore'],
            { field: 'storeKind' },
          ),
        );
      }
      (input.data ?? []).forEach((d, i) => {
        if (
          typeof d?.secretKey !== 'string' ||
          !/^[-._a-zA-Z0-9]{1,253}$/.test(d.secretKey)
        ) {
          issues.push({
            field: `data[${i}].secretKey`,
            rule: 'secret-key',
            message: `'${String(d?.secretKey)}' is not a valid Secret key`,
          });
        }
        issues.push(
          ...validateRemoteKey(d?.remoteKey, {
            field: `data[${i}].remoteKey`,
          }),
        );
        if (d?.property !== undefined) {
          issues.push(
            ...validateRemoteKey(d.property, {
              field: `data[${i}].property`,
            }),
          );
        }
      });
      const storeName =
        input.storeName ?? settings.externalSecrets.clusterSecretStore;
      const storeKind = input.storeKind ?? 'ClusterSecretStore';
      const configuredStore =
        storeName === settings.externalSecrets.clusterSecretStore &&
        storeKind === 'ClusterSecretStore';
      const provider =
        input.storeProvider ??
        (configuredStore ? settings.externalSecrets.provider : undefined);
      if (
        input.storeProvider !== undefined &&
        !/^[a-z][a-zA-Z0-9]{0,62}$/.test(input.storeProvider)
      ) {
        issues.push({
          field: 'storeProvider',
          rule: 'provider',
          message: `'${String(input.storeProvider).slice(
            0,
            63,
          )}' is not an ESO provider name (e.g. pulumi, kubernetes, vault)`,
        });
      }
      if (
        provider === undefined &&
        (input.data ?? []).some(d => d?.property !== undefined)
      ) {
        issues.push({
          field: 'storeProvider',
          rule: 'required',
          message: `is required with property for a store other than the configured one (${settings.externalSecrets.clusterSecretStore}): Pulumi ESC reads only the key`,
        });
      }
      (input.dataFrom ?? []).forEach((key, i) => {
        issues.push(...validateRemoteKey(key, { field: `dataFrom[${i}]` }));
      });
      if (
        input.refreshInterval &&
        !/^([0-9]+(s|m|h))+$/.test(input.refreshInterval)
      ) {
        issues.push({
          field: 'refreshInterval',
          rule: 'duration',
          message: `'${input.refreshInterval}' is not a duration like 1h or 15m`,
        });
      }
      throwIfIssues(issues);

      const provenance = orderProvenance(ctx);
      const metadata = orderMetadata({
        orderName: input.order,
        owner: owner.ref!,
        template: provenance.templateRef,
        taskId: provenance.taskId,
        entityRef: `resource:default/${env}-${input.order}`,
        env,
        kind: 'external-secret',
      });
      const externalSecret = buildExternalSecret({
        name: input.name,
        namespace: input.namespace,
        storeRef: { name: storeName, kind: storeKind },
        // without a property the shape is the same for every provider
        provider: provider ?? 'unknown',
        target: { name: input.name },
        data: input.data?.map(d => ({
          secretKey: d.secretKey,
          remoteKey: d.remoteKey,
          property: d.property,
        })),
        dataFrom: input.dataFrom?.map(key => ({ extract: { key } })),
        refreshInterval: input.refreshInterval,
        metadata,
      });
      ctx.output('secretName', input.name);
      await deliverOrder(ctx, delivery, {
        env,
        name: input.order,
        part: `secret-${input.name}`.slice(0, 63).replace(/-+$/, ''),
        ownerRef: owner.ref!,
        objects: [externalSecret as any],
        requestedBy: provenance.requestedBy,
        taskId: provenance.taskId,
      });
    },
  });
}
