import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A failed `git` command: its arguments, exit code and standard error. */
export class GitCommandError extends Error {
  readonly code: number | null;
  readonly stderr: string;
  constructor(args: string[], code: number | null, stderr: string) {
    super(`git ${args.join(' ')} failed (${code}): ${stderr.trim()}`);
    this.name = 'GitCommandError';
    this.code = code;
    this.stderr = stderr;
  }
}

/** What the environment must not carry into a command on another repository. */
const repoVariables = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
];

/**
 * Runs the `git` executable in `dir` and resolves with its standard output.
 * Exit codes other than 0 (and the `okCodes` asked for) reject with a
 * {@link GitCommandError}. Variables that would point git at another
 * repository (GIT_DIR, GIT_INDEX_FILE, …) are dropped; `env` adds some.
 * Never asks for credentials on a terminal.
 */
export function runGit(
  dir: string,
  args: string[],
  options: {
    input?: string | Buffer;
    env?: NodeJS.ProcessEnv;
    okCodes?: number[];
  } = {},
): Promise<{ stdout: Buffer; code: number }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    ...options.env,
  };
  for (const v of repoVariables) delete env[v];
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: dir, env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', code => {
      if (code === 0 || (code !== null && options.okCodes?.includes(code))) {
        resolve({ stdout: Buffer.concat(out), code });
      } else {
        reject(
          new GitCommandError(args, code, Buffer.concat(err).toString('utf8')),
        );
      }
    });
    child.stdin.on('error', () => {
      // the command exited before reading all of its input: its exit code says why
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * The contents of blobs by object id, read with one `git cat-file --batch`
 * (ids it does not have are left out).
 */
export async function readBlobs(
  dir: string,
  oids: string[],
): Promise<Map<string, Buffer>> {
  const blobs = new Map<string, Buffer>();
  if (oids.length === 0) return blobs;
  const { stdout } = await runGit(dir, ['cat-file', '--batch'], {
    input: `${oids.join('\n')}\n`,
  });
  // <oid> SP <type> SP <size> LF <contents> LF, or <oid> SP missing LF
  let at = 0;
  while (at < stdout.length) {
    const eol = stdout.indexOf(10, at);
    if (eol < 0) break;
    const header = stdout.toString('latin1', at, eol).split(' ');
    at = eol + 1;
    if (header.length !== 3) continue; // missing, ambiguous
    const size = Number(header[2]);
    blobs.set(header[0], stdout.subarray(at, at + size));
    at += size + 1;
  }
  return blobs;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return (await fs.promises.readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** The git directory of a working tree (`.git`, or where a `.git` file points). */
export async function gitDirOf(dir: string): Promise<string | undefined> {
  const dotGit = path.join(dir, '.git');
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(dotGit);
  } catch {
    return undefined;
  }
  if (stat.isDirectory()) return dotGit;
  const m = /^gitdir: (.+)$/m.exec((await readText(dotGit)) ?? '');
  return m ? path.resolve(dir, m[1]) : undefined;
}

const objectId = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

type HeadRead = { oid?: string; unsure?: true };

interface Layout {
  gitDir: string;
  /** where refs live (a linked worktree keeps them in the common directory) */
  refsDir: string;
}

/** Git directories by working tree, so a look at HEAD reads two files. */
const layouts = new Map<string, Layout>();

async function layoutOf(dir: string): Promise<Layout | undefined> {
  const gitDir = await gitDirOf(dir);
  if (!gitDir) return undefined;
  const common = await readText(path.join(gitDir, 'commondir'));
  const layout = {
    gitDir,
    refsDir: common ? path.resolve(gitDir, common) : gitDir,
  };
  layouts.set(dir, layout);
  return layout;
}

async function readHeadFiles({ gitDir, refsDir }: Layout): Promise<HeadRead> {
  let value = await readText(path.join(gitDir, 'HEAD'));
  for (let depth = 0; depth < 5; depth++) {
    if (value === undefined || value === '') return { unsure: true };
    if (objectId.test(value)) return { oid: value };
    const m = /^ref: (refs\/.+)$/.exec(value);
    if (!m) return { unsure: true };
    const ref = m[1];
    value =
      (await readText(path.join(refsDir, ref))) ??
      (refsDir === gitDir ? undefined : await readText(path.join(gitDir, ref)));
    if (value === undefined) {
      const packed = (await readText(path.join(refsDir, 'packed-refs'))) ?? '';
      const line = packed
        .split('\n')
        .find(l => l.endsWith(` ${ref}`) && !l.startsWith('#'));
      return line ? { oid: line.split(' ')[0] } : {}; // unborn branch
    }
  }
  return { unsure: true };
}

/**
 * The commit HEAD of the working tree `dir` points at, read from the files
 * of its git directory (HEAD, the loose ref, packed-refs) without running
 * git: two small file reads, cheap enough to be done on every page view.
 * Undefined when there is no repository or no commit yet. A ref file caught
 * half-written (writers other than git do not always rename into place) is
 * read again, then asked of `git rev-parse`.
 */
export async function resolveHead(dir: string): Promise<string | undefined> {
  const root = path.resolve(dir);
  let layout = layouts.get(root);
  for (let attempt = 0; attempt < 4; attempt++) {
    if (!layout) layout = await layoutOf(root);
    if (!layout) return undefined; // no repository
    const read = await readHeadFiles(layout);
    if (!read.unsure) return read.oid;
    if (attempt === 0) {
      // the repository may have moved or gone: look for it again
      layouts.delete(root);
      layout = undefined;
      continue;
    }
    await new Promise(r => setTimeout(r, 5));
  }
  const { stdout, code } = await runGit(
    root,
    ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'],
    { okCodes: [1, 128] },
  );
  return code === 0 ? stdout.toString('utf8').trim() : undefined;
}
