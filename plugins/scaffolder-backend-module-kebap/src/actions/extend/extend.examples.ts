import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Extend a dev cluster so it expires 14 days from now',
    example: yaml.stringify({
      steps: [
        {
          id: 'extend',
          action: 'kebap:extend',
          name: 'Extend',
          input: {
            order: 'resource:default/dev-payments-dev',
            owner: 'group:default/team-payments',
            days: 14,
          },
        },
      ],
    }),
  },
];
