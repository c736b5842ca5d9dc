import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Cloud credentials for a Stack, from Pulumi ESC through the platform ClusterSecretStore',
    example: yaml.stringify({
      steps: [
        {
          id: 'credentials',
          action: 'kebap:external-secret',
          name: 'Cloud credentials',
          input: {
            order: 'payments-db',
            owner: 'group:default/team-payments',
            name: 'payments-db-credentials',
            namespace: 'team-payments',
            data: [
              {
                secretKey: 'DIGITALOCEAN_TOKEN',
                remoteKey: 'digitalocean',
                property: 'token',
              },
              {
                secretKey: 'PULUMI_ACCESS_TOKEN',
                remoteKey: 'pulumi',
                property: 'accessToken',
              },
            ],
          },
        },
      ],
    }),
  },
];
