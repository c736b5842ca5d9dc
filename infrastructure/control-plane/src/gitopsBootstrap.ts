import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';

/** What the ignition program takes from gitops/, so the two never disagree. */
export interface GitopsBootstrap {
  /** gitops/apps/argocd.yaml: the chart Argo CD then manages itself with */
  argocd: {
    repoURL: string;
    chart: string;
    version: string;
    releaseName: string;
    namespace: string;
    values: Record<string, unknown>;
  };
  /** gitops/bootstrap/root.yaml: the app-of-apps */
  root: Record<string, any>;
}

/** The repository's root: the nearest folder up from `from` with backstage.json. */
export function findRepoRoot(from: string = process.cwd()): string {
  let dir = path.resolve(from);
  while (!fs.existsSync(path.join(dir, 'backstage.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(
        `no backstage.json above ${from}: run from the repository`,
      );
    dir = parent;
  }
  return dir;
}

/** Reads Argo CD's Application and the app-of-apps from gitops/. */
export function readGitopsBootstrap(
  gitopsDir: string = path.join(findRepoRoot(), 'gitops'),
): GitopsBootstrap {
  const read = (file: string) =>
    yaml.parse(fs.readFileSync(path.join(gitopsDir, file), 'utf8'));
  const app = read('apps/argocd.yaml');
  const source = app.spec.source;
  return {
    argocd: {
      repoURL: source.repoURL,
      chart: source.chart,
      version: source.targetRevision,
      releaseName: source.helm.releaseName,
      namespace: app.spec.destination.namespace,
      values: source.helm.valuesObject ?? {},
    },
    root: read('bootstrap/root.yaml'),
  };
}
