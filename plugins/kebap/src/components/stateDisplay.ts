import type { OrderState } from '@internal/plugin-kebap-common';

/** How a state looks on the card. */
export interface StateDisplay {
  /** the headline word */
  label: string;
  /** what it means for the developer, and what happens next */
  explanation: string;
  tone: 'ok' | 'busy' | 'error' | 'waiting' | 'unknown' | 'warning';
}

export const stateDisplay: Record<OrderState, StateDisplay> = {
  ready: {
    label: 'Ready',
    explanation: 'Everything this order created is up and healthy.',
    tone: 'ok',
  },
  progressing: {
    label: 'In progress',
    explanation:
      'Being created or updated. This page refreshes by itself; it turns to Ready when the work is done.',
    tone: 'busy',
  },
  failed: {
    label: 'Failed',
    explanation:
      'The last attempt failed. The details below say what went wrong; the platform retries by itself, a fix in the order or a platform change may be needed.',
    tone: 'error',
  },
  'pending-sync': {
    label: 'Waiting for Argo CD',
    explanation:
      'The order is committed to the GitOps orders repository but not applied yet: Argo CD applies it when it next syncs, then the status shows here.',
    tone: 'waiting',
  },
  'not-found': {
    label: 'Not found',
    explanation:
      'Neither the cluster nor the orders repository knows this order. It was probably decommissioned; the catalog drops the entity shortly.',
    tone: 'unknown',
  },
  deleting: {
    label: 'Being decommissioned',
    explanation:
      'The order is being removed. Its controllers are cleaning up behind their finalizers (a prod cluster or database: Pulumi destroys the cloud resources; a dev cluster: Argo CD deletes the vCluster). What they still need (the program, its credentials) is removed once they are done: run Decommission again then, or wait for the expiry task.',
    tone: 'busy',
  },
  unreachable: {
    label: 'Cluster not reachable',
    explanation:
      'The portal cannot read the control-plane cluster right now, so it cannot tell how the order is doing. It keeps trying.',
    tone: 'warning',
  },
};

/** For a state a newer backend sends that this frontend does not know. */
export function displayOf(state: string): StateDisplay {
  return (
    stateDisplay[state as OrderState] ?? {
      label: state,
      explanation: 'The portal reported a state this page does not know.',
      tone: 'unknown',
    }
  );
}
