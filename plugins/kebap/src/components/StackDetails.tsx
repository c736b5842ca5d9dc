import { Link } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import type { StackStatus } from '@internal/plugin-kebap-common';
import { ConditionList } from './ConditionList';
import { FactList } from './FactList';
import { formatWhen, shortCommit } from './format';
import { OutputList } from './OutputList';

const useStyles = makeStyles(theme => ({
  failure: {
    padding: theme.spacing(1, 1.5),
    margin: theme.spacing(1, 0),
    borderLeft: `4px solid ${theme.palette.error.main}`,
    backgroundColor: theme.palette.background.default,
    whiteSpace: 'pre-wrap',
    fontFamily: 'monospace',
    overflowWrap: 'anywhere',
  },
  heading: { marginTop: theme.spacing(1.5) },
}));

const updateWords: Record<StackStatus['lastUpdateState'], string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  none: 'not run yet',
};

/** How many outputs the card lists before pointing to the Status tab. */
const CARD_OUTPUTS = 5;

/** A Pulumi Operator Stack: last update, failure, conditions, outputs, link. */
export function StackDetails(props: {
  stack: StackStatus;
  full?: boolean;
  now?: Date;
}) {
  const { stack, full, now } = props;
  const classes = useStyles();
  const outputs = full ? stack.outputs : stack.outputs.slice(0, CARD_OUTPUTS);
  const hidden = stack.outputs.length - outputs.length;
  return (
    <Box>
      <FactList
        aria-label="Pulumi stack"
        facts={[
          ['Stack', stack.stack ?? `${stack.namespace}/${stack.name}`],
          [
            'Stack object',
            full ? `${stack.namespace}/${stack.name}` : undefined,
          ],
          [
            'Last update',
            updateWords[stack.lastUpdateState] ?? stack.lastUpdateState,
          ],
          [
            'Last good commit',
            stack.lastSuccessfulCommit ? (
              <span title={stack.lastSuccessfulCommit}>
                {shortCommit(stack.lastSuccessfulCommit)}
              </span>
            ) : undefined,
          ],
          ['Updated', formatWhen(stack.lastUpdateTime, now)],
          [
            'Pulumi Cloud',
            stack.url ? <Link to={stack.url}>Open the stack</Link> : undefined,
          ],
        ]}
      />
      {stack.failureMessage && (
        <Box
          role="alert"
          aria-label="Failure message"
          className={classes.failure}
        >
          {stack.failureMessage}
        </Box>
      )}
      <Typography variant="subtitle2" className={classes.heading}>
        Conditions
      </Typography>
      <ConditionList conditions={stack.conditions} full={full} now={now} />
      <Typography variant="subtitle2" className={classes.heading}>
        Outputs
      </Typography>
      <OutputList outputs={outputs} full={full} />
      {hidden > 0 && (
        <Typography variant="caption" color="textSecondary">
          and {hidden} more on the Status tab
        </Typography>
      )}
    </Box>
  );
}
