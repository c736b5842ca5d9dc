import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Wait up to 20 minutes for the database Stack to be up',
    example: yaml.stringify({
      steps: [
        {
          id: 'wait',
          action: 'kebap:wait',
          name: 'Wait for the database',
          input: {
            kind: 'Stack',
            name: 'payments-db',
            namespace: 'team-payments',
            timeoutSeconds: 1200,
          },
        },
      ],
    }),
  },
  {
    description:
      'Wait for the dev cluster’s Argo CD Application to be healthy and synced',
    example: yaml.stringify({
      steps: [
        {
          id: 'wait',
          action: 'kebap:wait',
          name: 'Wait for the vCluster',
          input: {
            kind: 'Application',
            name: 'vcluster-payments-dev',
            timeoutSeconds: 600,
          },
        },
      ],
    }),
  },
];
