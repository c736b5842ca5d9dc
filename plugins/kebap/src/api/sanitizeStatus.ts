import type { OrderStatus } from '@internal/plugin-kebap-common';

/**
 * The status without a value on any secret output. The backend never sends
 * one; this makes sure a faulty backend still cannot get one onto the page.
 */
export function sanitizeStatus(status: OrderStatus): OrderStatus {
  if (!status.stack) return status;
  return {
    ...status,
    stack: {
      ...status.stack,
      outputs: (status.stack.outputs ?? []).map(output =>
        output.secret ? { name: output.name, secret: true } : output,
      ),
      conditions: status.stack.conditions ?? [],
    },
  };
}
