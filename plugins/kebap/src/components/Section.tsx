import { ReactNode } from 'react';
import Box from '@material-ui/core/Box';
import Divider from '@material-ui/core/Divider';
import Typography from '@material-ui/core/Typography';

/** A titled part of the card. */
export function Section(props: { title: string; children: ReactNode }) {
  return (
    <Box component="section" mt={2}>
      <Typography variant="subtitle1" component="h3" gutterBottom>
        {props.title}
      </Typography>
      <Divider style={{ marginBottom: 8 }} />
      {props.children}
    </Box>
  );
}
