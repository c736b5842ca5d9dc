import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Create a project from a template kept in Git, with plain and secret config',
    example: yaml.stringify({
      steps: [
        {
          id: 'pulumi-new',
          action: 'pulumi:new',
          name: 'Create the Pulumi project',
          input: {
            name: 'payments-db',
            description: 'PostgreSQL for the payments team',
            organization: 'acme',
            stack: 'prod',
            template:
              'https://github.com/acme/pulumi-templates/tree/main/postgres',
            folder: 'infrastructure',
            config: { 'digitalocean:region': 'fra1', size: 'db-s-1vcpu-1gb' },
            secretConfig: { adminPassword: '${{ secrets.adminPassword }}' },
          },
        },
      ],
    }),
  },
  {
    description: 'Create a project from a built-in template',
    example: yaml.stringify({
      steps: [
        {
          id: 'pulumi-new',
          action: 'pulumi:new',
          name: 'Create the Pulumi project',
          input: {
            name: 'hello',
            organization: 'acme',
            stack: 'dev',
            template: 'typescript',
            folder: '.',
          },
        },
      ],
    }),
  },
];
