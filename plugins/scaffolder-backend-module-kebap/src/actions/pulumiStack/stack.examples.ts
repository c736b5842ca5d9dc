import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'A Stack that runs a Pulumi YAML program file fetched into the workspace, with form values as config, and its connection Secret copied to the owner’s namespace',
    example: yaml.stringify({
      steps: [
        {
          id: 'programs',
          action: 'fetch:plain',
          name: 'Fetch the Pulumi programs',
          input: { url: './programs', targetPath: 'programs' },
        },
        {
          id: 'stack',
          action: 'kebap:pulumi:stack',
          name: 'Order the database',
          input: {
            name: 'payments-db',
            namespace: 'kebap-stacks',
            owner: 'group:default/team-payments',
            kind: 'database',
            stack: 'kebap/payments-db-program/payments-db',
            programPath: 'programs/postgres/aws/Pulumi.yaml',
            config: {
              dbName: 'payments-db',
              region: 'eu-central-1',
              size: 'db.t4g.medium',
              storageGb: 20,
              connectionSecretName: 'payments-db-connection',
              connectionSecretNamespace: 'kebap-stacks',
              readerServiceAccount: 'payments-db-connection-reader',
              readerNamespace: 'team-payments',
            },
            envSecrets: {
              AWS_ACCESS_KEY_ID: {
                secretName: 'payments-db-cloud',
                key: 'AWS_ACCESS_KEY_ID',
              },
              AWS_SECRET_ACCESS_KEY: {
                secretName: 'payments-db-cloud',
                key: 'AWS_SECRET_ACCESS_KEY',
              },
            },
            shareSecret: {
              secretName: 'payments-db-connection',
              namespace: 'team-payments',
              targetName: 'payments-db-db',
            },
            serviceAccountName: 'kebap-stack-runner',
            destroyOnFinalize: true,
          },
        },
      ],
    }),
  },
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
            stack: 'acme/payments-db-program/payments-db',
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
