/*
 * Test helper: runs a template's steps (templates/<folder>/template.yaml)
 * through the actions the scaffolder module registers, as the scaffolder's
 * workflow runner would, optionally in dry-run. It understands the
 * expressions the portal's templates use: `${{ a.b.c }}` (a whole-value
 * expression keeps its type, like the scaffolder's) and `a == 'x'` /
 * `a != 'x'` (for `if:`). Anything else fails loudly, so a template that
 * starts using new syntax makes the tests fail rather than pass unseen.
 *
 * Built-in scaffolder actions are played, not run: `fetch:plain` with a
 * relative `url` copies that folder of the template into the workspace (what
 * the scaffolder does for a template read from a file location);
 * `publish:github` outputs the `remoteUrl` it would create. The module's own
 * actions are the real ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
// a test helper, used by the tests only
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createRecordingLogger } from '../../testing/createRecordingLogger';

/** The repository root (this file is plugins/<pkg>/src/templates/). */
// eslint-disable-next-line no-restricted-syntax
export const repositoryRoot = path.resolve(__dirname, '../../../../..');

/** Scaffolder built-in actions the portal's templates may use. */
export const BUILTIN_ACTIONS = [
  'fetch:plain',
  'fetch:plain:file',
  'fetch:template',
  'publish:github',
  'catalog:register',
  'debug:log',
];

export interface TemplateFile {
  folder: string;
  dir: string;
  name: string;
  doc: any;
  pages: Array<Record<string, any>>;
  steps: Array<{
    id: string;
    name?: string;
    action: string;
    if?: unknown;
    input?: Record<string, unknown>;
  }>;
}

/** Every templates/<folder>/template.yaml. */
export function readTemplateFiles(root = repositoryRoot): TemplateFile[] {
  const base = path.join(root, 'templates');
  return fs
    .readdirSync(base, { withFileTypes: true })
    .filter(
      e =>
        e.isDirectory() &&
        fs.existsSync(path.join(base, e.name, 'template.yaml')),
    )
    .map(e => {
      const dir = path.join(base, e.name);
      const doc = yaml.parse(
        fs.readFileSync(path.join(dir, 'template.yaml'), 'utf8'),
      );
      const params = doc?.spec?.parameters ?? [];
      return {
        folder: e.name,
        dir,
        name: doc?.metadata?.name,
        doc,
        pages: Array.isArray(params) ? params : [params],
        steps: doc?.spec?.steps ?? [],
      };
    })
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

type Context = Record<string, unknown>;

function lookup(context: Context, ref: string): unknown {
  if (
    !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+|\[['"][^'"]+['"]\])*$/.test(ref)
  ) {
    throw new Error(`unsupported template expression '${ref}'`);
  }
  return ref
    .replace(/\[['"]([^'"]+)['"]\]/g, '.$1')
    .split('.')
    .reduce<any>((o, k) => (o === undefined || o === null ? o : o[k]), context);
}

function evaluate(context: Context, expr: string): unknown {
  const cmp = /^(.+?)\s*(==|!=)\s*'([^']*)'$/.exec(expr);
  if (cmp) {
    const equal = String(lookup(context, cmp[1].trim())) === cmp[3];
    return cmp[2] === '==' ? equal : !equal;
  }
  return lookup(context, expr);
}

/** Resolves every `${{ … }}` in a value, recursively. */
export function renderValue(value: unknown, context: Context): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{\{\s*([^}]*?)\s*\}\}$/.exec(value);
    if (whole) return evaluate(context, whole[1]);
    return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr) => {
      const v = evaluate(context, expr);
      return v === undefined || v === null ? '' : String(v);
    });
  }
  if (Array.isArray(value)) return value.map(v => renderValue(v, context));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = renderValue(v, context);
      // the scaffolder drops inputs that render empty
      if (r !== undefined && r !== '') out[k] = r;
    }
    return out;
  }
  return value;
}

export interface StepRun {
  id: string;
  action: string;
  skipped: boolean;
  input?: Record<string, unknown>;
  output: Record<string, unknown>;
}

