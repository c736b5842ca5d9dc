/*
 * Test helper: runs the portal's templates (`templates/*\/template.yaml`,
 * discovered when the test runs) through the actions the scaffolder module
 * really registers, step after step, the way the scaffolder's workflow runner
 * does: `${{ parameters.x }}`, `${{ steps.x.output.y }}` and
 * `${{ secrets.x }}` are resolved by a small resolver (a whole-value
 * expression keeps its type, like the scaffolder's), with the filters the
 * templates use (`join`, `dump`, `default`); `if:` skips a step. An
 * expression the resolver does not understand fails the run, so a template
 * using new syntax makes the suites fail loudly instead of passing unseen.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { validate as validateJsonSchema } from 'jsonschema';
import { InputError } from '@backstage/errors';
import { createRecordingLogger } from '../../testing/createRecordingLogger';

/** The repository root (this file is plugins/<pkg>/src/guardrails/__testUtils__/; tests run from source). */
// eslint-disable-next-line no-restricted-syntax
export const repoRoot = path.resolve(__dirname, '../../../../..');

export interface TemplateStep {
  id: string;
  name?: string;
  action: string;
  if?: unknown;
  input?: Record<string, unknown>;
}

export interface LoadedTemplate {
  /** folder name under templates/ */
  folder: string;
  file: string;
  name: string;
  parameters: Array<Record<string, any>>;
  steps: TemplateStep[];
  output?: unknown;
}

/** Every `templates/*\/template.yaml`, read now. */
export function loadTemplates(root = repoRoot): LoadedTemplate[] {
  const dir = path.join(root, 'templates');
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter(
      e =>
        e.isDirectory() &&
        fs.existsSync(path.join(dir, e.name, 'template.yaml')),
    )
    .map(e => {
      const file = path.join(dir, e.name, 'template.yaml');
      const doc = yaml.parse(fs.readFileSync(file, 'utf8'));
      const parameters = doc.spec?.parameters ?? [];
      return {
        folder: e.name,
        file,
        name: doc.metadata?.name ?? e.name,
        parameters: Array.isArray(parameters) ? parameters : [parameters],
        steps: doc.spec?.steps ?? [],
        output: doc.spec?.output,
      };
    })
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

/** The properties of every parameter page, merged. */
export function parameterProperties(
  template: LoadedTemplate,
): Record<string, Record<string, any>> {
  const out: Record<string, Record<string, any>> = {};
  // the first alternative of a oneOf wins: its values belong together
  const visit = (page: Record<string, any>) => {
    for (const [key, prop] of Object.entries(page.properties ?? {})) {
      if (!(key in out)) out[key] = prop as Record<string, any>;
    }
    for (const branch of [
      ...(page.dependencies ? Object.values(page.dependencies) : []),
      ...(page.allOf ?? []),
      ...(page.oneOf ?? []),
      ...(page.anyOf ?? []),
    ] as Array<Record<string, any>>) {
      visit(branch);
      for (const alt of branch.oneOf ?? []) visit(alt);
    }
  };
  template.parameters.forEach(visit);
  return out;
}

/** Names of the secrets a template reads (`${{ secrets.x }}`, `ui:field: Secret`). */
export function secretNames(template: LoadedTemplate): string[] {
  const text = fs.readFileSync(template.file, 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/secrets\.([A-Za-z0-9_]+)/g)) names.add(m[1]);
  for (const [key, prop] of Object.entries(parameterProperties(template))) {
    if (prop['ui:field'] === 'Secret') names.add(key);
  }
  return [...names].sort();
}

export interface ResolveContext {
  parameters: Record<string, unknown>;
  steps: Record<string, { output: Record<string, unknown> }>;
  secrets: Record<string, string>;
  user?: Record<string, unknown>;
}

const expression = /\$\{\{\s*([\s\S]*?)\s*\}\}/g;

