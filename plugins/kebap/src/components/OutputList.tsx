import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import type { StackOutputStatus } from '@internal/plugin-kebap-common';

/** What a secret output shows instead of its value. */
const SECRET_MASK = '••••';

const CARD_VALUE_LENGTH = 120;

/**
 * The outputs of a stack. Secret outputs show a mask and a "secret" chip:
 * their value is never read here, whatever the backend sent.
 */
export function OutputList(props: {
  outputs: StackOutputStatus[];
  full?: boolean;
}) {
  const { outputs, full } = props;
  if (outputs.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No outputs yet.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="Outputs">
      <TableBody>
        {outputs.map(output => {
          let value: string;
          if (output.secret) value = SECRET_MASK;
          else if (output.value === undefined) value = '—';
          else if (!full && output.value.length > CARD_VALUE_LENGTH)
            value = `${output.value.slice(0, CARD_VALUE_LENGTH)}…`;
          else value = output.value;
          return (
            <TableRow key={output.name}>
              <TableCell component="th" scope="row">
                {output.name}
              </TableCell>
              <TableCell>
                <Typography
                  variant="body2"
                  component="span"
                  style={{ fontFamily: 'monospace', overflowWrap: 'anywhere' }}
                >
                  {value}
                </Typography>
                {output.secret && (
                  <Chip
                    label="secret"
                    size="small"
                    style={{ marginLeft: 8 }}
                    title="A secret output: its value stays in the secret store and is never shown here"
                  />
                )}
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
