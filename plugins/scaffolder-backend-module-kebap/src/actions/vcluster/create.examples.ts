import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Order a small dev cluster for a week',
    example: yaml.stringify({
      steps: [
        {
          id: 'vcluster',
          action: 'kebap:vcluster:create',
          name: 'Create the dev cluster',
          input: {
            name: 'payments-dev',
            owner: 'group:default/team-payments',
            size: 'small',
            kubernetesVersion: '1.31',
            lifetimeDays: 7,
            purpose: 'Integration tests of the payments API',
          },
        },
      ],
    }),
  },
];
