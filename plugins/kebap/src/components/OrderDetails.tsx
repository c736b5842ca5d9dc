import { Link } from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import Typography from '@material-ui/core/Typography';
import type { OrderInfo } from '@internal/plugin-kebap-common';
import { FactList } from './FactList';
import {
  formatDateTime,
  formatExpiry,
  formatWhen,
  shortEntityRef,
} from './format';

const kindTitles: Record<string, string> = {
  vcluster: 'vCluster (dev cluster)',
  cluster: 'Kubernetes cluster',
  database: 'database',
  queue: 'queue',
  bucket: 'storage bucket',
  stack: 'Pulumi stack',
};

/** The expiry of a dev cluster: `expires in 5 days (2026-11-30 09:30 UTC)`. */
function ExpiryText(props: { expiresAt: string; now?: Date }) {
  const expiry = formatExpiry(props.expiresAt, props.now);
  if (!expiry) return <>{props.expiresAt}</>;
  return (
    <Typography
      component="span"
      variant="inherit"
      color={expiry.soon ? 'error' : 'inherit'}
    >
      {expiry.text} ({formatDateTime(props.expiresAt)})
    </Typography>
  );
}

/** Who ordered what, when, from which template, and until when. */
export function OrderDetails(props: {
  order: OrderInfo;
  full?: boolean;
  now?: Date;
}) {
  const { order, full, now } = props;
  return (
    <FactList
      aria-label="Order"
      facts={[
        ['Order', full ? order.name : undefined],
        ['What', `${order.env} ${kindTitles[order.kind] ?? order.kind}`.trim()],
        [
          'Owner',
          <EntityRefLink
            entityRef={order.owner}
            defaultKind="group"
            title={shortEntityRef(order.owner)}
          />,
        ],
        [
          'Ordered by',
          order.requestedBy ? (
            <EntityRefLink
              entityRef={order.requestedBy}
              defaultKind="user"
              title={shortEntityRef(order.requestedBy)}
            />
          ) : undefined,
        ],
        ['Ordered', formatWhen(order.orderedAt, now)],
        [
          'Template',
          order.template ? shortEntityRef(order.template) : undefined,
        ],
        [
          'Expiry',
          order.expiresAt ? (
            <ExpiryText expiresAt={order.expiresAt} now={now} />
          ) : undefined,
        ],
        [
          'Task',
          full && order.taskId ? (
            <Link to={`/create/tasks/${encodeURIComponent(order.taskId)}`}>
              {order.taskId}
            </Link>
          ) : undefined,
        ],
      ]}
    />
  );
}
