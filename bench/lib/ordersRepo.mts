/*
 * Generated orders repositories for the benchmarks: N dev-cluster orders as
 * the ordering actions write them (kebap:vcluster:create and
 * kebap:argocd:cluster: `orders/dev/<name>/vcluster/` and
 * `orders/dev/<name>/registration/`, 3 files, 5.3 KB per order), one
 * `Order …` commit per order like the portal makes, written with
 * `git fast-import` so that 10,000 orders take seconds to generate.
 *
 * The file contents come from running the two actions once (their
 * TypeScript sources through Backstage's node transform) into a temporary
 * repository, for a template name that is then replaced by each order's.
 */
import { createRequire } from 'node:module';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
require('@backstage/cli-node/config/nodeTransform.cjs');

const src = '../../plugins/scaffolder-backend-module-kebap/src';
export const owner = 'group:default/team-payments';
const TEMPLATE = 'tplorderx';

export const silent: any = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child() {
    return silent;
  },
};

/** Runs an action's handler as a task step would. */
export async function step(action: any, input: object, taskId: string) {
  const checkpoints = new Map<string, unknown>();
  await action.handler({
    input,
    logger: silent,
    workspacePath: os.tmpdir(),
    isDryRun: false,
    task: { id: taskId },
    user: { ref: 'user:default/guest' },
    output() {},
    async checkpoint({ key, fn }: { key: string; fn: () => unknown }) {
      if (!checkpoints.has(key)) checkpoints.set(key, await fn());
      return checkpoints.get(key);
    },
    createTemporaryDirectory: async () => os.tmpdir(),
  });
}

/** The actions of a dev-cluster order on a delivery. */
export function devClusterActions(delivery: any) {
  const { readKebapSettings } = require(`${src}/KebapSettings.ts`);
  const {
    createVClusterCreateAction,
  } = require(`${src}/actions/vcluster/create.ts`);
  const {
    createArgoCdClusterAction,
  } = require(`${src}/actions/argocd/cluster.ts`);
  const { ConfigReader } = require('@backstage/config');
  const settings = readKebapSettings(
    new ConfigReader({ kebap: { delivery: { mode: 'gitops' } } }),
  );
  const deps = { delivery, settings };
  return {
    vcluster: createVClusterCreateAction(deps),
    register: createArgoCdClusterAction(deps),
  };
}

/** One dev-cluster order through the two actions, like the template. */
export async function orderDevCluster(actions: any, name: string) {
  await step(actions.vcluster, { name, owner, size: 'small' }, `task-${name}`);
  await step(actions.register, { name, owner }, `task-${name}`);
}

let templates: { file: string; text: string }[] | undefined;

/** The files of one dev-cluster order named `name`, as the actions write them. */
export async function orderFiles(
  name: string,
): Promise<{ file: string; text: string }[]> {
  if (!templates) {
    const { GitopsDelivery } = require(`${src}/delivery/GitopsDelivery.ts`);
    const {
      mayOverwriteOrder,
    } = require(`${src}/delivery/createOrderDelivery.ts`);
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'bench-tpl-'));
    const delivery = new GitopsDelivery({
      repoPath: dir,
      mayOverwrite: mayOverwriteOrder,
    });
    await orderDevCluster(devClusterActions(delivery), TEMPLATE);
    const folder = path.join(dir, 'orders/dev', TEMPLATE);
    templates = [];
    for (const part of fs.readdirSync(folder).sort()) {
      for (const f of fs.readdirSync(path.join(folder, part)).sort()) {
        templates.push({
          file: `${part}/${f}`,
          text: fs.readFileSync(path.join(folder, part, f), 'utf8'),
        });
      }
    }
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
  return templates.map(t => ({
    file: `orders/dev/${name}/${t.file.split(TEMPLATE).join(name)}`,
    text: t.text.split(TEMPLATE).join(name),
  }));
}

export const orderName = (i: number) => `o-${i}`;

const committer = (t: number) =>
  `committer KEBAP portal <kebap-portal@localhost> ${t} +0000\n`;

function data(text: string | Buffer) {
  const b = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return Buffer.concat([
    Buffer.from(`data ${b.length}\n`),
    b,
    Buffer.from('\n'),
  ]);
}

/** Pipes a fast-import stream into the repository's `main`. */
async function fastImport(dir: string, chunks: AsyncIterable<Buffer>) {
  const child = spawn('git', ['fast-import', '--quiet', '--done'], {
    cwd: dir,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', code =>
      code === 0 ? resolve() : reject(new Error(`fast-import: ${code}`)),
    );
  });
  for await (const c of chunks) {
    if (!child.stdin.write(c)) {
      await new Promise(r => child.stdin.once('drain', r));
    }
  }
  child.stdin.end('done\n');
  await done;
}

let clock = 1_764_000_000;

/**
 * A new repository of `orders` dev-cluster orders (`o-0` … `o-<n-1>`), one
 * commit each after a first commit with a README. `checkout`: the working
 * tree too (what a delivery writes into), otherwise only the commits.
 */
export async function generateOrdersRepo(options: {
  orders: number;
  checkout?: boolean;
  dir?: string;
}): Promise<string> {
  const dir =
    options.dir ??
    (await fs.promises.mkdtemp(path.join(os.tmpdir(), 'bench-orders-')));
  execFileSync('git', ['init', '--quiet', '--initial-branch', 'main', dir]);
  async function* stream() {
    yield Buffer.from(`commit refs/heads/main\n${committer(clock++)}`);
    yield data('Create the orders repository');
    yield Buffer.from('M 100644 inline README.md\n');
    yield data('# KEBAP orders\n');
    for (let i = 0; i < options.orders; i++) {
      const name = orderName(i);
      yield Buffer.from(`commit refs/heads/main\n${committer(clock++)}`);
      yield data(
        `Order dev/${name} (vcluster) for ${owner} by user:default/guest (task task-${name})`,
      );
      for (const f of await orderFiles(name)) {
        yield Buffer.from(`M 100644 inline ${f.file}\n`);
        yield data(f.text);
      }
    }
  }
  await fastImport(dir, stream());
  if (options.checkout) {
    execFileSync('git', ['checkout', '--quiet', '-f', 'main'], { cwd: dir });
  } else {
    // HEAD points at main already (init --initial-branch)
  }
  return dir;
}

/**
 * One commit on `main` as another writer would make it (no working tree
 * change): `files` written (text) or removed (null).
 */
export async function commitFiles(
  dir: string,
  message: string,
  files: { file: string; text: string | null }[],
) {
  async function* stream() {
    yield Buffer.from(`commit refs/heads/main\n${committer(clock++)}`);
    yield data(message);
    yield Buffer.from('from refs/heads/main^0\n');
    for (const f of files) {
      if (f.text === null) yield Buffer.from(`D ${f.file}\n`);
      else {
        yield Buffer.from(`M 100644 inline ${f.file}\n`);
        yield data(f.text);
      }
    }
  }
  await fastImport(dir, stream());
}
