import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { GoTemplate } from './GoTemplate';

/** A rendered Kubernetes object. */
export type RenderedObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: any;
};

export interface RenderOptions {
  /** values given at install time (`-f` / `--set`), merged over values.yaml */
  values?: Record<string, unknown>;
  releaseName?: string;
  namespace?: string;
}

/** What `helm template` would give, for the subset of Helm the chart uses. */
export interface RenderedChart {
  objects: RenderedObject[];
  /** the merged values the templates saw */
  values: Record<string, unknown>;
  /** rendered text per template file, for error messages */
  files: Record<string, string>;
}

/** Helm's values merge: maps merge, everything else replaces, null deletes. */
export function mergeValues(
  base: Record<string, any>,
  override: Record<string, any>,
): Record<string, any> {
  const out: Record<string, any> = { ...base };
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      out[k] &&
      typeof out[k] === 'object' &&
      !Array.isArray(out[k])
    )
      out[k] = mergeValues(out[k], v);
    else out[k] = structuredClone(v);
  }
  return out;
}

/** Schema errors of the merged values, as `path: message` lines. */
export function validateValues(chartDir: string, values: unknown): string[] {
  const schemaFile = path.join(chartDir, 'values.schema.json');
  if (!fs.existsSync(schemaFile)) return [];
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
  if (validate(values)) return [];
  return (validate.errors ?? []).map(
    e =>
      `${e.instancePath || '/'}: ${e.message}${
        e.params ? ` ${JSON.stringify(e.params)}` : ''
      }`,
  );
}

/**
 * Renders a chart like `helm template <release> <chartDir> -n <namespace>
 * -f values`: values.yaml merged with the given values, validated against
 * values.schema.json (an error lists every violation, as Helm refuses to
 * render), then every `templates/*.yaml` not starting with `_` rendered and
 * split into YAML documents; empty documents are dropped.
 */
export function renderChart(
  chartDir: string,
  options: RenderOptions = {},
): RenderedChart {
  const chart = yaml.parse(
    fs.readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8'),
  );
  const defaults =
    yaml.parse(fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) ??
    {};
  const values = mergeValues(defaults, options.values ?? {});
  const errors = validateValues(chartDir, values);
  if (errors.length) {
    throw new Error(
      `values don't meet the specifications of the schema(s):\n${errors.join(
        '\n',
      )}`,
    );
  }
  const templatesDir = path.join(chartDir, 'templates');
  const names = fs.readdirSync(templatesDir).sort();
  const engine = new GoTemplate();
  for (const file of names) {
    if (file.endsWith('.yaml') || file.endsWith('.tpl')) {
      engine.add(
        `templates/${file}`,
        fs.readFileSync(path.join(templatesDir, file), 'utf8'),
      );
    }
  }
  const context = {
    Values: values,
    Release: {
      Name: options.releaseName ?? 'kebap-portal',
      Namespace: options.namespace ?? 'kebap',
      Service: 'Helm',
    },
    Chart: {
      Name: chart.name,
      Version: chart.version,
      AppVersion: chart.appVersion,
    },
  };
  const objects: RenderedObject[] = [];
  const files: Record<string, string> = {};
  for (const file of names) {
    if (file.startsWith('_') || !file.endsWith('.yaml')) continue;
    const name = `templates/${file}`;
    const text = engine.render(name, context);
    files[name] = text;
    for (const doc of yaml.parseAllDocuments(text)) {
      if (doc.errors.length) {
        throw new Error(
          `${name}: invalid YAML: ${doc.errors
            .map(e => e.message)
            .join('; ')}\n${text}`,
        );
      }
      const obj = doc.toJS();
      if (obj !== null && obj !== undefined) objects.push(obj);
    }
  }
  return { objects, values, files };
}
