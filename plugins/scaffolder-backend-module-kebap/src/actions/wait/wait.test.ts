import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { readKebapSettings } from '../../KebapSettings';
import { createRecordingLogger } from '../../testing/createRecordingLogger';
import { createWaitAction } from './wait';

const settings = readKebapSettings(new ConfigReader({}));

const stack = (status: Record<string, unknown>) => ({
  apiVersion: 'pulumi.com/v1',
  kind: 'Stack',
  metadata: { name: 'db', namespace: 'team-a' },
  spec: { stack: 'o/p/s' },
  status,
});
const cond = (
  type: string,
  status = 'True',
  reason?: string,
  message?: string,
) => ({ type, status, reason, message });

describe('kebap:wait', () => {
  let api: FakeKubernetesApi;
  let client: KubernetesClient;
  beforeEach(async () => {
    api = await FakeKubernetesApi.start();
    client = new KubernetesClient({
      baseUrl: api.baseUrl,
      logger: mockServices.logger.mock(),
      retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2, timeoutMs: 300 },
    });
  });
  afterEach(() => api.stop());

  /** Each poll interval moves the object to its next state. */
  function run(
    input: Record<string, unknown>,
    states: Array<Record<string, unknown> | undefined>,
    extra = {},
  ) {
    let step = 0;
    const seed = () => {
      const next = states[Math.min(step, states.length - 1)];
      if (next) api.seed(next, { manager: 'operator' });
    };
    seed();
    const sleep = async () => {
      step++;
      seed();
    };
    const logger = createRecordingLogger();
    const ctx = createMockActionContext({ input: input as any, logger });
    Object.assign(ctx, extra);
    return {
      ctx,
      logger,
      done: createWaitAction({ client, settings, sleep }).handler(ctx as any),
    };
  }

  it('reports each state change of a Stack until it is ready', async () => {
    const { ctx, logger, done } = run(
      { kind: 'Stack', name: 'db', namespace: 'team-a', intervalSeconds: 1 },
      [
        undefined,
        stack({
          conditions: [cond('Reconciling', 'True', 'RetryingAfterFailure')],
        }),
        stack({
          conditions: [cond('Reconciling', 'True', 'RetryingAfterFailure')],
        }),
        stack({
          lastUpdate: {
            state: 'succeeded',
            lastSuccessfulCommit: 'abcdef1234567890',
          },
          conditions: [cond('Ready')],
        }),
      ],
    );
    await done;
    expect(logger.lines).toEqual([
      'info: Stack team-a/db: not created yet (pending sync)',
      'info: Stack team-a/db: no update yet, Reconciling (RetryingAfterFailure)',
      'info: Stack team-a/db: last update succeeded at abcdef123456, Ready',
    ]);
    expect(ctx.output).toHaveBeenCalledWith('state', 'ready');
  });

  it("fails with the Stack's own message when its update failed", async () => {
    const { done } = run({ kind: 'Stack', name: 'db', namespace: 'team-a' }, [
      stack({
        lastUpdate: {
          state: 'failed',
          message: 'digitalocean: 401 unable to authenticate',
        },
        conditions: [cond('Ready', 'False')],
      }),
    ]);
    await expect(done).rejects.toThrow(
      'Stack team-a/db failed: last update failed: digitalocean: 401 unable to authenticate',
    );
  });

  it('fails on a Stalled stack', async () => {
    const { done } = run({ kind: 'Stack', name: 'db', namespace: 'team-a' }, [
      stack({
        conditions: [
          cond(
            'Stalled',
            'True',
            'SourceUnavailable',
            'git repository not found',
          ),
        ],
      }),
    ]);
    await expect(done).rejects.toThrow(/failed: .*git repository not found/);
  });

  it('waits for an Application to be Healthy and Synced, and gives up at the timeout', async () => {
    const app = (health: string, sync: string) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'vcluster-alpha', namespace: 'argocd' },
      spec: {},
      status: { health: { status: health }, sync: { status: sync } },
    });
    const ok = run({ kind: 'Application', name: 'vcluster-alpha' }, [
      app('Progressing', 'OutOfSync'),
      app('Healthy', 'Synced'),
    ]);
    await ok.done;
    expect(ok.ctx.output).toHaveBeenCalledWith(
      'summary',
      'health Healthy, sync Synced',
    );

    const slow = run(
      {
        kind: 'Application',
        name: 'vcluster-alpha',
        timeoutSeconds: 1,
        intervalSeconds: 1,
      },
      [app('Progressing', 'Synced')],
    );
    await expect(slow.done).rejects.toThrow(
      'Application argocd/vcluster-alpha was not ready after 1s: health Progressing, sync Synced',
    );
  });

  it('does not wait without a cluster to read (gitops on the embedded defaults)', async () => {
    const logger = createRecordingLogger();
    const ctx = createMockActionContext({
      input: { kind: 'Stack', name: 'db', namespace: 'a' } as any,
      logger,
    });
    await createWaitAction({ settings }).handler(ctx as any);
    expect(ctx.output).toHaveBeenCalledWith('state', 'pending-sync');
  });

  it('refuses bad timing input', async () => {
    const { done } = run(
      { kind: 'Stack', name: 'db', namespace: 'a', timeoutSeconds: 99999 },
      [undefined],
    );
    await expect(done).rejects.toThrow(
      'timeoutSeconds: must be from 1 to 3600 (range)',
    );
  });
});
