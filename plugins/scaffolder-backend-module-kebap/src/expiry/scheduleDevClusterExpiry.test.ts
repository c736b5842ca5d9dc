import { mockServices } from '@backstage/backend-test-utils';
import { DevClusterExpiry } from './DevClusterExpiry';
import {
  EXPIRY_TASK_ID,
  scheduleDevClusterExpiry,
} from './scheduleDevClusterExpiry';

describe('scheduleDevClusterExpiry', () => {
  const run = jest.fn(async () => ({
    warned: ['a'],
    decommissioned: [],
    failed: [],
  }));
  const expiry = { run } as unknown as DevClusterExpiry;

  it('schedules one global task with a fixed id that runs the job', async () => {
    const scheduler = mockServices.scheduler.mock();
    const logger = mockServices.logger.mock();
    await scheduleDevClusterExpiry({
      scheduler,
      expiry,
      logger,
      settings: {
        enabled: true,
        frequency: { minutes: 30 },
        warnDaysBefore: 2,
      },
    });
    expect(scheduler.scheduleTask).toHaveBeenCalledTimes(1);
    const task = scheduler.scheduleTask.mock.calls[0][0];
    expect(task).toMatchObject({
      id: EXPIRY_TASK_ID,
      scope: 'global',
      frequency: { minutes: 30 },
    });
    await task.fn(new AbortController().signal);
    expect(run).toHaveBeenCalledTimes(1);
    expect(logger.info).toHaveBeenCalledWith(
      'Dev-cluster expiry: warned 1, decommissioned 0, failed 0',
    );
  });

  it('schedules nothing when kebap.expiry.enabled is false', async () => {
    const scheduler = mockServices.scheduler.mock();
    await scheduleDevClusterExpiry({
      scheduler,
      expiry,
      logger: mockServices.logger.mock(),
      settings: { enabled: false, frequency: { hours: 1 }, warnDaysBefore: 2 },
    });
    expect(scheduler.scheduleTask).not.toHaveBeenCalled();
  });
});
