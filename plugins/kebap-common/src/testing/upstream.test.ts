import fs from 'node:fs';
import path from 'node:path';
import { CrdValidator } from './CrdValidator';

const dir = CrdValidator.upstreamDir();
const sources = fs
  .readFileSync(path.join(dir, 'sources.tsv'), 'utf8')
  .split('\n')
  .filter(line => line && !line.startsWith('#'))
  .map(line => {
    const [file, repo, repoPath, commit, release] = line.split('\t');
    return { file, repo, repoPath, commit, release };
  });

describe('the vendored upstream schemas', () => {
  it('lists every vendored file with its provenance, and only those', () => {
    const onDisk = ['crds', 'schemas'].flatMap(sub =>
      fs.readdirSync(path.join(dir, sub)).map(f => `${sub}/${f}`),
    );
    expect(sources.map(s => s.file).sort()).toEqual(onDisk.sort());
    for (const s of sources) {
      expect(s.repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(s.repoPath).toBeTruthy();
      expect(s.commit).toMatch(/^[0-9a-f]{12,40}$/);
      expect(s.release).toBeTruthy();
    }
  });

  it('loads without ../shared: the schemas are part of the repository', () => {
    const validator = CrdValidator.load();
    expect(
      validator.validate({
        apiVersion: 'pulumi.com/v1',
        kind: 'Stack',
        metadata: { name: 'x'.repeat(43) },
      }),
    ).toContain(
      '/metadata/name: Stack name must be no more than 42 characters in length.',
    );
  });

  // The shared folder is where the platform keeps its copy of the same
  // files: when it is beside the checkout, the vendored copies must equal it
  // (without it there is nothing to compare, and the test says so).
  it('equals ../shared byte for byte when that folder is there', () => {
    const shared = path.resolve(dir, '..', '..', 'shared');
    if (!fs.existsSync(path.join(shared, 'crds'))) {
      // eslint-disable-next-line no-console
      console.warn(`No ${shared}/crds beside the checkout: nothing to compare`);
      return;
    }
    const differing = sources
      .filter(s => fs.existsSync(path.join(shared, s.file)))
      .filter(
        s =>
          !fs
            .readFileSync(path.join(shared, s.file))
            .equals(fs.readFileSync(path.join(dir, s.file))),
      )
      .map(s => s.file);
    expect(differing).toEqual([]);
  });
});
