import fs from 'node:fs';
import path from 'node:path';

/** The repository's root: the nearest folder up from the working directory with backstage.json. */
export function repoRoot(): string {
  let dir = process.cwd();
  while (!fs.existsSync(path.join(dir, 'backstage.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('backstage.json not found');
    dir = parent;
  }
  return dir;
}

/** A chart of the repository's top-level `helm/` folder. */
export function chartDir(name: string): string {
  return path.join(repoRoot(), 'helm', name);
}

/** The repository's `gitops/` folder. */
export function gitopsDir(): string {
  return path.join(repoRoot(), 'gitops');
}
