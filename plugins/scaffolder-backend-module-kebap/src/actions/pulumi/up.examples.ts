import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Update the stack of a project created by pulumi:new and return its outputs',
    example: yaml.stringify({
      steps: [
        {
          id: 'pulumi-up',
          action: 'pulumi:up',
          name: 'Deploy',
          input: {
            name: 'payments-db',
            organization: 'acme',
            stack: 'prod',
            repoProjectPath: 'infrastructure',
            preRunCommands: ['npm ci'],
            config: { 'digitalocean:region': 'fra1' },
            secretConfig: { adminPassword: '${{ secrets.adminPassword }}' },
            outputs: ['host', 'port'],
          },
        },
      ],
    }),
  },
];
