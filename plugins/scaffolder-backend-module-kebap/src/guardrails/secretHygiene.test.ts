/*
 * Secret hygiene: every template of templates/ (found when the test runs, so
 * templates added later are covered) is ordered through the actions the
 * scaffolder module registers, with random sentinel values wherever a secret
 * can sit:
 * - the environment of the backend (PULUMI_ACCESS_TOKEN, cloud keys), which
 *   the Pulumi CLI inherits;
 * - integration credentials in config (the token of the Git host);
 * - `${{ secrets.* }}` and `secretConfig` of every pulumi:new / pulumi:up
 *   step (added to the step when the template has none), handed to a Pulumi
 *   CLI test double that echoes what it reads on standard input, as a CLI
 *   error message might;
 * - the secret store: values ESO would copy into Secrets, and the
 *   kubeconfig a vCluster writes, held by the cluster as Secrets the portal
 *   could read (kubernetes delivery);
 * - the Kubernetes service-account token of the portal;
 * - the Secrets External Secrets Operator makes from every ExternalSecret the
 *   orders hold (played by the test: values from a fake store, keyed by
 *   remote key), among them Argo CD cluster Secrets, which the status route
 *   watches.
 * None of them may appear in the task log, step or template outputs, error
 * messages, what a publish step would push, catalog entities, any blob or
 * message of any Git commit, any object the portal wrote to the cluster, or
 * any answer of the status route GET /api/kebap/status/... (plugins/kebap-backend).
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  KebapOrdersEntityProvider,
  orderToEntity,
} from '@internal/plugin-catalog-backend-module-kebap';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import express from 'express';
import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
// the status route's answers are part of what must hold no secret; this test
// mounts that plugin's router (test-only import of another plugin)
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import {
  apiOrderReader,
  createRouter,
  GitopsOrders,
  OrderStatusService,
} from '@internal/plugin-kebap-backend';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { createFakePulumiCli } from '../testing/createFakePulumiCli';
import {
  clusterConfig,
  ownerA,
  readWholeRepo,
  sampleParameters,
  echoingPulumi,
  sentinel,
  startFakeCluster,
  tempDir,
} from './__testUtils__/orderHarness';
import { startModuleActions } from '../__testUtils__/startModuleActions';
import {
  loadTemplates,
  runTemplate,
  secretNames,
  TemplateRun,
} from './__testUtils__/templateRunner';

const templates = loadTemplates();
const ENV_KEYS = [
  'PULUMI_ACCESS_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'DIGITALOCEAN_TOKEN',
  'ARM_CLIENT_SECRET',
];

/**
 * The API double has no status subresource: a status is seeded as the
 * portal's own field manager, so that the portal's later applies (an
 * extension, a re-run) do not conflict with it, as they would not with a
 * real controller, which writes only the status subresource.
 */
const STATUS_MANAGER = 'kebap-portal';

/**
 * Plays the controllers: Stacks succeed (secret outputs masked), Applications
 * get healthy, and ESO fills the Secret of every ExternalSecret from the store.
 */
function playControllers(
  api: FakeKubernetesApi,
  store: (remoteKey: string, property?: string) => string,
  filled: Array<Record<string, any>>,
) {
  const existing = new Set(
    api
      .objects()
      .filter(o => o.kind === 'Secret')
      .map(o => `${o.metadata.namespace}/${o.metadata.name}`),
  );
  for (const o of api.objects()) {
    if (o.kind === 'ExternalSecret') {
      const target = o.spec.target?.name ?? o.metadata.name;
      if (existing.has(`${o.metadata.namespace}/${target}`)) continue;
      const stringData: Record<string, string> = {};
      for (const d of o.spec.data ?? []) {
        stringData[d.secretKey] = store(d.remoteRef.key, d.remoteRef.property);
      }
      for (const d of o.spec.dataFrom ?? []) {
        stringData[d.extract?.key ?? 'x'] = store(d.extract?.key ?? 'x');
      }
      const template = o.spec.target?.template;
      if (template?.data) {
        // e.g. the Argo CD cluster Secret: its config holds the credentials
        for (const key of Object.keys(template.data)) {
          stringData[key] = store(`${o.metadata.name}/template`, key);
        }
      }
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: target,
          namespace: o.metadata.namespace,
          labels: {
            ...o.metadata.labels,
            ...template?.metadata?.labels,
          },
          annotations: template?.metadata?.annotations,
        },
        type: template?.type ?? 'Opaque',
        stringData,
      };
      api.seed(secret, { manager: 'external-secrets' });
      filled.push(secret);
    }
  }
  for (const o of api.objects()) {
    if (o.metadata.labels?.['app.kubernetes.io/managed-by'] !== 'kebap-portal')
      continue;
    if (o.kind === 'Stack' && !o.status) {
      api.seed(
        {
          ...o,
          status: {
            lastUpdate: { state: 'succeeded', lastSuccessfulCommit: 'abc' },
            conditions: [{ type: 'Ready', status: 'True' }],
            outputs: { password: '[secret]', host: 'db.internal' },
          },
        },
        { manager: STATUS_MANAGER },
      );
    }
    if (o.kind === 'Application' && !o.status) {
      api.seed(
        {
          ...o,
          status: { health: { status: 'Healthy' }, sync: { status: 'Synced' } },
        },
        { manager: STATUS_MANAGER },
      );
    }
  }
}

