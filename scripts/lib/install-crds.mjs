// Installs the vendored CRDs (upstream/crds) into the cluster of a kubeconfig
// by server-side apply (field manager kebap-test-harness), then waits until
// every one is Established. Strips `selectableFields` (Kubernetes 1.30+) when
// the server is older: the API server refuses the CRD otherwise.
// Usage: node scripts/lib/install-crds.mjs KUBECONFIG
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';

const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../..',
);
const kc = new KubeConfig();
kc.loadFromFile(process.argv[2]);
const server = new URL(kc.getCurrentCluster().server);

async function call(method, p, body, contentType) {
  const options = {
    method,
    hostname: server.hostname,
    port: server.port,
    path: p,
    headers: {
      Accept: 'application/json',
      ...(body
        ? {
            'Content-Type': contentType,
            'Content-Length': Buffer.byteLength(body),
          }
        : {}),
    },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = https.request(options, res => {
      const chunks = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

const version = JSON.parse((await call('GET', '/version')).body);
const minor = Number(String(version.minor).replace(/\D.*$/, ''));
const dir = path.join(root, 'upstream', 'crds');
const names = [];
for (const file of fs
  .readdirSync(dir)
  .filter(f => f.endsWith('.yaml'))
  .sort()) {
  for (const doc of yaml.parseAllDocuments(
    fs.readFileSync(path.join(dir, file), 'utf8'),
  )) {
    const crd = doc.toJS();
    if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
    if (minor < 30)
      for (const v of crd.spec.versions) delete v.selectableFields;
    const answer = await call(
      'PATCH',
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=kebap-test-harness&force=true`,
      JSON.stringify(crd),
      'application/apply-patch+yaml',
    );
    if (answer.status >= 300) {
      console.error(
        `${file}: HTTP ${answer.status}: ${answer.body.slice(0, 500)}`,
      );
      process.exit(1);
    }
    names.push(crd.metadata.name);
  }
}
const deadline = Date.now() + 60_000;
for (const name of names) {
  for (;;) {
    const got = JSON.parse(
      (
        await call(
          'GET',
          `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        )
      ).body,
    );
    if (
      (got.status?.conditions ?? []).some(
        c => c.type === 'Established' && c.status === 'True',
      )
    )
      break;
    if (Date.now() > deadline) {
      console.error(`${name} not Established after 60 s`);
      process.exit(1);
    }
    await new Promise(r => setTimeout(r, 200));
  }
}
console.log(
  `installed ${names.length} CRDs on Kubernetes ${version.gitVersion}`,
);
