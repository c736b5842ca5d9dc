import { CodeSnippet, InfoCard } from '@backstage/core-components';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import Grid from '@material-ui/core/Grid';
import LinearProgress from '@material-ui/core/LinearProgress';
import Typography from '@material-ui/core/Typography';
import {
  ApplicationDetails,
  RegistrationDetails,
  registrationOf,
} from './ApplicationDetails';
import { OrderActions } from './OrderActions';
import { OrderDetails } from './OrderDetails';
import { StackDetails } from './StackDetails';
import { StatusErrorPanel } from './StatusErrorPanel';
import { StatusFooter } from './StatusFooter';
import { StatusHeadline } from './StatusHeadline';
import { DEFAULT_REFRESH_MS, useOrderStatus } from './useOrderStatus';

/**
 * The "Status" tab of an ordered entity: everything the card shows, plus all
 * conditions with reasons and times, all outputs, and the order as recorded.
 */
export function OrderStatusContent(props: { refreshMs?: number }) {
  const refreshMs = props.refreshMs ?? DEFAULT_REFRESH_MS;
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { status, error, loading } = useOrderStatus(
    getCompoundEntityRef(entity),
    refreshMs,
  );
  const registration = status && registrationOf(status);
  return (
    <Grid container spacing={3} alignItems="stretch">
      <Grid item xs={12}>
        {loading && <LinearProgress aria-label="Loading the order status" />}
        {error && <StatusErrorPanel error={error} stale={Boolean(status)} />}
        {status && (
          <>
            <StatusHeadline status={status} />
            <StatusFooter status={status} refreshMs={refreshMs} />
            {status.state !== 'not-found' && (
              <OrderActions entityRef={entityRef} status={status} />
            )}
          </>
        )}
      </Grid>
      {status?.order && (
        <Grid item xs={12} md={6}>
          <InfoCard title="Order">
            <OrderDetails order={status.order} full />
            <Typography variant="subtitle2" style={{ marginTop: 16 }}>
              As recorded
            </Typography>
            <CodeSnippet
              language="json"
              text={JSON.stringify(status.order, undefined, 2)}
            />
          </InfoCard>
        </Grid>
      )}
      {status?.stack && (
        <Grid item xs={12} md={6}>
          <InfoCard title="Pulumi stack">
            <StackDetails stack={status.stack} full />
          </InfoCard>
        </Grid>
      )}
      {status?.application && (
        <Grid item xs={12} md={6}>
          <InfoCard title="Argo CD application">
            <ApplicationDetails application={status.application} full />
          </InfoCard>
        </Grid>
      )}
      {registration && (
        <Grid item xs={12} md={6}>
          <InfoCard title="Argo CD registration">
            <RegistrationDetails registration={registration} full />
          </InfoCard>
        </Grid>
      )}
    </Grid>
  );
}
