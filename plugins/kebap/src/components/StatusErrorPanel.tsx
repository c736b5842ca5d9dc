import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ErrorOutline from '@material-ui/icons/ErrorOutline';
import { ResponseError } from '@backstage/errors';

/** What went wrong asking for the status, in the developer's words. */
function describeError(error: Error): {
  title: string;
  message: string;
} {
  if (ResponseError.is(error)) {
    const detail = error.cause?.message ?? error.message;
    switch (error.statusCode) {
      case 401:
      case 403:
        return {
          title: 'Not allowed to see this order',
          message: `You may not read the status of this order (${error.statusCode}). Ask its owner or the platform team. ${detail}`,
        };
      case 404:
        return {
          title: 'Status not available for this entity',
          message: `The portal's status service does not know this entity (404). ${detail}`,
        };
      default:
        return {
          title: 'The status service failed',
          message: `The portal's status service answered ${error.statusCode} ${error.statusText}. ${detail}`,
        };
    }
  }
  if (error.name === 'TypeError' || /fetch|network/i.test(error.message)) {
    return {
      title: "The portal's backend cannot be reached",
      message: `The status could not be asked for: ${error.message}. The page tries again by itself.`,
    };
  }
  return { title: 'Could not load the order status', message: error.message };
}

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    gap: theme.spacing(1.5),
    alignItems: 'flex-start',
    padding: theme.spacing(1.5),
    marginBottom: theme.spacing(1.5),
    borderRadius: theme.shape.borderRadius,
    borderLeft: '6px solid',
  },
  error: {
    borderColor: theme.palette.error.main,
    '& svg': { color: theme.palette.error.main },
  },
  warning: {
    borderColor: theme.palette.warning.main,
    '& svg': { color: theme.palette.warning.main },
  },
}));

/**
 * The error of the status request. `stale`: an earlier status is still shown
 * below, so this is a warning rather than an error.
 */
export function StatusErrorPanel(props: { error: Error; stale?: boolean }) {
  const classes = useStyles();
  const { title, message } = describeError(props.error);
  return (
    <Box
      role="alert"
      aria-label={title}
      className={`${classes.root} ${
        props.stale ? classes.warning : classes.error
      }`}
    >
      <ErrorOutline aria-hidden />
      <Box>
        <Typography variant="subtitle1" component="p">
          {props.stale ? `${title}; showing the last status received` : title}
        </Typography>
        <Typography variant="body2">{message}</Typography>
      </Box>
    </Box>
  );
}