describe.each(['gitops', 'kubernetes'] as const)(
  'secret hygiene, %s delivery: sentinel secrets appear nowhere',
  mode => {
    const sentinels = new Map<string, string>();
    const put = (label: string) => {
      const value = sentinel(label);
      sentinels.set(label, value);
      return value;
    };
    const runs = new Map<string, TemplateRun>();
    /** the secret store: a sentinel per remote key and property */
    const storeValue = (remoteKey: string, property = '') => {
      const label = `store-${remoteKey}-${property}`;
      return sentinels.get(label) ?? put(label);
    };
    /** the Secrets ESO (played) filled from the store */
    const esoSecrets: Array<Record<string, any>> = [];
    const isEsoSecret = (o: Record<string, any>) =>
      o.kind === 'Secret' &&
      esoSecrets.some(
        e =>
          e.metadata.name === o.metadata.name &&
          e.metadata.namespace === o.metadata.namespace,
      );
    /** every answer of the status route, as text */
    const statusAnswers: string[] = [];
    // what the catalog and the cluster held after each template (the
    // decommission template at the end removes the dev cluster again)
    const entitiesSeen: unknown[] = [];
    const objectsSeen: unknown[] = [];
    const savedEnv: Record<string, string | undefined> = {};
    let work: Awaited<ReturnType<typeof tempDir>>;
    let api: FakeKubernetesApi;
    let fake: Awaited<ReturnType<typeof createFakePulumiCli>>;
    let stop: () => Promise<void>;
    let repoPath: string;

    beforeAll(async () => {
      for (const key of ENV_KEYS) {
        savedEnv[key] = process.env[key];
        process.env[key] = put(`env-${key}`);
      }
      work = await tempDir('hygiene-');
      repoPath = path.join(work.dir, 'gitops');
      api = await startFakeCluster();
      // what the secret store holds, as ESO would have copied it, and the
      // kubeconfig a vCluster writes: readable in the cluster, never by the portal
      api.seed(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'cloud-credentials', namespace: 'team-payments' },
          stringData: {
            token: put('store-cloud-token'),
            password: put('store-db-password'),
          },
        },
        { manager: 'external-secrets' },
      );
      api.seed(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'vc-existing', namespace: 'argocd' },
          stringData: { config: put('vcluster-kubeconfig') },
        },
        { manager: 'vcluster' },
      );
      fake = await createFakePulumiCli();
      const cliPath = await echoingPulumi(await fake.cli.locate(), work.dir);
      const started = await startModuleActions({
        ...clusterConfig(api, put('serviceaccount-token')),
        integrations: {
          github: [{ host: 'github.com', token: put('github-token') }],
        },
        kebap: {
          pulumi: { cliPath },
          delivery: { mode, gitops: { repoPath } },
          kubernetes: { clusterName: 'control-plane' },
        },
      });
      stop = started.stop;

      // order templates first, decommission last (it removes the dev cluster)
      const ordered = [...templates].sort(
        (a, b) =>
          Number(a.folder === 'decommission') -
          Number(b.folder === 'decommission'),
      );
      const devName = 'hyg-dev-cluster';
      const cluster = api;
      const controllers = async () =>
        playControllers(cluster, storeValue, esoSecrets);
      for (const template of ordered) {
        const name = `hyg-${template.folder}`.slice(0, 30).replace(/-+$/, '');
        const secrets = Object.fromEntries(
          secretNames(template).map(s => [
            s,
            put(`${template.folder}-secret-${s}`),
          ]),
        );
        const configSecret = put(`${template.folder}-secretConfig`);
        const workspacePath = path.join(work.dir, `ws-${template.folder}`);
        await fs.promises.mkdir(workspacePath, { recursive: true });
        const parameters = sampleParameters(template, {
          name,
          owner: ownerA,
          order: `resource:default/dev-${devName}`,
          confirm: devName,
          ...Object.fromEntries(Object.keys(secrets).map(k => [k, secrets[k]])),
        });
        runs.set(
          template.folder,
          await runTemplate({
            template,
            actions: started.actions,
            parameters,
            secrets,
            workspacePath,
            taskId: `task-${template.folder}`,
            augmentInput: (step, input) =>
              step.action === 'pulumi:new' || step.action === 'pulumi:up'
                ? {
                    ...input,
                    secretConfig: {
                      ...(input.secretConfig as object),
                      'guardrail:dbPassword': configSecret,
                    },
                  }
                : input,
            afterStep: controllers,
          }),
        );
        const entities = (await catalogEntities()) as Entity[];
        entitiesSeen.push(...entities);
        statusAnswers.push(...(await askStatusRoute(entities)));
        objectsSeen.push(
          ...api
            .objects()
            .filter(
              o =>
                o.metadata.labels?.['app.kubernetes.io/managed-by'] ===
                  'kebap-portal' && !isEsoSecret(o),
            ),
        );
      }
    }, 120_000);

    /**
     * Asks the status route of plugins/kebap-backend about every entity (the
     * router as the plugin mounts it, reading the orders repository in gitops
     * delivery and the cluster in kubernetes delivery); returns the answers.
     */
    async function askStatusRoute(entities: Entity[]): Promise<string[]> {
      const statusService = new OrderStatusService({
        reader:
          mode === 'kubernetes'
            ? apiOrderReader({
                client: new KubernetesClient({
                  baseUrl: api.baseUrl,
                  logger: mockServices.logger.mock(),
                }),
                cluster: 'control-plane',
              })
            : undefined,
        gitops:
          mode === 'gitops'
            ? new GitopsOrders({ repoPath, logger: mockServices.logger.mock() })
            : undefined,
        links: { pulumiCloudUrl: 'https://app.pulumi.com' },
      });
      const router = await createRouter({
        httpAuth: mockServices.httpAuth(),
        catalog: {
          getEntityByRef: async (ref: string) =>
            entities.find(e => `resource:default/${e.metadata.name}` === ref),
        } as any,
        statusService,
      });
      const server = http.createServer(express().use(router));
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      try {
        const answers: string[] = [];
        for (const e of entities) {
          const res = await fetch(
            `http://127.0.0.1:${port}/status/resource/default/${e.metadata.name}`,
          );
          answers.push(`${res.status} ${await res.text()}`);
        }
        return answers;
      } finally {
        await new Promise(r => server.close(r));
      }
    }

    /** The catalog's entities of the orders, as the catalog module derives them. */
    async function catalogEntities(): Promise<unknown[]> {
      if (mode === 'gitops') {
        return new KebapOrdersEntityProvider({
          repoPath,
          logger: mockServices.logger.mock(),
        }).readOrders();
      }
      const byOrder = new Map<string, any[]>();
      for (const o of api.objects()) {
        const order = o.metadata.labels?.['kebap.io/order'];
        if (order) byOrder.set(order, [...(byOrder.get(order) ?? []), o]);
      }
      return [...byOrder.values()]
        .map(objects => orderToEntity(objects, 'kebap-orders:test'))
        .filter(Boolean);
    }

    afterAll(async () => {
      await stop?.();
      await api?.stop();
      await fake?.cleanup();
      await work?.remove();
      for (const key of ENV_KEYS) {
        if (savedEnv[key] === undefined) delete process.env[key];
        else process.env[key] = savedEnv[key];
      }
    });

    const leaks = (where: string, text: string) =>
      [...sentinels.entries()]
        .filter(([, value]) => text.includes(value))
        .map(([label]) => `${label} in ${where}`);

    it('orders every template to the end', () => {
      expect(templates.map(t => t.folder)).toEqual(
        expect.arrayContaining([
          'dev-cluster',
          'pulumi-project',
          'decommission',
        ]),
      );
      for (const template of templates) {
        const run = runs.get(template.folder)!;
        expect({
          template: template.folder,
          error: run.error?.message,
        }).toEqual({ template: template.folder, error: undefined });
      }
    });

    it('the secrets did reach the places they were put (the test is not vacuous)', async () => {
      const calls = await fake.calls();
      const stdin = calls.map(c => c.stdin).join('\n');
      for (const t of templates.filter(x =>
        x.steps.some(s => s.action.startsWith('pulumi:')),
      )) {
        expect(stdin).toContain(sentinels.get(`${t.folder}-secretConfig`));
      }
      // kubernetes delivery: ESO (played) did fill Secrets from the store,
      // among them an Argo CD cluster Secret the status route reads
      expect(
        esoSecrets.some(
          o =>
            JSON.stringify(o).includes('SENTINEL-store-') &&
            o.metadata.labels?.['argocd.argoproj.io/secret-type'] === 'cluster',
        ),
      ).toBe(mode === 'kubernetes');
      expect(process.env.PULUMI_ACCESS_TOKEN).toBe(
        sentinels.get('env-PULUMI_ACCESS_TOKEN'),
      );
      // the echoing CLI did print the value: only redaction keeps it out of the log
      const pulumiRuns = [...runs.values()].filter(r =>
        r.logs.some(l => l.includes('Running "pulumi config set')),
      );
      for (const r of pulumiRuns) {
        expect(r.logs.join('\n')).toContain(
          'warning: received config value [secret]',
        );
      }
    });

    it('no sentinel in task logs, step outputs, template outputs, errors or a published repository', () => {
      const found = [...runs.entries()].flatMap(([folder, run]) => [
        ...leaks(`${folder} task log`, run.logs.join('\n')),
        ...leaks(`${folder} step outputs`, JSON.stringify(run.stepOutputs)),
        ...leaks(`${folder} template output`, JSON.stringify(run.output)),
        ...leaks(`${folder} error`, String(run.error?.stack ?? '')),
        ...leaks(
          `${folder} published repository`,
          JSON.stringify(run.published),
        ),
      ]);
      expect(found).toEqual([]);
    });

    it('no sentinel in the command line of any Pulumi CLI call', async () => {
      const calls = await fake.calls();
      expect(calls.length).toBeGreaterThan(0);
      expect(
        leaks('pulumi arguments', JSON.stringify(calls.map(c => c.args))),
      ).toEqual([]);
    });

    it('no sentinel in any Git commit: every blob and message of every commit', async () => {
      const repo = await readWholeRepo(repoPath);
      // gitops delivery commits the orders; kubernetes delivery makes no repository
      expect(repo.commits.length > 1).toBe(mode === 'gitops');
      expect([
        ...leaks('commit messages', repo.messages.join('\n')),
        ...[...repo.blobs.values()].flatMap(b =>
          leaks(`blob ${b.split('\n')[0]}`, b),
        ),
      ]).toEqual([]);
    });

    it('no sentinel in any object the portal wrote to the cluster', () => {
      expect(objectsSeen.length > 0).toBe(mode === 'kubernetes');
      expect(leaks('cluster objects', JSON.stringify(objectsSeen))).toEqual([]);
    });

    it('no sentinel in any answer of the status route', () => {
      expect(statusAnswers.length).toBeGreaterThan(0);
      expect(statusAnswers.every(a => a.startsWith('200 '))).toBe(true);
      expect(leaks('status answers', statusAnswers.join('\n'))).toEqual([]);
    });

    it('no sentinel in the catalog entities of the orders', () => {
      expect(entitiesSeen.length).toBeGreaterThan(0);
      expect(leaks('catalog entities', JSON.stringify(entitiesSeen))).toEqual(
        [],
      );
    });
  },
);
