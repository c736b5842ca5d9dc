/*
 * Every template's ExternalSecrets, as committed, in the shape the store's
 * provider reads. The store gitops/ installs (ClusterSecretStore
 * kebap-secrets) is Pulumi ESC, whose ESO provider reads only
 * `remoteRef.key` as a property path and ignores `property`
 * (docs/upstream-contracts.md ESO-2): a `property` there would deliver the
 * whole object as JSON instead of the token or key.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { startModuleActions } from '../__testUtils__/startModuleActions';
import { readKebapSettings } from '../KebapSettings';
import {
  exampleParameters,
  readTemplateFiles,
  repositoryRoot,
  runTemplateSteps,
} from './__testUtils__/runTemplateSteps';

jest.setTimeout(60_000);

const templates = readTemplateFiles().filter(t =>
  t.steps.some(s => s.action === 'kebap:external-secret'),
);
const settings = readKebapSettings(new ConfigReader({}));
const owner = 'group:default/team-payments';

let actions: Map<string, TemplateAction<any, any, any>>;
let stop: () => Promise<void>;
let tmp: string;
let repoPath: string;

beforeAll(async () => {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'store-refs-'));
  repoPath = path.join(tmp, 'repo');
  ({ actions, stop } = await startModuleActions({
    kebap: { delivery: { gitops: { repoPath } } },
  }));
});

afterAll(async () => {
  await stop?.();
  await fs.promises.rm(tmp, { recursive: true, force: true });
});

async function committedExternalSecrets(orderName: string): Promise<any[]> {
  const oid = await git.resolveRef({ fs, dir: repoPath, ref: 'HEAD' });
  const files = (await git.listFiles({ fs, dir: repoPath, ref: oid })).filter(
    f => f.split('/')[2] === orderName,
  );
  const out = [];
  for (const filepath of files) {
    const { blob } = await git.readBlob({ fs, dir: repoPath, oid, filepath });
    const obj = yaml.parse(Buffer.from(blob).toString('utf8'));
    if (obj.kind === 'ExternalSecret') out.push(obj);
  }
  return out;
}

it('defaults to the provider of the store gitops/ installs', () => {
  const store = yaml.parse(
    fs.readFileSync(
      path.join(
        repositoryRoot,
        'gitops/platform/secret-store/cluster-secret-store.yaml',
      ),
      'utf8',
    ),
  );
  expect(store.metadata.name).toBe(settings.externalSecrets.clusterSecretStore);
  expect(Object.keys(store.spec.provider)).toEqual([
    settings.externalSecrets.provider,
  ]);
  expect(settings.externalSecrets.provider).toBe('pulumi');
});

it('covers the templates with credentials', () => {
  expect(templates.map(t => t.folder).sort()).toEqual([
    'database',
    'prod-cluster',
    'prod-cluster-git',
  ]);
});

describe.each(templates.map(t => [t.folder, t] as const))(
  '%s',
  (folder, template) => {
    it.each(
      exampleParameters(template).map(p => [String(p.cloud), p] as const),
    )(
      '%s: each Pulumi store reference is one path in key, without property',
      async (cloud, parameters) => {
        const name = `${folder.replace(/-/g, '')}-${cloud}`;
        // only the credentials steps (the others need the Pulumi CLI or GitHub)
        const steps = template.steps.filter(
          s => s.action === 'kebap:external-secret',
        );
        const runs = await runTemplateSteps({
          template: { ...template, steps },
          actions,
          parameters: { ...parameters, name, owner },
          workspacePath: await fs.promises.mkdtemp(path.join(tmp, 'ws-')),
          dryRun: false,
          taskId: `task-${name}`,
        });
        const externalSecrets = await committedExternalSecrets(name);
        expect(externalSecrets.length).toBe(
          runs.filter(r => !r.skipped).length,
        );
        for (const es of externalSecrets) {
          expect(es.spec.secretStoreRef).toEqual({
            kind: 'ClusterSecretStore',
            name: settings.externalSecrets.clusterSecretStore,
          });
          const run = runs.find(
            r => !r.skipped && r.input!.name === es.metadata.name,
          )!;
          const asked = run.input!.data as Array<{
            secretKey: string;
            remoteKey: string;
            property?: string;
          }>;
          expect(es.spec.data).toEqual(
            asked.map(d => ({
              secretKey: d.secretKey,
              remoteRef: {
                key: d.property ? `${d.remoteKey}.${d.property}` : d.remoteKey,
              },
            })),
          );
          for (const d of es.spec.data) {
            expect(d.remoteRef.property).toBeUndefined();
          }
        }
      },
    );
  },
);
