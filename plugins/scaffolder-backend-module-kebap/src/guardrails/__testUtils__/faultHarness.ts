/*
 * Test helper for the fault and concurrency suites: the ordering actions
 * built on a kubernetes delivery whose client retries fast (so timeouts and
 * backoff take milliseconds), or on a gitops delivery, and a way to run an
 * action as a scaffolder task does, including checkpoints that survive a
 * re-run of the same task (successes are replayed, failures run again,
 * as the scaffolder's workflow runner does).
 */
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { readKebapSettings } from '../../KebapSettings';
import { createArgoCdClusterAction } from '../../actions/argocd/cluster';
import { createDecommissionAction } from '../../actions/decommission/decommission';
import { createExternalSecretAction } from '../../actions/externalSecret/externalSecret';
import { createPulumiStackAction } from '../../actions/pulumiStack/stack';
import { createVClusterCreateAction } from '../../actions/vcluster/create';
import { mayOverwriteOrder } from '../../delivery/createOrderDelivery';
import { GitopsDelivery } from '../../delivery/GitopsDelivery';
import { KubernetesDelivery } from '../../delivery/KubernetesDelivery';
import { OrderDelivery } from '../../delivery/OrderDelivery';
import { createRecordingLogger } from '../../testing/createRecordingLogger';

/** Total attempts per API call in these suites (the client's default is 4 too). */
export const ATTEMPTS = 4;

export function fastClient(api: FakeKubernetesApi, timeoutMs = 150) {
  return new KubernetesClient({
    baseUrl: api.baseUrl,
    logger: mockServices.logger.mock(),
    retry: {
      attempts: ATTEMPTS,
      baseDelayMs: 2,
      maxDelayMs: 20,
      timeoutMs,
    },
  });
}

/**
 * `timeoutMs`: per request; raise it when many orders run at once. A
 * removal does not wait for finalizers (the double's only clear when a test
 * plays the controller with `api.finalize`).
 */
export function kubernetesDelivery(api: FakeKubernetesApi, timeoutMs = 150) {
  return new KubernetesDelivery({
    client: fastClient(api, timeoutMs),
    mayOverwrite: mayOverwriteOrder,
    removalWaitMs: 0,
  });
}

export function gitopsDelivery(repoPath: string) {
  return new GitopsDelivery({ repoPath, mayOverwrite: mayOverwriteOrder });
}

/** The ordering actions on one delivery, by id. */
export function orderingActions(delivery: OrderDelivery) {
  const settings = readKebapSettings(
    new ConfigReader({ kebap: { delivery: { mode: delivery.mode } } }),
  );
  const deps = {
    delivery,
    settings,
    now: () => new Date('2026-11-25T12:00:00Z'),
  };
  const list: TemplateAction<any, any, any>[] = [
    createVClusterCreateAction(deps),
    createArgoCdClusterAction(deps),
    createPulumiStackAction(deps),
    createExternalSecretAction(deps),
    createDecommissionAction({ delivery }),
  ];
  return new Map(list.map(a => [a.id, a]));
}

/** A scaffolder task's memory of its checkpoints, kept across re-runs. */
export type TaskState = Map<string, unknown>;

/** Runs one action as a task step; resolves with its outputs and log. */
export async function runStep(
  action: TemplateAction<any, any, any>,
  input: Record<string, unknown>,
  options: { taskId: string; state?: TaskState; user?: string },
) {
  const logger = createRecordingLogger();
  const outputs: Record<string, unknown> = {};
  const state = options.state ?? new Map();
  const ctx = createMockActionContext({ input: input as any, logger });
  Object.assign(ctx, {
    task: { id: options.taskId },
    user: { ref: options.user ?? 'user:default/guest' },
    output: (k: string, v: unknown) => {
      outputs[k] = v;
    },
    checkpoint: async ({ key, fn }: { key: string; fn: () => unknown }) => {
      if (state.has(key)) return state.get(key);
      const value = await fn();
      state.set(key, value);
      return value;
    },
  });
  await action.handler(ctx as any);
  return { outputs, lines: logger.lines };
}

/** The objects the portal wrote, as `Kind/namespace/name`, sorted. */
export function portalObjects(api: FakeKubernetesApi): string[] {
  return api
    .objects()
    .filter(
      o =>
        o.metadata.labels?.['app.kubernetes.io/managed-by'] === 'kebap-portal',
    )
    .map(o => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`)
    .sort();
}
