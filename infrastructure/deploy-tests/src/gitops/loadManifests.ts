import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';

/** One YAML document of a folder's manifests, with the file it came from. */
export interface Manifest {
  file: string;
  obj: any;
}

/** Every YAML document under a folder (recursively), in file order. */
export function loadManifests(dir: string, root = dir): Manifest[] {
  const out: Manifest[] = [];
  for (const entry of fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...loadManifests(full, root));
    else if (/\.ya?ml$/.test(entry.name)) {
      for (const doc of yaml.parseAllDocuments(fs.readFileSync(full, 'utf8'))) {
        if (doc.errors.length)
          throw new Error(
            `${full}: ${doc.errors.map(e => e.message).join('; ')}`,
          );
        const obj = doc.toJS();
        if (obj) out.push({ file: path.relative(root, full), obj });
      }
    }
  }
  return out;
}