function lookup(context: ResolveContext, ref: string): unknown {
  if (
    !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+|\[['"][^'"]+['"]\])*$/.test(ref)
  ) {
    throw new Error(`templateRunner: unsupported expression '${ref}'`);
  }
  const parts = ref
    .replace(/\[['"]([^'"]+)['"]\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  if (!['parameters', 'steps', 'secrets', 'user'].includes(parts[0])) {
    throw new Error(`templateRunner: unsupported expression '${ref}'`);
  }
  return parts.reduce<any>(
    (o, k) => (o === undefined || o === null ? undefined : o[k]),
    context,
  );
}

function evaluate(context: ResolveContext, expr: string): unknown {
  const comparison = /^(.+?)\s*(===|!==|==|!=)\s*(.+)$/.exec(expr.trim());
  if (comparison) {
    const left = evaluate(context, comparison[1]);
    const right = evaluate(context, comparison[3]);
    // eslint-disable-next-line eqeqeq
    const equal = left == right;
    return comparison[2].startsWith('!') ? !equal : equal;
  }
  const [head, ...filters] = expr.split('|').map(s => s.trim());
  // `a or b`, a literal string
  let value: unknown;
  const literal = /^'([^']*)'$|^"([^"]*)"$/.exec(head);
  if (literal) value = literal[1] ?? literal[2];
  else if (/ or /.test(head)) {
    value = head
      .split(/ or /)
      .map(h => evaluate(context, h.trim()))
      .find(Boolean);
  } else value = lookup(context, head);
  for (const filter of filters) {
    const m = /^([a-z_]+)(?:\((.*)\))?$/.exec(filter);
    if (!m) throw new Error(`templateRunner: unsupported filter '${filter}'`);
    const arg = m[2]?.trim().replace(/^['"]|['"]$/g, '');
    if (m[1] === 'join') {
      value = Array.isArray(value) ? value.join(arg ?? ',') : value;
    } else if (m[1] === 'dump') {
      value = JSON.stringify(value);
    } else if (m[1] === 'default') {
      value = value === undefined || value === '' ? arg : value;
    } else if (m[1] === 'string') {
      value = value === undefined ? '' : String(value);
    } else {
      throw new Error(`templateRunner: unsupported filter '${filter}'`);
    }
  }
  return value;
}

/** Resolves every `${{ … }}` in a value (recursively). */
export function resolveValue(value: unknown, context: ResolveContext): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{\{\s*([\s\S]*?)\s*\}\}$/.exec(value.trim());
    if (whole && !value.trim().slice(3).includes('${{')) {
      return evaluate(context, whole[1]);
    }
    const text = value.replace(expression, (_m, expr) => {
      const v = evaluate(context, expr);
      if (v === undefined || v === null) return '';
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
    // like the scaffolder: a value that renders empty is left out
    return text === '' && value !== '' ? undefined : text;
  }
  if (Array.isArray(value)) return value.map(v => resolveValue(v, context));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = resolveValue(v, context);
      // the scaffolder drops inputs that resolve to undefined
      if (r !== undefined) out[k] = r;
    }
    return out;
  }
  return value;
}

export interface TemplateRun {
  /** every task log line, as `level: message` */
  logs: string[];
  /** each step's outputs */
  stepOutputs: Record<string, Record<string, unknown>>;
  /** the template's resolved `output:` */
  output: unknown;
  /** the error that ended the run, if one did */
  error?: Error;
  /**
   * `publish:*` steps are not run: their input and the files they would
   * push (path → content) are kept here
   */
  published: Array<{
    step: string;
    input: Record<string, unknown>;
    files: Record<string, string>;
  }>;
}

/**
 * Runs a template's steps in order through the given actions. Stops at the
 * first failing step and records its error, like the scaffolder.
 */
