/*
 * Hostile input: a table of bad inputs across every action the scaffolder
 * module registers. Each row is refused by the action's own handler (not
 * only by the scaffolder's schema check in front of it) with an InputError
 * whose message names the field and the rule, and before anything is
 * written: in gitops delivery the orders repository keeps its HEAD and its
 * working tree, in kubernetes delivery the API test double sees no write and
 * keeps every object, and the Pulumi CLI test double is never run.
 * Then free text that tries YAML/JSON injection is shown to stay inert, and
 * each template's form (its parameters' JSON schema, checked with ajv like
 * the scaffolder's form) refuses the bad names before any step runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'yaml';
import Ajv from 'ajv';
import { InputError } from '@backstage/errors';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { createFakePulumiCli } from '../testing/createFakePulumiCli';
import { createRecordingLogger } from '../testing/createRecordingLogger';
import {
  clusterConfig,
  clusterSnapshot,
  headOf,
  ownerA,
  ownerB,
  sampleParameters,
  startFakeCluster,
  tempDir,
} from './__testUtils__/orderHarness';
import { startModuleActions } from '../__testUtils__/startModuleActions';
import {
  loadTemplates,
  parameterProperties,
} from './__testUtils__/templateRunner';

const MB = 'x'.repeat(1024 * 1024);
const vcluster = { name: 'alpha', owner: ownerA, size: 'small' };
const register = { name: 'alpha', owner: ownerA };
const stack = {
  name: 'db',
  namespace: 'team-payments',
  owner: ownerA,
  stack: 'acme/db-program/db',
  programRef: 'db-program',
};
const gitStack = {
  ...stack,
  programRef: undefined,
  projectRepo: 'https://github.com/acme/infra.git',
  branch: 'main',
};
const secret = {
  order: 'db',
  owner: ownerA,
  name: 'db-credentials',
  namespace: 'team-payments',
  data: [{ secretKey: 'password', remoteKey: 'databases/db', property: 'pw' }],
};
const decommission = {
  entityRef: 'resource:default/dev-existing',
  owner: ownerA,
  confirm: 'existing',
};
const extend = {
  order: 'resource:default/dev-existing',
  owner: ownerA,
  days: 3,
};
const pulumiNew = {
  name: 'payments',
  organization: 'acme',
  stack: 'dev',
  template: 'typescript',
  folder: 'project',
};
const pulumiUp = { name: 'payments', organization: 'acme', stack: 'dev' };

type Row = [
  description: string,
  action: string,
  input: Record<string, unknown>,
  message: RegExp,
];

const rows: Row[] = [
  // names
  [
    'uppercase name',
    'kebap:vcluster:create',
    { ...vcluster, name: 'Alpha' },
    /name: 'Alpha' must be lowercase.*\(dns-1123-label\)/,
  ],
  [
    'name starting with a digit',
    'kebap:vcluster:create',
    { ...vcluster, name: '1alpha' },
    /name: .*start with a letter.*\(dns-1123-label\)/,
  ],
  [
    'name ending with a dash',
    'kebap:vcluster:create',
    { ...vcluster, name: 'alpha-' },
    /name: .*\(dns-1123-label\)/,
  ],
  [
    'name with a dot',
    'kebap:vcluster:create',
    { ...vcluster, name: 'al.pha' },
    /name: .*\(dns-1123-label\)/,
  ],
  [
    'empty name',
    'kebap:vcluster:create',
    { ...vcluster, name: '' },
    /name: is required.*\(required\)/,
  ],
  [
    'vcluster name 41 long (vc- prefix, -headless suffix)',
    'kebap:vcluster:create',
    { ...vcluster, name: `a${'b'.repeat(40)}` },
    /name: is 41 characters long; at most 40 .*\(max-length\)/,
  ],
  [
    'stack name 43 long (CRD limit 42)',
    'kebap:pulumi:stack',
    { ...stack, name: 'a'.repeat(43) },
    /name: is 43 characters long; at most 42 .*\(max-length\)/,
  ],
  [
    'secret order name 64 long',
    'kebap:external-secret',
    { ...secret, order: 'a'.repeat(64) },
    /order: is 64 characters long.*\(max-length\)/,
  ],
  [
    'reserved name default',
    'kebap:vcluster:create',
    { ...vcluster, name: 'default' },
    /name: 'default' is reserved.*\(reserved\)/,
  ],
  [
    'reserved name kube-system for a stack',
    'kebap:pulumi:stack',
    { ...stack, name: 'kube-system' },
    /name: 'kube-system' is reserved.*\(reserved\)/,
  ],
  [
    'reserved namespace argocd for a secret',
    'kebap:external-secret',
    { ...secret, namespace: 'argocd' },
    /namespace: 'argocd' is reserved.*\(reserved\)/,
  ],
  [
    'Cyrillic а look-alike',
    'kebap:vcluster:create',
    { ...vcluster, name: '\u0430lpha' },
    /name: .*non-ASCII.*\(ascii\)/,
  ],
  [
    'Cyrillic о in a registration',
    'kebap:argocd:cluster',
    { ...register, name: 'bet\u043e' },
    /name: .*non-ASCII.*\(ascii\)/,
  ],
  [
    'full-width letters',
    'kebap:vcluster:create',
    { ...vcluster, name: '\uff41\uff4c\uff50\uff48\uff41' },
    /name: .*non-ASCII.*\(ascii\)/,
  ],
  [
    'zero-width joiner',
    'kebap:vcluster:create',
    { ...vcluster, name: 'al\u200dpha' },
    /name: .*non-ASCII.*\(ascii\)/,
  ],
  [
    'zero-width space in a stack namespace',
    'kebap:pulumi:stack',
    { ...stack, namespace: 'team\u200b-payments' },
    /namespace: .*non-ASCII.*\(ascii\)/,
  ],
  [
    'name that is a path',
    'kebap:argocd:cluster',
    { ...register, name: '../alpha' },
    /name: .*\(dns-1123-label\)/,
  ],
  // wrong types
  [
    'number for a name',
    'kebap:vcluster:create',
    { ...vcluster, name: 42 },
    /name: is required and must be text \(required\)/,
  ],
  [
    'object for an owner',
    'kebap:vcluster:create',
    { ...vcluster, owner: { kind: 'group', name: 'x' } },
    /owner: must be an entity ref as text.*not a object \(entity-ref\)/,
  ],
  [
    'array for an owner',
    'kebap:pulumi:stack',
    { ...stack, owner: [ownerA] },
    /owner: .*\(entity-ref\)/,
  ],
  [
    'text for a lifetime',
    'kebap:vcluster:create',
    { ...vcluster, lifetimeDays: '7' },
    /lifetimeDays: must be a whole number.*\(range\)/,
  ],
  [
    'number for a purpose',
    'kebap:vcluster:create',
    { ...vcluster, purpose: 7 },
    /purpose: must be text \(type\)/,
  ],
  // owners
  [
    'owner that is a user',
    'kebap:vcluster:create',
    { ...vcluster, owner: 'user:default/guest' },
    /owner: must be a group, not a user \(group\)/,
  ],
  [
    'owner that is a component',
    'kebap:pulumi:stack',
    { ...stack, owner: 'component:default/portal' },
    /owner: must be a group.*\(group\)/,
  ],
  [
    'empty owner',
    'kebap:external-secret',
    { ...secret, owner: '' },
    /owner: .*\(entity-ref\)/,
  ],
  [
    'decommission by a user',
    'kebap:decommission',
    { ...decommission, owner: 'user:default/guest' },
    /owner: must be a group.*\(group\)/,
  ],
  // ranges and enums
  [
    'unknown size',
    'kebap:vcluster:create',
    { ...vcluster, size: 'huge' },
    /size: 'huge' is not one of .*\(enum\)/,
  ],
  [
    'size that is an object property',
    'kebap:vcluster:create',
    { ...vcluster, size: '__proto__' },
    /size: '__proto__' is not one of .*\(enum\)/,
  ],
  [
    'size constructor',
    'kebap:vcluster:create',
    { ...vcluster, size: 'constructor' },
    /size: 'constructor' is not one of .*\(enum\)/,
  ],
  [
    'lifetime 0 days',
    'kebap:vcluster:create',
    { ...vcluster, lifetimeDays: 0 },
    /lifetimeDays: .*\(range\)/,
  ],
  [
    'lifetime over the maximum',
    'kebap:vcluster:create',
    { ...vcluster, lifetimeDays: 31 },
    /lifetimeDays: .*from 1 to 30 \(range\)/,
  ],
  [
    'fractional lifetime',
    'kebap:vcluster:create',
    { ...vcluster, lifetimeDays: 1.5 },
    /lifetimeDays: .*\(range\)/,
  ],
  [
    'kubernetes version with a command',
    'kebap:vcluster:create',
    { ...vcluster, kubernetesVersion: '1.31; rm -rf /' },
    /kubernetesVersion: .*\(pattern\)/,
  ],
  [
    'resync every 10 s',
    'kebap:pulumi:stack',
    { ...stack, resyncFrequencySeconds: 10 },
    /resyncFrequencySeconds: .*\(range\)/,
  ],
  [
    'environment staging',
    'kebap:pulumi:stack',
    { ...stack, env: 'staging' },
    /env: 'staging' is not one of dev, prod \(enum\)/,
  ],
  [
    'order kind that is not a label value',
    'kebap:pulumi:stack',
    { ...stack, kind: 'Database!\n---' },
    /kind: [\s\S]*must be lowercase[\s\S]*\(order-kind\)/,
  ],
  // free text
  [
    '1 MB purpose',
    'kebap:vcluster:create',
    { ...vcluster, purpose: MB },
    /purpose: is 1048576 characters long; at most 500 \(max-length\)/,
  ],
  [
    'NUL in a purpose',
    'kebap:vcluster:create',
    { ...vcluster, purpose: 'a\u0000b' },
    /purpose: contains control characters \(printable\)/,
  ],
  [
    'escape sequence in a purpose',
    'kebap:vcluster:create',
    { ...vcluster, purpose: '\u001b[31mred' },
    /purpose: contains control characters \(printable\)/,
  ],
  [
    '1 MB name',
    'kebap:pulumi:stack',
    { ...stack, name: MB },
    /name: is 1048576 characters long.*\(max-length\)/,
  ],
  // paths
  [
    'repoDir with ..',
    'kebap:pulumi:stack',
    { ...gitStack, repoDir: '../../other-team' },
    /repoDir: .*without '\.\.' \(relative-path\)/,
  ],
  [
    'absolute repoDir',
    'kebap:pulumi:stack',
    { ...gitStack, repoDir: '/etc' },
    /repoDir: '\/etc' must be a relative path.*\(relative-path\)/,
  ],
  [
    'repoDir with a backslash',
    'kebap:pulumi:stack',
    { ...gitStack, repoDir: '..\\..\\x' },
    /repoDir: .*\(relative-path\)/,
  ],
  [
    'project repository on the backend disk',
    'kebap:pulumi:stack',
    { ...gitStack, projectRepo: 'file:///etc' },
    /projectRepo: .*\(git-url\)/,
  ],
  [
    'project repository with ..',
    'kebap:pulumi:stack',
    { ...gitStack, projectRepo: 'https://github.com/acme/../../etc' },
    /projectRepo: .*\(path-traversal\)/,
  ],
  [
    'stack identifier with ..',
    'kebap:pulumi:stack',
    { ...stack, stack: 'acme/../x' },
    /stack: .*\(stack-identifier\)/,
  ],
  [
    'program file outside the workspace',
    'kebap:pulumi:stack',
    { ...stack, programRef: undefined, programPath: '../../etc/passwd' },
    /programPath: .*without '\.\.' \(workspace-path\)/,
  ],
  [
    'absolute program file',
    'kebap:pulumi:stack',
    { ...stack, programRef: undefined, programPath: '/etc/passwd' },
    /programPath: .*\(workspace-path\)/,
  ],
  [
    'program reference that is a path',
    'kebap:pulumi:stack',
    { ...stack, programRef: '../program' },
    /programRef: .*\(dns-1123-subdomain\)/,
  ],
  [
    'env secret that is a value',
    'kebap:pulumi:stack',
    { ...stack, envSecrets: { TOKEN: 'hunter2' } },
    /envSecrets\.TOKEN: must name a Secret and a key, never a value \(secret-ref\)/,
  ],
  [
    'secret namespace that is a path',
    'kebap:external-secret',
    { ...secret, namespace: '../kube-system' },
    /namespace: .*\(dns-1123-label\)/,
  ],
  [
    'remote key with ..',
    'kebap:external-secret',
    { ...secret, data: [{ secretKey: 'pw', remoteKey: '../other-team/db' }] },
    /data\[0\]\.remoteKey: .*\(remote-key\)/,
  ],
  [
    'remote key with a newline',
    'kebap:external-secret',
    { ...secret, dataFrom: ['a\nb'] },
    /dataFrom\[0\]: [\s\S]*\(remote-key\)/,
  ],
  [
    'store name that is not a name',
    'kebap:external-secret',
    { ...secret, storeName: 'Other Store' },
    /storeName: .*\(dns-1123-subdomain\)/,
  ],
  [
    'secret key with a slash',
    'kebap:external-secret',
    { ...secret, data: [{ secretKey: 'a/b', remoteKey: 'k' }] },
    /data\[0\]\.secretKey: .*\(secret-key\)/,
  ],
  [
    'pulumi:new folder outside the workspace',
    'pulumi:new',
    { ...pulumiNew, folder: '../outside' },
    /folder: '\.\.\/outside' must be a path inside the task workspace/,
  ],
  [
    'pulumi:new absolute folder',
    'pulumi:new',
    { ...pulumiNew, folder: '/etc' },
    /folder: '\/etc' must be a path inside the task workspace/,
  ],
  [
    'pulumi:new args that move the project out of the workspace',
    'pulumi:new',
    { ...pulumiNew, args: ['--dir', '/etc'] },
    /args: '--dir' would move the project out of 'folder'.*\(workspace-path\)/,
  ],
  [
    'pulumi:new args with --cwd=',
    'pulumi:new',
    { ...pulumiNew, args: ['--cwd=/'] },
    /args: '--cwd=\/' would move the project.*\(workspace-path\)/,
  ],
  [
    'pulumi:new secret config key with a space',
    'pulumi:new',
    { ...pulumiNew, secretConfig: { 'db password': 'x' } },
    /secretConfig\.db password: a Pulumi config key may only contain/,
  ],
  [
    'pulumi:up project path outside the workspace',
    'pulumi:up',
    { ...pulumiUp, repoProjectPath: '../../' },
    /repoProjectPath: .*must be a path inside the task workspace/,
  ],
  [
    'pulumi:up absolute project path',
    'pulumi:up',
    { ...pulumiUp, repoProjectPath: '/etc' },
    /repoProjectPath: '\/etc' must be a path inside the task workspace/,
  ],
  [
    'pulumi:up with Pulumi Deployments',
    'pulumi:up',
    { ...pulumiUp, deployment: true },
    /deployment: Pulumi Deployments .* not supported/,
  ],
  // extension of a dev cluster
  [
    'extend a prod order',
    'kebap:extend',
    { ...extend, order: 'resource:default/prod-existing' },
    /order: .*\(dev-cluster-entity\)/,
  ],
  [
    'extend beyond the maximum lifetime',
    'kebap:extend',
    { ...extend, days: 31 },
    /days: 31 is not a whole number of days from 1 to 30.*\(max-lifetime\)/,
  ],
  [
    'extend by a user',
    'kebap:extend',
    { ...extend, owner: 'user:default/guest' },
    /owner: must be a group.*\(group\)/,
  ],
  // waiting (reads only)
  [
    'wait for a kind it does not know',
    'kebap:wait',
    { kind: 'Secret', name: 'vc-alpha', namespace: 'vc-alpha' },
    /kind: 'Secret' is not one of Stack, Application \(enum\)/,
  ],
  [
    'wait for an object property kind',
    'kebap:wait',
    { kind: '__proto__', name: 'db', namespace: 'team-payments' },
    /kind: '__proto__' is not one of .*\(enum\)/,
  ],
  [
    'wait in a namespace that is a path',
    'kebap:wait',
    { kind: 'Stack', name: 'db', namespace: '../kube-system' },
    /namespace: .*\(dns-1123-label\)/,
  ],
  [
    'wait for a name that is a path',
    'kebap:wait',
    { kind: 'Stack', name: '../db', namespace: 'team-payments' },
    /name: .*\(dns-1123-subdomain\)/,
  ],
  [
    'wait forever',
    'kebap:wait',
    {
      kind: 'Stack',
      name: 'db',
      namespace: 'team-payments',
      timeoutSeconds: 86400,
    },
    /timeoutSeconds: must be from 1 to 3600 \(range\)/,
  ],
  // decommission
  [
    'decommission of a component',
    'kebap:decommission',
    { ...decommission, entityRef: 'component:default/dev-existing' },
    /entityRef: .*\(entity-ref\)/,
  ],
  [
    'decommission with a wrong confirmation',
    'kebap:decommission',
    { ...decommission, confirm: 'existing ' },
    /confirm: type the order name 'existing' to confirm \(confirmation\)/,
  ],
  [
    'decommission of a path',
    'kebap:decommission',
    { ...decommission, entityRef: 'resource:default/dev-..', confirm: '..' },
    /entityRef: .*\(dns-1123-label\)/,
  ],
];

describe('hostile input is refused before anything is written', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let api: FakeKubernetesApi;
  let fake: Awaited<ReturnType<typeof createFakePulumiCli>>;
  const modes: Record<
    string,
    {
      actions: Map<string, TemplateAction<any, any, any>>;
      stop: () => Promise<void>;
    }
  > = {};
  let repoPath: string;

  async function run(
    actions: Map<string, TemplateAction<any, any, any>>,
    id: string,
    input: Record<string, unknown>,
  ) {
    const ctx = createMockActionContext({
      input: input as any,
      workspacePath: path.join(work.dir, 'workspace'),
      logger: createRecordingLogger(),
    });
    Object.assign(ctx, { task: { id: 'task-hostile' } });
    await actions.get(id)!.handler(ctx as any);
    return ctx;
  }

  beforeAll(async () => {
    work = await tempDir('hostile-');
    await fs.promises.mkdir(path.join(work.dir, 'workspace'));
    repoPath = path.join(work.dir, 'gitops');
    api = await startFakeCluster();
    fake = await createFakePulumiCli();
    const cliPath = await fake.cli.locate();
    for (const mode of ['gitops', 'kubernetes']) {
      modes[mode] = await startModuleActions({
        ...clusterConfig(api),
        kebap: {
          pulumi: { cliPath },
          delivery: { mode, gitops: { repoPath } },
          kubernetes: { clusterName: 'control-plane' },
        },
      });
      // an order that exists already, so that there is something to keep
      await run(modes[mode].actions, 'kebap:vcluster:create', {
        name: 'existing',
        owner: ownerA,
        size: 'small',
      });
    }
  }, 120_000);

  afterAll(async () => {
    for (const m of Object.values(modes)) await m.stop();
    await api?.stop();
    await fake?.cleanup();
    await work?.remove();
  });

  it('the table covers every action the module registers and has at least 40 rows', () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
    const covered = new Set(rows.map(r => r[1]));
    expect(
      [...modes.gitops.actions.keys()].filter(id => !covered.has(id)),
    ).toEqual([]);
  });

  describe.each(['gitops', 'kubernetes'])('%s delivery', mode => {
    it.each(rows)('%s (%s)', async (_d, action, input, message) => {
      const actions = modes[mode].actions;
      const head = await headOf(repoPath);
      const tree = listFiles(repoPath);
      const objects = clusterSnapshot(api);
      api.reset();
      const pulumiCalls = (await fake.calls()).length;

      const error = await run(actions, action, input).then(
        () => undefined,
        e => e,
      );
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toMatch(message);

      expect(await headOf(repoPath)).toBe(head);
      expect(listFiles(repoPath)).toEqual(tree);
      expect(clusterSnapshot(api)).toEqual(objects);
      expect(api.calls.filter(c => c.method !== 'GET')).toEqual([]);
      expect((await fake.calls()).length).toBe(pulumiCalls);
    });
  });

  describe.each(['gitops', 'kubernetes'])(
    'injection in free text stays inert (%s delivery)',
    mode => {
      it.each([
        [
          'a YAML document break',
          'ok\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen',
        ],
        ['a JSON break-out', '"}, "kind": "Secret", "x": {"a": "'],
        ['a YAML flow break-out', "'] }\nkind: Secret\n# "],
      ])(
        '%s in a purpose is kept as one annotation value',
        async (_d, text) => {
          const name = `inert-${mode.slice(0, 3)}-${Math.floor(
            Math.random() * 1e6,
          )}`;
          const ctx = await run(modes[mode].actions, 'kebap:vcluster:create', {
            name,
            owner: ownerB,
            size: 'small',
            purpose: text,
          });
          const manifests = (ctx.output as jest.Mock).mock.calls.find(
            ([k]) => k === 'manifests',
          )![1] as string;
          const docs = yaml.parseAllDocuments(manifests).map(d => d.toJSON());
          expect(docs.map(d => d.kind)).toEqual(['Application']);
          for (const d of docs) {
            expect(d.metadata.annotations['kebap.io/purpose']).toBe(text);
          }
          // what was delivered: every document of every committed file, or
          // every object of the order in the cluster
          const delivered =
            mode === 'gitops'
              ? fs
                  .readdirSync(
                    path.join(repoPath, 'orders/dev', name, 'vcluster'),
                  )
                  .flatMap(file =>
                    yaml
                      .parseAllDocuments(
                        fs.readFileSync(
                          path.join(
                            repoPath,
                            'orders/dev',
                            name,
                            'vcluster',
                            file,
                          ),
                          'utf8',
                        ),
                      )
                      .map(d => d.toJSON()),
                  )
              : api
                  .objects()
                  .filter(o => o.metadata.labels?.['kebap.io/order'] === name);
          expect(delivered.map(d => d.kind).sort()).toEqual(['Application']);
          expect(
            delivered.map(d => d.metadata.annotations['kebap.io/purpose']),
          ).toEqual([text]);
          expect(
            api.objects().filter(o => o.metadata.name === 'stolen'),
          ).toEqual([]);
        },
      );
    },
  );
});

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name === '.git') continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

const badNames: Array<[string, string]> = [
  ['uppercase', 'Alpha'],
  ['leading digit', '1alpha'],
  ['trailing dash', 'alpha-'],
  ['too long', `a${'b'.repeat(63)}`],
  ['Cyrillic а', '\u0430lpha'],
  ['full-width', '\uff41\uff4c\uff50\uff48\uff41'],
  ['zero-width joiner', 'al\u200dpha'],
  ['path', '../alpha'],
  ['YAML break', 'a\n---\nkind: Secret'],
  ['empty', ''],
];

describe("each template's form refuses bad names before a step runs", () => {
  const templates = loadTemplates();
  const cases = templates.flatMap(t =>
    Object.entries(parameterProperties(t))
      .filter(([key]) => ['name', 'confirm'].includes(key))
      .flatMap(([key]) => badNames.map(([d, v]) => [t.folder, key, d, v])),
  );

  it('every ordering template has a name field the form checks', () => {
    const ordering = templates.filter(t =>
      t.steps.some(s =>
        /^kebap:(vcluster|pulumi|argocd)|^pulumi:/.test(s.action),
      ),
    );
    for (const t of ordering) {
      expect({ t: t.folder, name: !!parameterProperties(t).name }).toEqual({
        t: t.folder,
        name: true,
      });
    }
  });

  it.each(cases)('%s: %s refuses %s', (folder, key, _d, value) => {
    const template = templates.find(t => t.folder === folder)!;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const page = template.parameters.find(p => p.properties?.[key])!;
    const good = sampleParameters(template, {
      name: 'alpha',
      owner: ownerA,
      order: 'resource:default/dev-alpha',
      confirm: 'alpha',
    });
    const validate = ajv.compile({ type: 'object', ...page });
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, [key]: value })).toBe(false);
    expect(validate.errors?.map(e => e.instancePath)).toContain(`/${key}`);
  });
});
