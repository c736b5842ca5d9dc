/*
 * Every template the portal ships (templates/*\/template.yaml, found when the
 * test runs): its form validates what it asks, each step's action is one the
 * scaffolder module registers (or a scaffolder built-in), and its steps run in
 * dry-run with example parameters (one run per cloud where the form branches),
 * rendering manifests that validate against the real CRDs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import git from 'isomorphic-git';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import Ajv from 'ajv';
import { RESERVED_NAMES } from '@internal/plugin-kebap-common';
import { describeWithSchemas } from '@internal/plugin-kebap-common/testing';
import { startModuleActions } from '../__testUtils__/startModuleActions';
import {
  BUILTIN_ACTIONS,
  exampleParameters,
  readTemplateFiles,
  runTemplateSteps,
} from './__testUtils__/runTemplateSteps';

// real git commits and a test backend: slower than a unit test on a busy machine
jest.setTimeout(60_000);

const templates = readTemplateFiles();
let actions: Map<string, TemplateAction<any, any, any>>;
let stop: () => Promise<void>;
let tmp: string;

beforeAll(async () => {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'templates-'));
  ({ actions, stop } = await startModuleActions({
    kebap: { delivery: { gitops: { repoPath: path.join(tmp, 'repo') } } },
  }));
  // templates that act on an existing order (decommission, extend) find one:
  // the dev cluster 'example', ordered for real before the dry runs
  const devCluster = templates.find(t => t.folder === 'dev-cluster')!;
  const [parameters] = exampleParameters(devCluster);
  await runTemplateSteps({
    template: devCluster,
    actions,
    parameters,
    workspacePath: await fs.promises.mkdtemp(path.join(tmp, 'ws-seed-')),
    dryRun: false,
  });
});

/** What the gitops repository holds now (files and HEAD), to prove nothing was written. */
async function repoState(): Promise<string> {
  const repo = path.join(tmp, 'repo');
  if (!fs.existsSync(repo)) return 'no repository';
  const files = (await fs.promises.readdir(repo, { recursive: true })).sort();
  let head = '';
  try {
    head = await git.resolveRef({ fs, dir: repo, ref: 'HEAD' });
  } catch {
    head = 'no commit';
  }
  return `${head}\n${files.join('\n')}`;
}

afterAll(async () => {
  await stop?.();
  await fs.promises.rm(tmp, { recursive: true, force: true });
});

it('finds the templates of the issue', () => {
  expect(templates.map(t => t.folder)).toEqual(
    expect.arrayContaining([
      'database',
      'decommission',
      'dev-cluster',
      'prod-cluster',
      'prod-cluster-git',
    ]),
  );
});

