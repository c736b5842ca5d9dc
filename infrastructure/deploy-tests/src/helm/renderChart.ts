import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { repoRoot } from '../paths';

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
  /**
   * `.Capabilities.KubeVersion` (`helm template --kube-version`), checked
   * against the chart's `kubeVersion`; default {@link DEFAULT_KUBE_VERSION}.
   */
  kubeVersion?: string;
}

/** What `helm template` gives. */
export interface RenderedChart {
  /** the objects in Helm's install order (by kind) */
  objects: RenderedObject[];
  /** the merged values the templates saw */
  values: Record<string, unknown>;
  /** rendered text per template file (`templates/<file>`), for error messages */
  files: Record<string, string>;
}

/**
 * The Kubernetes version charts render for by default: the control-plane
 * cluster's (`infrastructure/control-plane`, `kubernetesVersion` 1.31).
 */
export const DEFAULT_KUBE_VERSION = 'v1.31.0';

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

/** compiled schemas by their text: ajv compiles one in a few hundred ms */
const compiledSchemas = new Map<string, ValidateFunction>();

/** Schema errors of the merged values, as `path: message` lines. */
export function validateValues(chartDir: string, values: unknown): string[] {
  const schemaFile = path.join(chartDir, 'values.schema.json');
  if (!fs.existsSync(schemaFile)) return [];
  const text = fs.readFileSync(schemaFile, 'utf8');
  let validate = compiledSchemas.get(text);
  if (!validate) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(text));
    compiledSchemas.set(text, validate);
  }
  if (validate(values)) return [];
  return (validate.errors ?? []).map(
    e =>
      `${e.instancePath || '/'}: ${e.message}${
        e.params ? ` ${JSON.stringify(e.params)}` : ''
      }`,
  );
}

// ---- the renderer: helm-render/main.go, built once per source version

/** helm-render's source; Jest runs with the working directory in the repository */
const SOURCE_DIR = path.join(
  repoRoot(),
  'infrastructure',
  'deploy-tests',
  'helm-render',
);
/** Debian's Go packages (`golang-github-masterminds-sprig-dev`, …) */
const GOPATH = '/usr/share/gocode';

let builtBinary: string | undefined;

function goMissing(detail: string): Error {
  const install =
    'Debian packages golang-go, golang-github-masterminds-sprig-dev and golang-k8s-sigs-yaml-dev';
  if (process.env.CI === 'true') {
    return new Error(
      `The chart tests render with Go's text/template and sprig (${SOURCE_DIR}/main.go), and Go is missing in CI: ${detail}. ` +
        `scripts/test.sh's unit stage installs the ${install} (ensure_go, scripts/lib/go.sh); CI must run it.`,
    );
  }
  return new Error(
    `The chart tests render with Go's text/template and sprig (${SOURCE_DIR}/main.go): ${detail}. ` +
      `Run \`bash scripts/lib/go.sh\` (installs the ${install}).`,
  );
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `build` unless `binary` exists, one process at a time: the others
 * wait (up to 10 minutes) for `lock`, then find the binary. A lock older
 * than 10 minutes is a dead build's and is taken over.
 */
function buildOnce(binary: string, lock: string, build: () => void): void {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    if (fs.existsSync(binary)) return;
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000)
        fs.rmSync(lock, { force: true });
    } catch {
      // the other build just finished
    }
    if (Date.now() > deadline)
      throw new Error(`waited 10 minutes for another build (${lock})`);
    Atomics.wait(sleeper, 0, 0, 200);
  }
  try {
    if (!fs.existsSync(binary)) build();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/**
 * The helm-render binary for the current main.go: `.tools/helm-render/
 * helm-render-<sha256 of main.go>`, built when missing (GOPATH mode against
 * Debian's Go sources; about 1 s with a warm Go build cache, 20-60 s the
 * first time on a machine). Several Jest workers may ask at once: one builds
 * (a lock file), to a file of its own renamed into place, so no process
 * ever runs a half-written binary.
 */
export function helmRenderBinary(): string {
  if (builtBinary && fs.existsSync(builtBinary)) return builtBinary;
  const source = path.join(SOURCE_DIR, 'main.go');
  const hash = createHash('sha256')
    .update(fs.readFileSync(source))
    .digest('hex')
    .slice(0, 16);
  const cacheDir = path.join(repoRoot(), '.tools', 'helm-render');
  const binary = path.join(cacheDir, `helm-render-${hash}`);
  if (!fs.existsSync(binary)) {
    const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw goMissing(
        `\`go version\` failed (${
          probe.error?.message ?? probe.stderr.trim()
        })`,
      );
    }
    if (!fs.existsSync(path.join(GOPATH, 'src/github.com/Masterminds/sprig'))) {
      throw goMissing(`sprig's source is missing in ${GOPATH}`);
    }
    fs.mkdirSync(cacheDir, { recursive: true });
    buildOnce(binary, `${binary}.lock`, () => {
      const tmp = `${binary}.tmp-${process.pid}-${randomBytes(4).toString(
        'hex',
      )}`;
      try {
        execFileSync(
          'go',
          ['build', '-trimpath', '-ldflags=-s -w', '-o', tmp, 'main.go'],
          {
            cwd: SOURCE_DIR,
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'pipe'],
            env: {
              ...process.env,
              GO111MODULE: 'off',
              GOPATH,
              GOFLAGS: '',
              GOCACHE: path.join(cacheDir, 'gocache'),
            },
          },
        );
        fs.renameSync(tmp, binary);
      } catch (e) {
        fs.rmSync(tmp, { force: true });
        const stderr = (e as { stderr?: string }).stderr?.trim();
        throw new Error(
          `go build of ${source} failed${stderr ? `:\n${stderr}` : `: ${e}`}`,
        );
      }
    });
    // the binaries of earlier versions of main.go
    for (const name of fs.readdirSync(cacheDir)) {
      if (
        /^helm-render-[0-9a-f]{16}$/.test(name) &&
        name !== path.basename(binary)
      )
        fs.rmSync(path.join(cacheDir, name), { force: true });
    }
  }
  builtBinary = binary;
  return binary;
}

