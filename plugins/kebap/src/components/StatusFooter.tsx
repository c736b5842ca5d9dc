import Typography from '@material-ui/core/Typography';
import type { OrderStatus } from '@internal/plugin-kebap-common';
import { formatWhen } from './format';

const sources: Record<OrderStatus['source'], string> = {
  cluster: 'the control-plane cluster',
  gitops: 'the GitOps orders repository',
};

/** Where the figures come from and how fresh they are. */
export function StatusFooter(props: {
  status: OrderStatus;
  refreshMs: number;
}) {
  const { status, refreshMs } = props;
  const observed = formatWhen(status.observedAt);
  return (
    <Typography variant="caption" color="textSecondary" component="p">
      From {sources[status.source] ?? status.source}
      {observed ? `, last change seen ${observed}` : ''}
      {refreshMs > 0 ? `. Refreshes every ${refreshMs / 1000} s.` : '.'}
    </Typography>
  );
}