export async function runTemplate(options: {
  template: LoadedTemplate;
  actions: Map<string, TemplateAction<any, any, any>>;
  parameters: Record<string, unknown>;
  secrets?: Record<string, string>;
  workspacePath: string;
  taskId: string;
  userRef?: string;
  /** wraps each step's input before it runs (e.g. to add secret config) */
  augmentInput?: (
    step: TemplateStep,
    input: Record<string, unknown>,
  ) => Record<string, unknown>;
  /** runs after each step, e.g. to play a controller that marks objects ready */
  afterStep?: (step: TemplateStep) => Promise<void>;
}): Promise<TemplateRun> {
  const { template, actions } = options;
  const context: ResolveContext = {
    parameters: options.parameters,
    steps: {},
    secrets: options.secrets ?? {},
    user: { ref: options.userRef ?? 'user:default/guest' },
  };
  const logger = createRecordingLogger();
  const checkpoints = new Map<string, unknown>();
  const run: TemplateRun = {
    logs: logger.lines,
    stepOutputs: {},
    output: {},
    published: [],
  };
  try {
    for (const step of template.steps) {
      if (step.if !== undefined && !resolveValue(step.if, context)) {
        logger.info(`Skipping step ${step.id}`);
        continue;
      }
      let input = resolveValue(step.input ?? {}, context) as Record<
        string,
        unknown
      >;
      if (options.augmentInput) input = options.augmentInput(step, input);
      if (step.action === 'fetch:plain') {
        await fetchPlain(template, options.workspacePath, input);
        logger.info(`Finished step ${step.name ?? step.id}`);
        continue;
      }
      if (step.action.startsWith('publish:')) {
        // not sent anywhere: what would be pushed is kept for inspection
        const files = await readTree(
          path.resolve(options.workspacePath, String(input.sourcePath ?? '.')),
        );
        run.published.push({ step: step.id, input, files });
        const repo = /repo=([^&]+)/.exec(String(input.repoUrl ?? ''))?.[1];
        const owner = /owner=([^&]+)/.exec(String(input.repoUrl ?? ''))?.[1];
        const remoteUrl = `https://github.com/${owner}/${repo}.git`;
        run.stepOutputs[step.id] = { remoteUrl, repoContentsUrl: remoteUrl };
        context.steps[step.id] = { output: run.stepOutputs[step.id] };
        logger.info(`Finished step ${step.name ?? step.id}`);
        continue;
      }
      const action = actions.get(step.action);
      if (!action)
        throw new Error(`Template action '${step.action}' not found`);
      // the scaffolder checks the input against the action's schema first
      if (action.schema?.input) {
        const result = validateJsonSchema(input, action.schema.input as any);
        if (!result.valid) {
          throw new InputError(
            `Invalid input passed to action ${action.id}, ${result.errors.join(
              ', ',
            )}`,
          );
        }
      }
      const outputs: Record<string, unknown> = {};
      const ctx = createMockActionContext({
        input: input as any,
        workspacePath: options.workspacePath,
        logger,
      });
      Object.assign(ctx, {
        task: { id: options.taskId },
        user: { ref: options.userRef ?? 'user:default/guest' },
        templateInfo: { entityRef: `template:default/${template.name}` },
        secrets: options.secrets ?? {},
        output: (name: string, value: unknown) => {
          outputs[name] = value;
        },
        checkpoint: async ({
          key,
          fn,
        }: {
          key: string;
          fn: () => Promise<unknown>;
        }) => {
          if (!checkpoints.has(key)) checkpoints.set(key, await fn());
          return checkpoints.get(key);
        },
      });
      logger.info(`Beginning step ${step.name ?? step.id}`);
      await action.handler(ctx as any);
      run.stepOutputs[step.id] = outputs;
      context.steps[step.id] = { output: outputs };
      await options.afterStep?.(step);
      logger.info(`Finished step ${step.name ?? step.id}`);
    }
    run.output = resolveValue(template.output ?? {}, context);
  } catch (e) {
    run.error = e as Error;
    logger.error(`${(e as Error).name}: ${(e as Error).message}`);
  }
  return run;
}

/**
 * The scaffolder's `fetch:plain` for what templates here use it for: a
 * folder next to the template (a relative `url`) copied into the workspace.
 */
async function fetchPlain(
  template: LoadedTemplate,
  workspacePath: string,
  input: Record<string, unknown>,
) {
  const url = String(input.url ?? '');
  if (!url.startsWith('./')) {
    throw new Error(`templateRunner: fetch:plain of '${url}' is not supported`);
  }
  const from = path.resolve(path.dirname(template.file), url);
  const to = path.resolve(workspacePath, String(input.targetPath ?? '.'));
  await fs.promises.cp(from, to, { recursive: true });
}

/** Every file under a folder, by relative path, as text. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    const entries = await fs.promises.readdir(path.join(dir, rel), {
      withFileTypes: true,
    });
    for (const e of entries) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else
        out[child] = await fs.promises.readFile(path.join(dir, child), 'utf8');
    }
  };
  if (fs.existsSync(dir)) await walk('');
  return out;
}
