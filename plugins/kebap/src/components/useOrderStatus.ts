import { useEffect, useState } from 'react';
import type { CompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/frontend-plugin-api';
import type { OrderStatus } from '@internal/plugin-kebap-common';
import { kebapApiRef } from '../api/KebapApi';

/** How often the card asks again while the page is open. */
export const DEFAULT_REFRESH_MS = 10_000;

interface OrderStatusResult {
  /** the last status received (kept while a later refresh fails) */
  status?: OrderStatus;
  /** the error of the last request, cleared by the next success */
  error?: Error;
  /** true until the first answer or error */
  loading: boolean;
}

/**
 * The status of an ordered entity, asked again every `refreshMs` while the
 * page is visible (the route answers from the backend's cache, so this is
 * cheap). A failed refresh keeps the last status and reports the error.
 */
export function useOrderStatus(
  entityRef: CompoundEntityRef,
  refreshMs: number = DEFAULT_REFRESH_MS,
): OrderStatusResult {
  const kebapApi = useApi(kebapApiRef);
  const [result, setResult] = useState<OrderStatusResult>({ loading: true });
  const { kind, namespace, name } = entityRef;
  useEffect(() => {
    let active = true;
    const controller = new AbortController();
    setResult({ loading: true });
    // one request at a time, per effect run: an aborted run's late finish
    // cannot free the next run's slot
    let inFlight = false;

    const load = async () => {
      if (inFlight) return;
      inFlight = true;
      try {
        const status = await kebapApi.getOrderStatus(
          { kind, namespace, name },
          { signal: controller.signal },
        );
        if (active) setResult({ status, loading: false });
      } catch (e) {
        if (active) {
          const error = e instanceof Error ? e : new Error(String(e));
          setResult(previous => ({ ...previous, error, loading: false }));
        }
      } finally {
        inFlight = false;
      }
    };

    load();
    const timer =
      refreshMs > 0
        ? setInterval(() => {
            if (
              typeof document === 'undefined' ||
              document.visibilityState !== 'hidden'
            ) {
              load();
            }
          }, refreshMs)
        : undefined;
    return () => {
      active = false;
      controller.abort();
      if (timer) clearInterval(timer);
    };
  }, [kebapApi, kind, namespace, name, refreshMs]);

  return result;
}
