import type { OrderObject } from '@internal/plugin-kebap-common';

/** Where an object stands, in words for the task log. */
export interface Readiness {
  state: 'ready' | 'progressing' | 'failed';
  summary: string;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/**
 * A Pulumi Operator Stack's readiness: `status.lastUpdate.state` failed (with
 * its message) or a `Stalled` condition fail; `Ready=True` with a succeeded
 * last update is ready; anything else is progressing.
 */
export function stackReadiness(stack: OrderObject): Readiness {
  const status = (stack as any).status ?? {};
  const conditions: Condition[] = status.conditions ?? [];
  const cond = (t: string) => conditions.find(c => c.type === t);
  const last = status.lastUpdate ?? {};
  const words = [
    last.state
      ? `last update ${last.state}${
          last.lastSuccessfulCommit
            ? ` at ${String(last.lastSuccessfulCommit).slice(0, 12)}`
            : ''
        }`
      : 'no update yet',
    ...['Ready', 'Reconciling', 'Stalled']
      .map(t => cond(t))
      .filter((c): c is Condition => !!c && c.status === 'True')
      .map(c => `${c.type}${c.reason ? ` (${c.reason})` : ''}`),
  ].join(', ');
  if (last.state === 'failed') {
    return {
      state: 'failed',
      summary: `${words}: ${last.message ?? 'no message'}`,
    };
  }
  const stalled = cond('Stalled');
  if (stalled?.status === 'True') {
    return {
      state: 'failed',
      summary: `${words}: ${stalled.message ?? stalled.reason ?? 'stalled'}`,
    };
  }
  if (cond('Ready')?.status === 'True' && last.state === 'succeeded') {
    return { state: 'ready', summary: words };
  }
  return { state: 'progressing', summary: words };
}

/** An Argo CD Application's readiness: Healthy and Synced; Degraded fails. */
export function applicationReadiness(app: OrderObject): Readiness {
  const status = (app as any).status ?? {};
  const health = status.health?.status ?? 'Unknown';
  const sync = status.sync?.status ?? 'Unknown';
  const summary = `health ${health}, sync ${sync}${
    status.health?.message ? `: ${status.health.message}` : ''
  }`;
  if (health === 'Degraded') return { state: 'failed', summary };
  if (health === 'Healthy' && sync === 'Synced')
    return { state: 'ready', summary };
  return { state: 'progressing', summary };
}
