import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'A Stack that runs a Pulumi YAML program kept in the cluster (no Git needed)',
    example: yaml.stringify({
      steps: [
        {
          id: 'stack',
          action: 'kebap:pulumi:stack',
          name: 'Order the database',
          input: {
            name: 'payments-db',
            namespace: 'team-payments',
            owner: 'group:default/team-payments',
            kind: 'database',
            stack: 'acme/databases/payments-db',
            program: {
              resources: {
                db: {
                  type: 'digitalocean:DatabaseCluster',
                  properties: {
                    engine: 'pg',
                    version: '16',
                    size: 'db-s-1vcpu-1gb',
                    region: 'fra1',
                    nodeCount: 1,
                  },
                },
              },
              outputs: { host: '${db.host}' },
            },
            envSecrets: {
              DIGITALOCEAN_TOKEN: {
                secretName: 'cloud-credentials',
                key: 'DIGITALOCEAN_TOKEN',
              },
              PULUMI_ACCESS_TOKEN: {
                secretName: 'cloud-credentials',
                key: 'PULUMI_ACCESS_TOKEN',
              },
            },
            serviceAccountName: 'pulumi-payments',
            createServiceAccount: true,
          },
        },
      ],
    }),
  },
  {
    description: 'A Stack that runs a program from Git',
    example: yaml.stringify({
      steps: [
        {
          id: 'stack',
          action: 'kebap:pulumi:stack',
          name: 'Order the cluster',
          input: {
            name: 'payments-prod',
            namespace: 'team-payments',
            owner: 'group:default/team-payments',
            kind: 'cluster',
            stack: 'acme/clusters/payments-prod',
            projectRepo: 'https://github.com/acme/platform-programs',
            branch: 'main',
            repoDir: 'prod-cluster/digitalocean',
            config: { region: 'fra1', nodeCount: '3' },
            envSecrets: {
              DIGITALOCEAN_TOKEN: {
                secretName: 'cloud-credentials',
                key: 'DIGITALOCEAN_TOKEN',
              },
            },
            destroyOnFinalize: true,
            resyncFrequencySeconds: 300,
          },
        },
      ],
    }),
  },
];
