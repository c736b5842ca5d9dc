import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CheckCircle from '@material-ui/icons/CheckCircle';
import ErrorIcon from '@material-ui/icons/Error';
import Sync from '@material-ui/icons/Sync';
import Schedule from '@material-ui/icons/Schedule';
import HelpOutline from '@material-ui/icons/HelpOutline';
import CloudOff from '@material-ui/icons/CloudOff';
import type { OrderStatus } from '@internal/plugin-kebap-common';
import { displayOf, StateDisplay } from './stateDisplay';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    alignItems: 'flex-start',
    gap: theme.spacing(1.5),
    padding: theme.spacing(1.5),
    borderRadius: theme.shape.borderRadius,
    borderLeft: '6px solid',
  },
  icon: { fontSize: 36 },
  ok: {
    borderColor: theme.palette.success.main,
    '& $icon': { color: theme.palette.success.main },
  },
  busy: {
    borderColor: theme.palette.info.main,
    '& $icon': { color: theme.palette.info.main },
  },
  error: {
    borderColor: theme.palette.error.main,
    '& $icon': { color: theme.palette.error.main },
  },
  waiting: {
    borderColor: theme.palette.info.light,
    '& $icon': { color: theme.palette.info.light },
  },
  warning: {
    borderColor: theme.palette.warning.main,
    '& $icon': { color: theme.palette.warning.main },
  },
  unknown: {
    borderColor: theme.palette.grey[500],
    '& $icon': { color: theme.palette.grey[500] },
  },
}));

const icons: Record<StateDisplay['tone'], typeof CheckCircle> = {
  ok: CheckCircle,
  busy: Sync,
  error: ErrorIcon,
  waiting: Schedule,
  warning: CloudOff,
  unknown: HelpOutline,
};

/** The state in one word, with its icon, the backend's summary and what it means. */
export function StatusHeadline(props: { status: OrderStatus }) {
  const { status } = props;
  const classes = useStyles();
  const display = displayOf(status.state);
  const Icon = icons[display.tone];
  return (
    <Box
      className={`${classes.root} ${classes[display.tone]}`}
      role="status"
      aria-label={`Order state: ${display.label}`}
      data-state={status.state}
    >
      <Icon className={classes.icon} aria-hidden />
      <Box>
        <Typography variant="h6" component="p">
          {display.label}
        </Typography>
        {status.summary && (
          <Typography variant="body1">{status.summary}</Typography>
        )}
        <Typography variant="body2" color="textSecondary">
          {display.explanation}
        </Typography>
      </Box>
    </Box>
  );
}
