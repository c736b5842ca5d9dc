/*
 * Every template's Stack names a Pulumi project that the program it runs
 * really has, or Pulumi Cloud refuses to create the stack ("provided project
 * name … doesn't match Pulumi.yaml"; docs/upstream-contracts.md PKO-9):
 * - a Program-based Stack (kebap:pulumi:stack with program/programPath/
 *   programRef): the Operator serves the Program as a Pulumi YAML project
 *   named after the Program's metadata.name, so the project segment of
 *   spec.stack must be that name;
 * - a Git-based Stack (prod-cluster-git): the project is the `name` of the
 *   repository's Pulumi.yaml, which `pulumi new -n <name>` wrote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { startModuleActions } from '../__testUtils__/startModuleActions';
import {
  exampleParameters,
  readTemplateFiles,
  runTemplateSteps,
  TemplateFile,
} from './__testUtils__/runTemplateSteps';

// real git commits and a test backend: slower than a unit test on a busy machine
jest.setTimeout(60_000);

const templates = readTemplateFiles();
const stackTemplates = templates.filter(t =>
  t.steps.some(s => s.action === 'kebap:pulumi:stack'),
);
const owner = 'group:default/team-payments';

let actions: Map<string, TemplateAction<any, any, any>>;
let stop: () => Promise<void>;
let tmp: string;
let repoPath: string;

beforeAll(async () => {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'pulumi-projects-'));
  repoPath = path.join(tmp, 'repo');
  ({ actions, stop } = await startModuleActions({
    kebap: { delivery: { gitops: { repoPath } } },
  }));
});

afterAll(async () => {
  await stop?.();
  await fs.promises.rm(tmp, { recursive: true, force: true });
});

/** Every object committed at HEAD under orders/<env>/<name>/. */
async function committedOf(orderName: string): Promise<any[]> {
  const oid = await git.resolveRef({ fs, dir: repoPath, ref: 'HEAD' });
  const files = (await git.listFiles({ fs, dir: repoPath, ref: oid })).filter(
    f => f.split('/')[2] === orderName,
  );
  const out = [];
  for (const filepath of files) {
    const { blob } = await git.readBlob({ fs, dir: repoPath, oid, filepath });
    out.push(yaml.parse(Buffer.from(blob).toString('utf8')));
  }
  return out;
}

/**
 * The Pulumi project the Operator serves for a Program (program_controller.go
 * `programToProject`): named after the Program's metadata.name, runtime yaml.
 */
function operatorProjectOf(program: any): { name: string; runtime: string } {
  return { ...program.program, name: program.metadata.name, runtime: 'yaml' };
}

const parameterSets = (t: TemplateFile) =>
  exampleParameters(t).map(p => [String(p.cloud ?? 'default'), p] as const);

it('covers the templates that order Stacks', () => {
  expect(stackTemplates.map(t => t.folder).sort()).toEqual([
    'database',
    'prod-cluster',
    'prod-cluster-git',
  ]);
});

describe.each(
  stackTemplates
    .filter(t => !t.steps.some(s => s.action === 'pulumi:new'))
    .map(t => [t.folder, t] as const),
)('%s (Program-based)', (folder, template) => {
  it.each(parameterSets(template))(
    '%s: the Stack’s project is its Program’s name, as the Operator serves it',
    async (cloud, parameters) => {
      // the longest name the form admits: every name stays within the rules
      const page = template.pages.find(p => p.properties?.name)!;
      const maxLength: number = page.properties.name.maxLength;
      const name = `${folder[0]}${cloud}`.padEnd(maxLength, 'x');
      await runTemplateSteps({
        template,
        actions,
        parameters: { ...parameters, name, owner },
        workspacePath: await fs.promises.mkdtemp(path.join(tmp, `ws-`)),
        dryRun: false,
        taskId: `task-${folder}-${cloud}`,
      });
      const objects = await committedOf(name);
      const stacks = objects.filter(o => o.kind === 'Stack');
      expect(stacks).toHaveLength(1);
      for (const stack of stacks) {
        const program = objects.find(
          o =>
            o.kind === 'Program' &&
            o.metadata.namespace === stack.metadata.namespace &&
            o.metadata.name === stack.spec.programRef?.name,
        );
        expect(program).toBeDefined();
        const [org, project, stackName] = stack.spec.stack.split('/');
        expect({ org, project, stackName }).toEqual({
          org: 'kebap',
          project: operatorProjectOf(program).name,
          stackName: expect.any(String),
        });
        // the Stack CRD's rule and DNS-1123 for both objects' names
        expect(stack.metadata.name.length).toBeLessThanOrEqual(42);
        for (const n of [stack.metadata.name, program.metadata.name]) {
          expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
          expect(n.length).toBeLessThanOrEqual(253);
        }
        // a Pulumi project name: letters, digits, '_', '.', '-', at most 100
        expect(project).toMatch(/^[A-Za-z0-9_.-]{1,100}$/);
      }
    },
  );
});

describe.each(
  stackTemplates
    .filter(t => t.steps.some(s => s.action === 'pulumi:new'))
    .map(t => [t.folder, t] as const),
)('%s (Git-based)', (folder, template) => {
  it.each(parameterSets(template))(
    '%s: the Stack’s project is the name pulumi new writes into Pulumi.yaml',
    async (cloud, parameters) => {
      // dry run: pulumi:new and the Stack's validation run, nothing is written
      const runs = await runTemplateSteps({
        template,
        actions,
        parameters: { ...parameters, owner },
        workspacePath: await fs.promises.mkdtemp(path.join(tmp, `ws-`)),
        dryRun: true,
        taskId: `task-${folder}-${cloud}`,
      });
      const created = runs.find(r => r.action === 'pulumi:new' && !r.skipped)!;
      const stacks = runs.filter(
        r => r.action === 'kebap:pulumi:stack' && !r.skipped,
      );
      expect(stacks).toHaveLength(1);
      // `pulumi new -n <name>` replaces the template's project name (the
      // platform's program is kebap-prod-cluster) in the new Pulumi.yaml
      const programTemplate = yaml.parse(
        fs.readFileSync(
          path.join(template.dir, '..', 'prod-cluster/program/Pulumi.yaml'),
          'utf8',
        ),
      );
      const pulumiYaml = { ...programTemplate, name: created.input!.name };
      for (const run of stacks) {
        const [org, project, stackName] = String(run.input!.stack).split('/');
        expect({ org, project, stackName }).toEqual({
          org: created.input!.organization,
          project: pulumiYaml.name,
          stackName: created.input!.stack,
        });
      }
    },
  );
});
