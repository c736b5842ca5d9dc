import { LinkButton } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import type { OrderStatus } from '@internal/plugin-kebap-common';

/** The scaffolder URL of a template, with its form prefilled. */
function templateUrl(
  template: string,
  formData: Record<string, string>,
): string {
  return `/create/templates/default/${template}?formData=${encodeURIComponent(
    JSON.stringify(formData),
  )}`;
}

/**
 * What a developer can do next with the order: extend a dev cluster's
 * lifetime, or decommission it; both open a template prefilled with the order
 * and its owner.
 */
export function OrderActions(props: {
  entityRef: string;
  status?: OrderStatus;
}) {
  const { entityRef, status } = props;
  const expires = Boolean(status?.order?.expiresAt);
  // both templates ask for the order and its owner: prefill what the portal knows
  const formData: Record<string, string> = { order: entityRef };
  if (status?.order?.owner) formData.owner = status.order.owner;
  return (
    <Box display="flex" style={{ gap: 8 }} flexWrap="wrap" mt={2}>
      {expires && (
        <LinkButton
          to={templateUrl('extend-dev-cluster', formData)}
          variant="outlined"
          color="primary"
        >
          Extend lifetime
        </LinkButton>
      )}
      <LinkButton
        to={templateUrl('decommission', formData)}
        variant="outlined"
        color="secondary"
      >
        Decommission
      </LinkButton>
    </Box>
  );
}
