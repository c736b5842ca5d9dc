import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Register the dev cluster created by kebap:vcluster:create',
    example: yaml.stringify({
      steps: [
        {
          id: 'register',
          action: 'kebap:argocd:cluster',
          name: 'Register in Argo CD',
          input: { name: 'payments-dev', owner: 'group:default/team-payments' },
        },
      ],
    }),
  },
];
