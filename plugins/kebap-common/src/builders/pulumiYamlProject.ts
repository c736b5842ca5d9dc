import yaml from 'yaml';
import { Issue } from '../validation/Issue';
import { PulumiYamlProgram, validatePulumiYamlProgram } from './buildStack';

/**
 * A Pulumi YAML project file (`Pulumi.yaml` with `runtime: yaml`) as the
 * platform team keeps it next to a template: the project keys plus the
 * program (`config`, `variables`, `resources`, `outputs`).
 */
export interface PulumiYamlProject {
  name: string;
  runtime: 'yaml' | { name: 'yaml'; options?: Record<string, unknown> };
  description?: string;
  config?: Record<string, PulumiYamlConfigDeclaration>;
  variables?: Record<string, unknown>;
  resources?: Record<string, PulumiYamlResource>;
  outputs?: Record<string, unknown>;
  packages?: Record<string, string>;
}

/** A typed config declaration of a Pulumi YAML project. */
export interface PulumiYamlConfigDeclaration {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array';
  items?: { type: 'string' | 'integer' | 'number' };
  default?: unknown;
  description?: string;
  secret?: boolean;
}

/** A resource of a Pulumi YAML program. */
export interface PulumiYamlResource {
  type: string;
  properties?: Record<string, unknown>;
  options?: Record<string, unknown>;
  get?: { id: string; state?: Record<string, unknown> };
}

/** Project keys that are not part of the program; dropped when converting. */
const projectOnlyKeys = ['name', 'runtime', 'description', 'config'];
/** Program keys, copied as they are (config becomes configuration). */
const programBodyKeys = ['variables', 'resources', 'outputs', 'packages'];

/** Program (`pulumi.com/v1`) configuration types, by Pulumi YAML type. */
const configurationTypes: Record<string, string> = {
  string: 'String',
  integer: 'Number',
  number: 'Number',
};
const listTypes: Record<string, string> = {
  string: 'List<String>',
  integer: 'List<Number>',
  number: 'List<Number>',
};

/** Names Pulumi YAML provides without a declaration. */
const builtinRoots = ['pulumi'];

/**
 * Every `${root...}` reference in a Pulumi YAML value (the root name only:
 * `${cluster.endpoint}` gives `cluster`). `$${...}` escapes are skipped.
 */
export function pulumiYamlReferences(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/(\$?)\$\{([^}.[\s]+)/g)) {
        if (m[1] !== '$') found.add(m[2]);
      }
    } else if (Array.isArray(v)) {
      v.forEach(visit);
    } else if (v && typeof v === 'object') {
      Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return [...found].sort();
}

/**
 * Parses and validates a Pulumi YAML project file and converts it to the
 * body of a `Program` object: `config` becomes `configuration` (with the
 * Program CRD's type names), project-only keys are dropped. Refuses what the
 * Program CRD or the portal cannot run: another runtime, unknown keys,
 * boolean or secret config (secrets reach a Stack only through `envSecrets`),
 * resources without a type, references to names the program never declares,
 * and template placeholders (`${{ ... }}`): form values go to the Stack's
 * config, never into the program's text.
 */
