import { ReactNode } from 'react';
import { makeStyles } from '@material-ui/core/styles';

const useStyles = makeStyles(theme => ({
  list: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.75),
    margin: 0,
  },
  term: {
    color: theme.palette.text.secondary,
    fontWeight: 500,
  },
  value: {
    margin: 0,
    minWidth: 0,
    overflowWrap: 'anywhere',
  },
}));

/** A label and what it shows; rows without a value are left out. */
type Fact = [label: string, value: ReactNode | undefined];

/** Label–value pairs as a description list. */
export function FactList(props: { facts: Fact[]; 'aria-label'?: string }) {
  const classes = useStyles();
  const facts = props.facts.filter(
    ([, value]) => value !== undefined && value !== null && value !== '',
  );
  if (facts.length === 0) return null;
  return (
    <dl className={classes.list} aria-label={props['aria-label']}>
      {facts.map(([label, value]) => (
        <div key={label} style={{ display: 'contents' }}>
          <dt className={classes.term}>{label}</dt>
          <dd className={classes.value}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
