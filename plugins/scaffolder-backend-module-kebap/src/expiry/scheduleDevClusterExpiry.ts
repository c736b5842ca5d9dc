import { LoggerService, SchedulerService } from '@backstage/backend-plugin-api';
import { DevClusterExpiry, ExpirySettings } from './DevClusterExpiry';

/** The scheduler task id: one id, so one replica at a time runs it. */
export const EXPIRY_TASK_ID = 'kebap-dev-cluster-expiry';

/**
 * Schedules the expiry job as a global task of the Backstage scheduler
 * (`scope: 'global'`, a fixed id): when the portal runs several replicas,
 * the scheduler's lock in the database lets one of them run it at a time.
 */
export async function scheduleDevClusterExpiry(options: {
  scheduler: SchedulerService;
  expiry: DevClusterExpiry;
  settings: ExpirySettings;
  logger: LoggerService;
}): Promise<void> {
  const { scheduler, expiry, settings, logger } = options;
  if (!settings.enabled) {
    logger.info('Dev-cluster expiry is off (kebap.expiry.enabled: false)');
    return;
  }
  await scheduler.scheduleTask({
    id: EXPIRY_TASK_ID,
    scope: 'global',
    frequency: settings.frequency,
    timeout: { minutes: 15 },
    initialDelay: { minutes: 1 },
    fn: async () => {
      const result = await expiry.run();
      if (
        result.warned.length ||
        result.decommissioned.length ||
        result.failed.length
      ) {
        logger.info(
          `Dev-cluster expiry: warned ${result.warned.length}, decommissioned ${result.decommissioned.length}, failed ${result.failed.length}`,
        );
      }
    },
  });
}