/** Runs the steps in order; throws the first step's error, naming the step. */
export async function runTemplateSteps(options: {
  template: TemplateFile;
  actions: Map<string, TemplateAction<any, any, any>>;
  parameters: Record<string, unknown>;
  workspacePath: string;
  dryRun: boolean;
  taskId?: string;
  /**
   * The task's checkpoint store, as the scaffolder keeps it per task: pass
   * the same map to run the task again as a retry or recovery would (each
   * checkpoint returns what it returned the first time). Without it every
   * checkpoint runs.
   */
  checkpoints?: Map<string, unknown>;
}): Promise<StepRun[]> {
  const { template, actions } = options;
  const steps: Record<string, { output: Record<string, unknown> }> = {};
  const context: Context = {
    parameters: options.parameters,
    steps,
    user: { ref: 'user:default/guest' },
  };
  const runs: StepRun[] = [];
  const logger = createRecordingLogger();
  for (const step of template.steps) {
    if (step.if !== undefined && !renderValue(step.if, context)) {
      runs.push({
        id: step.id,
        action: step.action,
        skipped: true,
        output: {},
      });
      continue;
    }
    const input = renderValue(step.input ?? {}, context) as Record<
      string,
      unknown
    >;
    const output: Record<string, unknown> = {};
    try {
      if (step.action === 'fetch:plain') {
        const url = String(input.url);
        if (!url.startsWith('./')) {
          throw new Error(
            `only relative fetch:plain URLs are played, not '${url}'`,
          );
        }
        await fs.promises.cp(
          path.resolve(template.dir, url),
          path.resolve(options.workspacePath, String(input.targetPath ?? '.')),
          { recursive: true },
        );
      } else if (step.action === 'publish:github') {
        const q = new URLSearchParams(String(input.repoUrl).split('?')[1]);
        output.remoteUrl = `https://github.com/${q.get('owner')}/${q.get(
          'repo',
        )}`;
        output.repoContentsUrl = `${output.remoteUrl}/blob/main`;
      } else if (BUILTIN_ACTIONS.includes(step.action)) {
        // nothing to play
      } else {
        const action = actions.get(step.action);
        if (!action)
          throw new Error(`action '${step.action}' is not registered`);
        const ctx = createMockActionContext({
          input: input as any,
          workspacePath: options.workspacePath,
          logger,
        });
        // (createMockActionContext drops isDryRun, so it is set here)
        Object.assign(ctx, {
          isDryRun: options.dryRun,
          task: { id: options.taskId ?? `task-${template.folder}` },
          user: { ref: 'user:default/guest' },
          templateInfo: { entityRef: `template:default/${template.name}` },
          output: (name: string, value: unknown) => {
            output[name] = value;
          },
          checkpoint: async ({
            key,
            fn,
          }: {
            key: string;
            fn: () => Promise<unknown>;
          }) => {
            const store = options.checkpoints;
            if (!store) return fn();
            if (!store.has(key)) store.set(key, await fn());
            return store.get(key);
          },
        });
        await action.handler(ctx as any);
      }
    } catch (e) {
      const error = e as Error;
      error.message = `${template.folder} step '${step.id}' (${step.action}): ${error.message}`;
      throw error;
    }
    steps[step.id] = { output };
    runs.push({
      id: step.id,
      action: step.action,
      skipped: false,
      input,
      output,
    });
  }
  return runs;
}

const fallbackValues: Record<string, unknown> = {
  name: 'example',
  owner: 'group:default/team-payments',
  namespace: 'team-payments',
  order: 'resource:default/dev-example',
  confirm: 'example',
};

/**
 * Example parameters of a template from its form: every property's
 * default, else the first enum value, else a known example by name; one
 * parameter set per branch of each `dependencies` oneOf (e.g. one per
 * cloud), with that branch's defaults.
 */
export function exampleParameters(
  template: TemplateFile,
  overrides: Record<string, unknown> = {},
): Array<Record<string, unknown>> {
  const base: Record<string, unknown> = {};
  const branches: Array<Record<string, unknown>> = [{}];
  const valueOf = (key: string, prop: Record<string, any>) =>
    prop.default ?? prop.enum?.[0] ?? fallbackValues[key];
  for (const page of template.pages) {
    for (const [key, prop] of Object.entries<any>(page.properties ?? {})) {
      const v = valueOf(key, prop);
      if (v !== undefined) base[key] = v;
    }
    for (const dep of Object.values<any>(page.dependencies ?? {})) {
      const variants: Array<Record<string, unknown>> = (dep.oneOf ?? []).map(
        (variant: any) =>
          Object.fromEntries(
            Object.entries<any>(variant.properties ?? {}).map(([k, p]) => [
              k,
              valueOf(k, p),
            ]),
          ),
      );
      if (variants.length) {
        const current = branches.splice(0);
        for (const b of current) {
          for (const v of variants) branches.push({ ...b, ...v });
        }
      }
    }
  }
  return branches.map(b => ({ ...base, ...b, ...overrides }));
}