describe.each(templates.map(t => [t.folder, t] as const))(
  'template %s',
  (_folder, template) => {
    it('is a v1beta3 Template named after its folder, with steps', () => {
      expect(template.doc.apiVersion).toBe('scaffolder.backstage.io/v1beta3');
      expect(template.doc.kind).toBe('Template');
      expect(template.name).toBe(template.folder);
      expect(template.steps.length).toBeGreaterThan(0);
    });

    it('uses only actions the module registers or scaffolder built-ins', () => {
      for (const step of template.steps) {
        expect({
          step: step.id,
          known:
            actions.has(step.action) || BUILTIN_ACTIONS.includes(step.action),
        }).toEqual({ step: step.id, known: true });
      }
      // unique step ids
      const ids = template.steps.map(s => s.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('starts over after a backend restart when its steps only order through kebap:* and built-ins that can run twice', () => {
      // publish:* and pulumi:* cannot run twice safely (a repository that
      // already exists, a second `pulumi new`): such templates stay off
      const rerunnable = template.steps.every(
        s => s.action.startsWith('kebap:') || s.action === 'fetch:plain',
      );
      expect({
        template: template.folder,
        recovery: template.doc.spec.EXPERIMENTAL_recovery,
      }).toEqual({
        template: template.folder,
        recovery: rerunnable
          ? { EXPERIMENTAL_strategy: 'startOver' }
          : undefined,
      });
    });

    it('validates in the form what it asks', () => {
      const problems: string[] = [];
      for (const page of template.pages) {
        const props: Record<string, any> = { ...page.properties };
        const variants: any[] = Object.values<any>(
          page.dependencies ?? {},
        ).flatMap(d => d.oneOf ?? []);
        for (const key of page.required ?? []) {
          // a required field exists on the page or in every branch
          const declared =
            key in props ||
            (variants.length > 0 &&
              variants.every(v => key in (v.properties ?? {})));
          if (!declared) problems.push(`${key}: required but not declared`);
        }
        const all = [
          ...Object.entries<any>(props),
          ...variants.flatMap(v =>
            Object.entries<any>(v.properties ?? {}).filter(
              ([, p]) => p.type !== undefined,
            ),
          ),
        ];
        for (const [key, prop] of all) {
          if (
            prop.enum &&
            prop.default !== undefined &&
            !prop.enum.includes(prop.default)
          )
            problems.push(`${key}: default is not in the enum`);
          if (prop.enumNames && prop.enumNames.length !== prop.enum?.length)
            problems.push(`${key}: enumNames do not match the enum`);
          if (
            key === 'owner' &&
            (prop['ui:field'] !== 'OwnerPicker' ||
              prop['ui:options']?.catalogFilter?.kind !== 'Group')
          )
            problems.push(`${key}: must be an OwnerPicker of groups`);
          // free text is bounded: a pattern or a maximum length
          if (
            prop.type === 'string' &&
            !prop.enum &&
            !prop['ui:field'] &&
            !prop.pattern &&
            !prop.maxLength
          )
            problems.push(`${key}: free text needs a pattern or maxLength`);
          if (
            prop.type === 'integer' &&
            (prop.minimum === undefined || prop.maximum === undefined)
          )
            problems.push(`${key}: an integer needs minimum and maximum`);
        }
        if (props.name) {
          const pattern = new RegExp(props.name.pattern ?? '');
          for (const bad of ['Bad_Name', '-lead', 'trail-', 'ünï', 'a b', '']) {
            if (pattern.test(bad)) problems.push(`name: accepts '${bad}'`);
          }
          if (!pattern.test('payments-1'))
            problems.push(`name: refuses 'payments-1'`);
          if (!(props.name.maxLength <= 42))
            problems.push('name: maxLength must be at most 42 (Stack names)');
        }
      }
      expect(problems).toEqual([]);
    });

    const parameterSets = exampleParameters(template);
    describeWithSchemas('dry-run', validator => {
      it.each(parameterSets.map((p, i) => [i, JSON.stringify(p), p] as const))(
        'runs every step with example parameters #%s %s',
        async (_i, _json, parameters) => {
          const workspacePath = await fs.promises.mkdtemp(
            path.join(tmp, `ws-${template.folder}-`),
          );
          const before = await repoState();
          const runs = await runTemplateSteps({
            template,
            actions,
            parameters,
            workspacePath,
            dryRun: true,
          });
          expect(runs.filter(r => !r.skipped).length).toBeGreaterThan(0);
          for (const run of runs.filter(r => !r.skipped)) {
            const manifests = run.output.manifests as string | undefined;
            if (!manifests) continue;
            for (const obj of yaml
              .parseAllDocuments(manifests)
              .map(d => d.toJSON())) {
              expect({
                step: run.id,
                object: `${obj.kind}/${obj.metadata?.name}`,
                errors: validator().validate(obj),
              }).toEqual({
                step: run.id,
                object: `${obj.kind}/${obj.metadata?.name}`,
                errors: [],
              });
            }
          }
          // dry-run writes nothing
          expect(await repoState()).toBe(before);
        },
      );
    });
  },
);

describe('an invalid name never reaches a step', () => {
  it.each(['prod-cluster', 'database', 'prod-cluster-git'])(
    '%s refuses a bad name in its first ordering step',
    async folder => {
      const template = templates.find(t => t.folder === folder)!;
      const [parameters] = exampleParameters(template, { name: 'Bad_Name' });
      const workspacePath = await fs.promises.mkdtemp(
        path.join(tmp, `ws-bad-${folder}-`),
      );
      const before = await repoState();
      await expect(
        runTemplateSteps({
          template,
          actions,
          parameters,
          workspacePath,
          dryRun: false,
        }),
      ).rejects.toThrow(
        /step '[^']+' \(kebap:[a-z:-]+\): (name|order): 'Bad_Name'/,
      );
      expect(await repoState()).toBe(before);
    },
  );
});

describe('the forms refuse the names the platform keeps', () => {
  const named = templates.filter(t =>
    t.pages.some(p => p.properties?.name && t.folder !== 'pulumi-project'),
  );

  it('covers every ordering template', () => {
    expect(named.map(t => t.folder).sort()).toEqual([
      'database',
      'dev-cluster',
      'prod-cluster',
      'prod-cluster-git',
    ]);
  });

  it.each(named.map(t => [t.folder, t] as const))(
    '%s refuses each of RESERVED_NAMES in its form, and nothing else the actions allow',
    (_folder, template) => {
      const page = template.pages.find(p => p.properties?.name)!;
      const validate = new Ajv({ strict: false }).compile(page.properties.name);
      for (const reserved of RESERVED_NAMES) {
        expect({ reserved, valid: validate(reserved) }).toEqual({
          reserved,
          valid: false,
        });
      }
      expect(validate('payments')).toBe(true);
    },
  );
});