export function pulumiYamlProjectToProgram(
  source: string | unknown,
  options: { field: string },
): { program?: PulumiYamlProgram; issues: Issue[] } {
  const { field } = options;
  let project: unknown = source;
  if (typeof source === 'string') {
    if (source.includes('${{')) {
      return {
        issues: [
          {
            field,
            rule: 'no-placeholders',
            message:
              'holds a template placeholder (${{ … }}); pass form values as Stack config instead',
          },
        ],
      };
    }
    try {
      project = yaml.parse(source);
    } catch (e) {
      return {
        issues: [
          {
            field,
            rule: 'yaml',
            message: `is not valid YAML: ${String((e as Error).message)
              .split('\n')[0]
              .slice(0, 200)}`,
          },
        ],
      };
    }
  }
  if (!project || typeof project !== 'object' || Array.isArray(project)) {
    return {
      issues: [
        {
          field,
          rule: 'type',
          message: 'must be a Pulumi YAML project (an object)',
        },
      ],
    };
  }
  const p = project as Record<string, any>;
  const issues: Issue[] = [];
  if (typeof p.name !== 'string' || !p.name) {
    issues.push({
      field: `${field}.name`,
      rule: 'required',
      message: 'a Pulumi project needs a name',
    });
  }
  const runtime = typeof p.runtime === 'object' ? p.runtime?.name : p.runtime;
  if (runtime !== 'yaml') {
    issues.push({
      field: `${field}.runtime`,
      rule: 'runtime-yaml',
      message: `is '${String(
        runtime,
      )}'; a Program runs only Pulumi YAML (runtime: yaml)`,
    });
  }
  for (const key of Object.keys(p)) {
    if (!projectOnlyKeys.includes(key) && !programBodyKeys.includes(key)) {
      issues.push({
        field: `${field}.${key}`,
        rule: 'project-key',
        message: `a Pulumi YAML project for a Program holds only ${[
          ...projectOnlyKeys,
          ...programBodyKeys,
        ].join(', ')}`,
      });
    }
  }
  if (JSON.stringify(p).includes('${{')) {
    issues.push({
      field,
      rule: 'no-placeholders',
      message:
        'holds a template placeholder (${{ … }}); pass form values as Stack config instead',
    });
  }

  const configuration: Record<string, { type?: string; default?: unknown }> =
    {};
  for (const [key, decl] of Object.entries<any>(p.config ?? {})) {
    const at = `${field}.config.${key}`;
    if (!decl || typeof decl !== 'object') {
      issues.push({
        field: at,
        rule: 'config-declaration',
        message: 'declare a type and/or a default',
      });
      continue;
    }
    if (decl.secret) {
      issues.push({
        field: at,
        rule: 'no-secret-config',
        message:
          'secret config cannot be set on a Stack by the portal; read secrets from environment variables (envSecrets)',
      });
    }
    let type: string | undefined;
    if (decl.type === 'array') {
      type = listTypes[decl.items?.type];
    } else if (decl.type !== undefined) {
      type = configurationTypes[decl.type];
    } else if (decl.default === undefined) {
      issues.push({
        field: at,
        rule: 'config-declaration',
        message: 'declare a type and/or a default',
      });
      continue;
    }
    if (decl.type !== undefined && !type) {
      issues.push({
        field: at,
        rule: 'config-type',
        message: `type '${decl.type}' has no Program equivalent (String, Number, List<String>, List<Number>)`,
      });
      continue;
    }
    configuration[key] = {
      ...(type ? { type } : {}),
      ...(decl.default !== undefined ? { default: decl.default } : {}),
    };
  }

  const resources = (p.resources ?? {}) as Record<string, any>;
  for (const [name, res] of Object.entries(resources)) {
    if (!res || typeof res !== 'object' || typeof res.type !== 'string') {
      issues.push({
        field: `${field}.resources.${name}.type`,
        rule: 'required',
        message: 'every resource needs a type token',
      });
    }
  }
  const declared = new Set([
    ...Object.keys(p.config ?? {}),
    ...Object.keys(p.variables ?? {}),
    ...Object.keys(resources),
    ...builtinRoots,
  ]);
  for (const section of ['variables', 'resources', 'outputs']) {
    for (const ref of pulumiYamlReferences(p[section])) {
      if (!declared.has(ref)) {
        issues.push({
          field: `${field}.${section}`,
          rule: 'reference',
          message: `refers to '\${${ref}}', which is no config key, variable or resource of the program`,
        });
      }
    }
  }

  const program: PulumiYamlProgram = {};
  if (Object.keys(configuration).length) program.configuration = configuration;
  for (const key of programBodyKeys) {
    if (p[key] !== undefined)
      (program as Record<string, unknown>)[key] = p[key];
  }
  issues.push(...validatePulumiYamlProgram(program, { field }));
  return issues.length ? { issues } : { program, issues };
}

/**
 * Checks a Stack's config against what its program declares (a Program's
 * `configuration`): every plain key is declared, every key without a default
 * is given, numbers are numbers. Namespaced keys (`aws:region`) are provider
 * config and pass. Catches a template and its program drifting apart before
 * anything is written.
 */
export function validateStackConfigForProgram(
  program: PulumiYamlProgram,
  config: Record<string, string> | undefined,
  options: { field: string },
): Issue[] {
  const { field } = options;
  const declared = (program.configuration ?? {}) as Record<
    string,
    { type?: string; default?: unknown }
  >;
  const given = config ?? {};
  const issues: Issue[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (key.includes(':')) continue;
    const decl = declared[key];
    if (!decl) {
      issues.push({
        field: `${field}.${key}`,
        rule: 'declared',
        message: `the program declares no config '${key}' (it has ${
          Object.keys(declared).join(', ') || 'none'
        })`,
      });
    } else if (
      decl.type === 'Number' &&
      !/^-?[0-9]+(\.[0-9]+)?$/.test(String(value))
    ) {
      issues.push({
        field: `${field}.${key}`,
        rule: 'number',
        message: `'${String(value).slice(0, 50)}' is not a number`,
      });
    }
  }
  for (const [key, decl] of Object.entries(declared)) {
    if (decl?.default === undefined && !(key in given)) {
      issues.push({
        field: `${field}.${key}`,
        rule: 'required',
        message: 'the program needs it and declares no default',
      });
    }
  }
  return issues;
}
