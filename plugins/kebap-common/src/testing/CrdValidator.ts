import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import Ajv, { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Built-in kinds the portal writes. They have no CRD; kubernetes-models'
 * schemas are ESM-only and do not load under Jest, so they pass here
 * unchecked (their names are checked by the builders' own rules and by the
 * Kubernetes API test double).
 */
const builtIn = new Set([
  'v1/Namespace',
  'v1/ResourceQuota',
  'v1/LimitRange',
  'v1/Secret',
  'v1/ServiceAccount',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
]);

/**
 * Validates objects against the real schemas vendored in `upstream/`
 * (`upstream/crds/*.yaml`: the served version's `openAPIV3Schema`;
 * `upstream/schemas/vcluster-values.schema.json`; provenance in
 * `upstream/sources.tsv`). Test-only: reads files.
 *
 * Of the CEL rules (`x-kubernetes-validations`) it enforces the one the
 * portal's names depend on, `size(self.metadata.name) <= N` (the Stack's
 * 42-character limit); other CEL rules are listed by `ignoredRules()` (the
 * real-API tests have the API server evaluate them all).
 * Built-in kinds (Namespace, ResourceQuota, …) have no CRD and pass unchecked.
 */
export class CrdValidator {
  /** The vendored schemas: KEBAP_UPSTREAM_DIR, else `<repo>/upstream`. */
  static upstreamDir(): string {
    if (process.env.KEBAP_UPSTREAM_DIR)
      return path.resolve(process.env.KEBAP_UPSTREAM_DIR);
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, 'backstage.json'))) {
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    return path.resolve(dir, 'upstream');
  }

  /**
   * The validator. The schemas are part of the repository, so a missing
   * folder is an error everywhere, never a reason to skip.
   */
  static load(): CrdValidator {
    const dir = CrdValidator.upstreamDir();
    if (!fs.existsSync(path.join(dir, 'crds'))) {
      throw new Error(
        `Schema tests need the vendored schemas: no CRDs at ${path.join(
          dir,
          'crds',
        )} (restore upstream/ with scripts/refresh-upstream.sh)`,
      );
    }
    return new CrdValidator(dir);
  }

  private readonly dir: string;
  private readonly crds = new Map<string, any>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly ignored = new Set<string>();
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private vclusterValidate?: ValidateFunction;

  private constructor(dir: string) {
    this.dir = dir;
    addFormats(this.ajv);
    for (const file of fs.readdirSync(path.join(dir, 'crds'))) {
      if (!file.endsWith('.yaml')) continue;
      // key by file name's group and plural: parsed lazily
      this.crds.set(file, undefined);
    }
  }

  private crdFor(group: string, kind: string): any {
    for (const [file, parsed] of this.crds) {
      if (!file.startsWith(`${group}_`)) continue;
      const crd =
        parsed ??
        yaml.parse(fs.readFileSync(path.join(this.dir, 'crds', file), 'utf8'));
      this.crds.set(file, crd);
      if (crd?.spec?.names?.kind === kind) return crd;
    }
    return undefined;
  }

  /** Schema errors of one object, as `path: message` lines (empty = valid). */
  validate(obj: {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string };
  }): string[] {
    if (builtIn.has(`${obj.apiVersion}/${obj.kind}`)) return [];
    const [group, version] = obj.apiVersion.includes('/')
      ? obj.apiVersion.split('/')
      : ['', obj.apiVersion];
    if (!group) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
    const crd = this.crdFor(group, obj.kind);
    if (!crd)
      return [`no CRD for ${obj.apiVersion} ${obj.kind} in upstream/crds`];
    const served = crd.spec.versions.find((v: any) => v.name === version);
    if (!served) return [`${obj.kind}: version ${version} is not in the CRD`];
    if (!served.served)
      return [`${obj.kind}: version ${version} is not served`];
    const key = `${group}/${version}/${obj.kind}`;
    let validate = this.compiled.get(key);
    const schema = served.schema.openAPIV3Schema;
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    const errors: string[] = [];
    if (!validate(obj)) {
      for (const e of validate.errors ?? []) {
        errors.push(
          `${e.instancePath || '/'}: ${e.message}${
            e.params ? ` ${JSON.stringify(e.params)}` : ''
          }`,
        );
      }
    }
    for (const rule of schema['x-kubernetes-validations'] ?? []) {
      const m = /^size\(self\.metadata\.name\) <= (\d+)$/.exec(rule.rule);
      if (m) {
        if ((obj.metadata?.name ?? '').length > Number(m[1]))
          errors.push(`/metadata/name: ${rule.message}`);
      } else {
        this.ignored.add(`${obj.kind}: ${rule.rule}`);
      }
    }
    return errors;
  }

  /** Errors of vCluster chart values against the chart's values schema. */
  validateVClusterValues(values: unknown): string[] {
    if (!this.vclusterValidate) {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      const schema = JSON.parse(
        fs.readFileSync(
          path.join(this.dir, 'schemas', 'vcluster-values.schema.json'),
          'utf8',
        ),
      );
      this.vclusterValidate = ajv.compile(schema);
    }
    if (this.vclusterValidate(values)) return [];
    return (this.vclusterValidate.errors ?? []).map(
      e => `${e.instancePath || '/'}: ${e.message} ${JSON.stringify(e.params)}`,
    );
  }

  /** CEL rules met while validating that this validator does not evaluate. */
  ignoredRules(): string[] {
    return [...this.ignored].sort();
  }
}

/** `describe` for tests that validate against the vendored schemas. */
export function describeWithSchemas(
  name: string,
  fn: (validator: () => CrdValidator) => void,
): void {
  let validator: CrdValidator | undefined;
  // eslint-disable-next-line jest/valid-title, jest/valid-describe-callback
  describe(name, () =>
    fn(() => {
      validator ??= CrdValidator.load();
      return validator;
    }),
  );
}
