import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Decommission a dev cluster after its name was typed again',
    example: yaml.stringify({
      steps: [
        {
          id: 'decommission',
          action: 'kebap:decommission',
          name: 'Decommission',
          input: {
            entityRef: 'resource:default/dev-payments-dev',
            owner: 'group:default/team-payments',
            confirm: 'payments-dev',
          },
        },
      ],
    }),
  },
];