/**
 * Renders a chart like `helm template <release> <chartDir> -n <namespace>
 * -f values --kube-version <v>` with Go's text/template and sprig
 * (`helm-render/main.go`): the values coalesced over values.yaml, validated
 * against values.schema.json (an error lists every violation, as Helm
 * refuses to render before executing any template), the templates
 * rendered, the YAML documents parsed by sigs.k8s.io/yaml (as Kubernetes
 * parses them); empty documents are dropped.
 */
export function renderChart(
  chartDir: string,
  options: RenderOptions = {},
): RenderedChart {
  const binary = helmRenderBinary();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kebap-helm-render-'));
  try {
    const valuesOut = path.join(tmp, 'values.json');
    const result = spawnSync(
      binary,
      [
        '--namespace',
        options.namespace ?? 'kebap',
        '--kube-version',
        options.kubeVersion ?? DEFAULT_KUBE_VERSION,
        '--values',
        '-',
        '--output-values',
        valuesOut,
        '--output',
        'json',
        options.releaseName ?? 'kebap-portal',
        chartDir,
      ],
      {
        input: JSON.stringify(options.values ?? {}),
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (result.error) throw result.error;
    // helm-render writes the values before it renders; Helm validates them
    // first, so a schema error wins over a template's `required`
    if (fs.existsSync(valuesOut)) {
      const values = JSON.parse(fs.readFileSync(valuesOut, 'utf8'));
      const errors = validateValues(chartDir, values);
      if (errors.length) {
        throw new Error(
          `values don't meet the specifications of the schema(s):\n${errors.join(
            '\n',
          )}`,
        );
      }
      if (result.status === 0) {
        const manifests: Array<{
          source: string;
          manifest: string;
          object: RenderedObject | null;
        }> = JSON.parse(result.stdout);
        const files: Record<string, string> = {};
        for (const m of manifests) {
          const file = m.source.replace(/^[^/]+\//, '');
          files[file] = files[file]
            ? `${files[file]}---\n${m.manifest}\n`
            : `${m.manifest}\n`;
        }
        return {
          objects: manifests.flatMap(m => (m.object ? [m.object] : [])),
          values,
          files,
        };
      }
    }
    throw new Error(
      `helm-render ${chartDir} (exit ${
        result.status
      }): ${result.stderr.trim()}`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
