/*
 * Test helper for the guardrail suites: the actions exactly as the
 * scaffolder module registers them (started in a test backend with the given
 * config), a Kubernetes API test double, and readers that snapshot what an
 * order wrote (every Git commit and blob of the orders repository, every
 * object of the API double).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import { randomBytes } from 'node:crypto';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { LoadedTemplate, parameterProperties } from './templateRunner';

/** A random value that cannot occur by chance: `SENTINEL-<label>-<hex>`. */
export function sentinel(label: string): string {
  return `SENTINEL-${label}-${randomBytes(12).toString('hex')}`;
}

export const ownerA = 'group:default/team-payments';
export const ownerB = 'group:default/team-search';

/** A temporary folder, removed by the returned function. */
export async function tempDir(prefix: string) {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    remove: () => fs.promises.rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The API double with the namespaces the platform creates at install;
 * `latencyMs` delays every answer like a network round trip.
 */
export async function startFakeCluster(options?: { latencyMs?: number }) {
  const api = await FakeKubernetesApi.start(options);
  for (const name of [
    'argocd',
    'kebap-stacks',
    'team-payments',
    'team-search',
  ]) {
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { manager: 'platform-install' },
    );
  }
  return api;
}

/** Config that points the module's kubernetes client at the API double. */
export function clusterConfig(api: FakeKubernetesApi, token = 'test-token') {
  return {
    kubernetes: {
      serviceLocatorMethod: { type: 'multiTenant' },
      clusterLocatorMethods: [
        {
          type: 'config',
          clusters: [
            {
              name: 'control-plane',
              url: api.baseUrl,
              authProvider: 'serviceAccount',
              serviceAccountToken: token,
              skipTLSVerify: true,
            },
          ],
        },
      ],
    },
  };
}

/** Everything in a Git repository: every commit's message and every blob it holds. */
export async function readWholeRepo(dir: string) {
  if (!fs.existsSync(path.join(dir, '.git'))) {
    return { commits: [], messages: [], blobs: new Map<string, string>() };
  }
  const log = await git.log({ fs, dir });
  const blobs = new Map<string, string>();
  for (const c of log) {
    await git.walk({
      fs,
      dir,
      trees: [git.TREE({ ref: c.oid })],
      map: async (filepath, [entry]) => {
        if (!entry || (await entry.type()) !== 'blob') return true;
        const oid = await entry.oid();
        if (!blobs.has(oid)) {
          const content = await entry.content();
          blobs.set(
            oid,
            `${filepath}\n${Buffer.from(content ?? []).toString('utf8')}`,
          );
        }
        return true;
      },
    });
  }
  return {
    commits: log.map(c => c.oid),
    messages: log.map(c => c.commit.message),
    blobs,
  };
}

/** HEAD of a repository, or undefined when there is none yet. */
export async function headOf(dir: string): Promise<string | undefined> {
  if (!fs.existsSync(path.join(dir, '.git'))) return undefined;
  return git.resolveRef({ fs, dir, ref: 'HEAD' });
}

/** The API double's objects as `kind/namespace/name@resourceVersion`, sorted. */
export function clusterSnapshot(api: FakeKubernetesApi): string[] {
  return api
    .objects()
    .map(
      o =>
        `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}@${
          o.metadata.resourceVersion
        }`,
    )
    .sort();
}

/**
 * Parameters for a template: the given values, then each property's
 * default, first enum value, minimum, or a sample by its name. A required
 * property none of these cover fails with a message that says what to add.
 */
export function sampleParameters(
  template: LoadedTemplate,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const samples: Record<string, unknown> = {
    description: 'made by the guardrail suite',
    purpose: 'made by the guardrail suite',
    organization: 'acme',
    stack: 'dev',
    namespace: 'team-payments',
  };
  const out: Record<string, unknown> = {};
  const required = new Set(
    template.parameters.flatMap(p => (p.required as string[]) ?? []),
  );
  for (const [key, prop] of Object.entries(parameterProperties(template))) {
    let value: unknown = given[key];
    if (value === undefined) value = prop.default;
    if (value === undefined && Array.isArray(prop.enum)) value = prop.enum[0];
    if (
      value === undefined &&
      (prop.type === 'integer' || prop.type === 'number')
    )
      value = prop.minimum ?? 1;
    if (value === undefined && prop.type === 'boolean') value = false;
    if (value === undefined) value = samples[key];
    if (value === undefined && required.has(key)) {
      throw new Error(
        `${template.folder}: no sample value for the required parameter '${key}'; add one to the suite's parameters for this template`,
      );
    }
    if (value !== undefined) out[key] = value;
  }
  for (const [key, value] of Object.entries(given)) {
    if (!(key in out)) out[key] = value;
  }
  return out;
}

/**
 * A `pulumi` that runs the CLI test double, creates the `--dir` of `pulumi
 * new` (as the real CLI does), then echoes its standard input.
 */
export async function echoingPulumi(fakePath: string, dir: string) {
  const file = path.join(dir, 'pulumi');
  await fs.promises.writeFile(
    file,
    `#!${process.execPath}
const fs = require('fs');
const cp = require('child_process');
let stdin = '';
try { stdin = fs.readFileSync(0, 'utf8'); } catch {}
const args = process.argv.slice(2);
if (args[0] === 'new' && args.includes('--dir')) fs.mkdirSync(args[args.indexOf('--dir') + 1], { recursive: true });
const r = cp.spawnSync(${JSON.stringify(
      fakePath,
    )}, process.argv.slice(2), { input: stdin, env: process.env });
process.stdout.write(r.stdout || '');
process.stderr.write(r.stderr || '');
if (stdin) process.stderr.write('warning: received config value ' + stdin + '\\n');
process.exit(r.status === null ? 1 : r.status);
`,
    { mode: 0o755 },
  );
  return file;
}
