import {
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import type { ConditionStatus } from '@internal/plugin-kebap-common';
import { formatWhen } from './format';

/** The conditions the card shows; the Status tab shows all of them. */
const KEY_CONDITIONS = ['Ready', 'Reconciling', 'Stalled'];

const words: Record<string, Record<string, string>> = {
  Ready: {
    True: 'Ready: the stack is up to date',
    False: 'Not ready yet',
    Unknown: 'Readiness unknown',
  },
  Reconciling: {
    True: 'Working: the operator is running an update',
    False: 'Not working on it',
    Unknown: 'Unknown whether an update runs',
  },
  Stalled: {
    True: 'Stuck: the operator cannot go on without a change',
    False: 'Not stuck',
    Unknown: 'Unknown whether it is stuck',
  },
};

/** The condition in a sentence: the backend's, else ours. */
function describeCondition(condition: ConditionStatus): string {
  return (
    condition.summary ||
    words[condition.type]?.[condition.status] ||
    `${condition.type}: ${condition.status}`
  );
}

function StatusIcon(props: { condition: ConditionStatus; children: string }) {
  const { type, status } = props.condition;
  const text = props.children;
  if (status === 'Unknown') return <StatusPending>{text}</StatusPending>;
  const on = status === 'True';
  if (type === 'Stalled')
    return on ? <StatusError>{text}</StatusError> : <StatusOK>{text}</StatusOK>;
  if (type === 'Reconciling')
    return on ? (
      <StatusRunning>{text}</StatusRunning>
    ) : (
      <StatusOK>{text}</StatusOK>
    );
  return on ? (
    <StatusOK>{text}</StatusOK>
  ) : (
    <StatusWarning>{text}</StatusWarning>
  );
}

/** Kubernetes conditions in words; `full` adds reason, message and time. */
export function ConditionList(props: {
  conditions: ConditionStatus[];
  full?: boolean;
  now?: Date;
}) {
  const { full, now } = props;
  const conditions = full
    ? props.conditions
    : props.conditions.filter(c => KEY_CONDITIONS.includes(c.type));
  if (conditions.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        No conditions reported yet.
      </Typography>
    );
  }
  return (
    <Box component="ul" m={0} p={0} style={{ listStyle: 'none' }}>
      {conditions.map(condition => (
        <Box component="li" key={condition.type} mb={0.5}>
          <StatusIcon condition={condition}>
            {describeCondition(condition)}
          </StatusIcon>
          {(full ||
            condition.status !== 'True' ||
            condition.type === 'Stalled') &&
            condition.message &&
            condition.message !== condition.summary && (
              <Typography variant="body2" color="textSecondary">
                {condition.reason ? `${condition.reason}: ` : ''}
                {condition.message}
              </Typography>
            )}
          {full && (
            <Typography variant="caption" color="textSecondary">
              {condition.type}={condition.status}
              {condition.reason ? ` (${condition.reason})` : ''}
              {condition.lastTransitionTime
                ? `, since ${formatWhen(condition.lastTransitionTime, now)}`
                : ''}
            </Typography>
          )}
        </Box>
      ))}
    </Box>
  );
}
