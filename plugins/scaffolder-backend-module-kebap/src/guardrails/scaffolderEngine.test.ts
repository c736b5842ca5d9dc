/*
 * Secret hygiene through the scaffolder's own engine: the scaffolder plugin
 * and this module in a test backend, every template of templates/ served
 * by a catalog double, and each ordered over the scaffolder's HTTP API
 * (POST /v2/tasks) with sentinel secrets in the task's `secrets`, the
 * environment and the integration config. The task log (its events), the
 * task and its outputs, and every blob and message of the orders
 * repository must hold none of them. This complements secretHygiene.test.ts
 * (which runs the steps itself to reach places the engine cannot, such as
 * the secret config of Pulumi steps and kubernetes delivery) with the real
 * templating, input checks and task log of the scaffolder.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { AddressInfo } from 'node:net';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Entity } from '@backstage/catalog-model';
import { scaffolderModuleKebap } from '../module';
import { createFakePulumiCli } from '../testing/createFakePulumiCli';
import {
  echoingPulumi,
  ownerA,
  readWholeRepo,
  sampleParameters,
  sentinel,
  tempDir,
} from './__testUtils__/orderHarness';
import { loadTemplates, secretNames } from './__testUtils__/templateRunner';

const templates = loadTemplates();
const ENV_KEYS = ['PULUMI_ACCESS_TOKEN', 'AWS_SECRET_ACCESS_KEY'];

describe("secret hygiene through the scaffolder's own engine (gitops delivery)", () => {
  const sentinels = new Map<string, string>();
  const put = (label: string) => {
    const value = sentinel(label);
    sentinels.set(label, value);
    return value;
  };
  const savedEnv: Record<string, string | undefined> = {};
  const results = new Map<
    string,
    { status: string; task: string; events: string }
  >();
  let skipped: string[] = [];
  let work: Awaited<ReturnType<typeof tempDir>>;
  let repoPath: string;

  beforeAll(async () => {
    for (const key of ENV_KEYS) {
      savedEnv[key] = process.env[key];
      process.env[key] = put(`env-${key}`);
    }
    work = await tempDir('engine-');
    repoPath = path.join(work.dir, 'gitops');
    const fake = await createFakePulumiCli();
    const entities: Entity[] = templates.map(t => {
      const location = `file:${t.file}`;
      const doc = yaml.parse(fs.readFileSync(t.file, 'utf8'));
      return {
        ...doc,
        metadata: {
          ...doc.metadata,
          namespace: 'default',
          annotations: {
            ...doc.metadata.annotations,
            'backstage.io/managed-by-location': location,
            'backstage.io/managed-by-origin-location': location,
          },
        },
      };
    });
    const backend = await startTestBackend({
      features: [
        require('@backstage/plugin-scaffolder-backend').default,
        scaffolderModuleKebap,
        catalogServiceMock.factory({ entities }),
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              github: [{ host: 'github.com', token: put('github-token') }],
            },
            kebap: {
              pulumi: {
                cliPath: await echoingPulumi(await fake.cli.locate(), work.dir),
              },
              delivery: { mode: 'gitops', gitops: { repoPath } },
            },
          },
        }),
      ],
    });
    const base = `http://localhost:${
      (backend.server.address() as AddressInfo).port
    }/api/scaffolder/v2`;
    const headers = {
      Authorization: mockCredentials.user.header('user:default/guest'),
      'Content-Type': 'application/json',
    };
    const available = new Set(
      (
        (await (await fetch(`${base}/actions`, { headers })).json()) as any[]
      ).map(a => a.id),
    );
    const runnable = templates.filter(t =>
      t.steps.every(s => available.has(s.action)),
    );
    skipped = templates
      .filter(t => !runnable.includes(t))
      .map(t => t.folder)
      .sort();
    // orders first, decommission last (it removes the dev cluster)
    const ordered = [...runnable].sort(
      (a, b) =>
        Number(a.folder === 'decommission') -
        Number(b.folder === 'decommission'),
    );
    for (const t of ordered) {
      const name = `eng-${t.folder}`.slice(0, 30).replace(/-+$/, '');
      const values = sampleParameters(t, {
        name,
        owner: ownerA,
        order: 'resource:default/dev-eng-dev-cluster',
        confirm: 'eng-dev-cluster',
      });
      const secrets = Object.fromEntries([
        ['token', put(`${t.folder}-task-secret`)],
        ...secretNames(t).map(s => [s, put(`${t.folder}-secret-${s}`)]),
      ]);
      const created = await fetch(`${base}/tasks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          templateRef: `template:default/${t.name}`,
          values,
          secrets,
        }),
      });
      const { id } = (await created.json()) as { id: string };
      let task: any = {};
      for (let i = 0; i < 600; i++) {
        task = await (await fetch(`${base}/tasks/${id}`, { headers })).json();
        if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
        await new Promise(r => setTimeout(r, 100));
      }
      const events = await (
        await fetch(`${base}/tasks/${id}/events`, { headers })
      ).text();
      results.set(t.folder, {
        status: task.status,
        task: JSON.stringify(task),
        events,
      });
    }
    await backend.stop();
    await fake.cleanup();
  }, 180_000);

  afterAll(async () => {
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

  it('runs every template whose actions the test backend has, to completion', () => {
    // publish:* needs a Git host; those templates are covered by secretHygiene.test.ts
    expect(
      skipped.filter(
        f =>
          !templates
            .find(t => t.folder === f)!
            .steps.some(s => s.action.startsWith('publish:')),
      ),
    ).toEqual([]);
    expect(results.size).toBeGreaterThanOrEqual(4);
    expect(
      [...results.entries()].map(([f, r]) => [
        f,
        r.status === 'completed'
          ? 'completed'
          : `${r.status}: ${r.events.slice(-600)}`,
      ]),
    ).toEqual([...results.keys()].map(f => [f, 'completed']));
    // the orders were really made
    // one Application (Argo CD creates the namespace, the chart the quota)
    expect(results.get('dev-cluster')!.events).toMatch(/Committed 1 manifests/);
  });

  it('no sentinel in any task log event, task or task output', () => {
    expect(
      [...results.entries()].flatMap(([f, r]) => [
        ...leaks(`${f} task log`, r.events),
        ...leaks(`${f} task`, r.task),
      ]),
    ).toEqual([]);
  });

  it('no sentinel in any blob or message of the orders repository', async () => {
    const repo = await readWholeRepo(repoPath);
    expect(repo.commits.length).toBeGreaterThan(1);
    expect([
      ...leaks('commit messages', repo.messages.join('\n')),
      ...[...repo.blobs.values()].flatMap(b => leaks('blobs', b)),
    ]).toEqual([]);
  });
});
