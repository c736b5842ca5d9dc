import { InfoCard } from '@backstage/core-components';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import LinearProgress from '@material-ui/core/LinearProgress';
import {
  ApplicationDetails,
  RegistrationDetails,
  registrationOf,
} from './ApplicationDetails';
import { OrderActions } from './OrderActions';
import { OrderDetails } from './OrderDetails';
import { Section } from './Section';
import { StackDetails } from './StackDetails';
import { StatusErrorPanel } from './StatusErrorPanel';
import { StatusFooter } from './StatusFooter';
import { StatusHeadline } from './StatusHeadline';
import { DEFAULT_REFRESH_MS, useOrderStatus } from './useOrderStatus';

/**
 * The "Order status" card of an ordered entity's overview: the state in one
 * word, the order, the stack, the Argo CD application and registration, and
 * what to do next. Refreshes itself while the page is open.
 */
export function OrderStatusCard(props: { refreshMs?: number }) {
  const refreshMs = props.refreshMs ?? DEFAULT_REFRESH_MS;
  const { entity } = useEntity();
  const { status, error, loading } = useOrderStatus(
    getCompoundEntityRef(entity),
    refreshMs,
  );
  const registration = status && registrationOf(status);
  return (
    <Box component="section" aria-label="Order status" height="100%">
      <InfoCard title="Order status">
        {loading && <LinearProgress aria-label="Loading the order status" />}
        {error && <StatusErrorPanel error={error} stale={Boolean(status)} />}
        {status && (
          <>
            <StatusHeadline status={status} />
            {status.order && (
              <Section title="Order">
                <OrderDetails order={status.order} />
              </Section>
            )}
            {status.stack && (
              <Section title="Pulumi stack">
                <StackDetails stack={status.stack} />
              </Section>
            )}
            {status.application && (
              <Section title="Argo CD application">
                <ApplicationDetails application={status.application} />
              </Section>
            )}
            {registration && (
              <Section title="Argo CD registration">
                <RegistrationDetails registration={registration} />
              </Section>
            )}
            {status.state !== 'not-found' && (
              <OrderActions
                entityRef={stringifyEntityRef(entity)}
                status={status}
              />
            )}
            <StatusFooter status={status} refreshMs={refreshMs} />
          </>
        )}
      </InfoCard>
    </Box>
  );
}
