import fs from 'node:fs';
import path from 'node:path';
import { describeRealKubernetes } from '@internal/plugin-kebap-node/testing';
import { gitopsDir } from '../paths';
import { AnyKindApplier, ApplyRefused } from '../realApi/applyAny';
import { loadManifests } from './loadManifests';

/**
 * Files of gitops/ that are not Kubernetes manifests, and why. Every other
 * file must be YAML whose every document is an object with apiVersion and
 * kind: nothing is skipped silently.
 */
const notManifests: Record<string, string> = {
  'README.md':
    'documentation (Markdown), read by people, synced by no Application',
};

const root = gitopsDir();
const manifests = loadManifests(root);

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap(e =>
      e.isDirectory()
        ? filesUnder(path.join(dir, e.name))
        : [path.relative(root, path.join(dir, e.name))],
    )
    .sort();
}

describeRealKubernetes(
  'gitops/ on the real API server (server-side apply, dryRun=All)',
  kube => {
    it('holds manifests only, but the files listed as excluded with a reason', () => {
      const files = filesUnder(root);
      const yamlFiles = files.filter(f => /\.ya?ml$/.test(f));
      expect(files.filter(f => !yamlFiles.includes(f))).toEqual(
        Object.keys(notManifests).sort(),
      );
      // every YAML file contributes objects, and every document is one
      expect([...new Set(manifests.map(m => m.file))].sort()).toEqual(
        yamlFiles,
      );
      for (const { file, obj } of manifests)
        expect({ file, apiVersion: obj.apiVersion, kind: obj.kind }).toEqual({
          file,
          apiVersion: expect.any(String),
          kind: expect.any(String),
        });
    });

    it('has every manifest accepted by the server', async () => {
      const applier = new AnyKindApplier(kube());
      // the namespaces the namespaced manifests live in must exist for a
      // namespaced dry-run; created for real (as the harness does, left for
      // the other test files, which may use them at the same time); every
      // other object, the Namespaces of gitops/ too, is only a dry-run
      const where = await Promise.all(
        manifests.map(async m => ({
          ...m,
          resource: await applier.resourceOf(m.obj.apiVersion, m.obj.kind),
        })),
      );
      const namespaces = [
        ...new Set(
          where
            .filter(m => m.resource.namespaced)
            .map(m => m.obj.metadata.namespace as string),
        ),
      ].sort();
      expect(namespaces).toEqual(
        expect.arrayContaining(['argocd', 'kebap-stacks']),
      );
      await kube().ensureNamespaces(...namespaces);

      const refusals: string[] = [];
      const accepted: string[] = [];
      for (const { file, obj } of manifests) {
        const what = `${file}: ${obj.kind} ${obj.metadata.name}`;
        try {
          const answer = await applier.apply(obj, { dryRun: true });
          // the server answers the object it would have stored
          expect({
            kind: answer.kind,
            name: answer.metadata?.name,
          }).toEqual({ kind: obj.kind, name: obj.metadata.name });
          accepted.push(what);
        } catch (e) {
          if (!(e instanceof ApplyRefused)) throw e;
          refusals.push(
            `${what}: ${e.message}${
              e.causes.length ? ` [${e.causes.join('; ')}]` : ''
            }`,
          );
        }
      }
      expect(refusals).toEqual([]);
      expect(accepted).toHaveLength(manifests.length);
      // the kinds the portal's own client does not know were sent too
      expect(new Set(manifests.map(m => m.obj.kind))).toEqual(
        new Set([
          'Application',
          'ApplicationSet',
          'AppProject',
          'ClusterPolicy',
          'ClusterRole',
          'ClusterRoleBinding',
          'ClusterSecretStore',
          'ExternalSecret',
          'Namespace',
          'Role',
          'RoleBinding',
          'ServiceAccount',
        ]),
      );
    });

    it('would see a refusal: broken copies of gitops/ manifests are refused', async () => {
      const applier = new AnyKindApplier(kube());
      const copy = (kind: string, name: string) =>
        structuredClone(
          manifests.find(
            m => m.obj.kind === kind && m.obj.metadata.name === name,
          )!.obj,
        );
      await kube().ensureNamespaces('argocd');
      // an unknown field (server-side apply is strict)
      const app = copy('Application', 'kebap-orders');
      app.spec.source.directory.recurce = true;
      // a value outside the CRD's enum
      const policy = copy('ClusterPolicy', 'kebap-disallow-latest');
      policy.spec.rules[0].validate.failureAction = 'Block';
      // a built-in kind's own validation
      const role = copy('ClusterRole', 'kebap-vcluster-reader');
      role.rules[0].verbs = [];
      for (const [obj, says] of [
        [app, /recurce/],
        [policy, /failureAction/],
        [role, /verbs/],
      ] as const)
        await expect(applier.apply(obj)).rejects.toMatchObject({
          name: 'ApplyRefused',
          message: expect.stringMatching(says),
        });
    });

    it('wrote nothing but the namespaces (dry-run)', async () => {
      const applier = new AnyKindApplier(kube());
      const client = kube().client();
      for (const { obj } of manifests) {
        if (obj.kind === 'Namespace') continue;
        // a manifest of gitops/ that exists was not written by this test:
        // none of its field managers is the test's
        const found: any = await client
          .request('GET', await applier.pathOf(obj))
          .catch(() => undefined);
        expect(
          (found?.metadata?.managedFields ?? []).map((f: any) => f.manager),
        ).not.toContain('kebap-test');
      }
    });
  },
);
