import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'yaml';
import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { readKebapSettings } from '../../KebapSettings';
import { GitopsDelivery } from '../../delivery/GitopsDelivery';
import { mayOverwriteOrder } from '../../delivery/createOrderDelivery';
import { createRecordingLogger } from '../../testing/createRecordingLogger';
import { createVClusterCreateAction } from './create';

describe('kebap:vcluster:create', () => {
  let dir: string;
  let delivery: GitopsDelivery;
  const settings = readKebapSettings(
    new ConfigReader({
      kebap: { argocd: { baseUrl: 'https://argocd.example.com/' } },
    }),
  );
  const now = () => new Date('2026-11-24T12:00:00Z');

  beforeEach(async () => {
    dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'vc-'));
    delivery = new GitopsDelivery({
      repoPath: path.join(dir, 'repo'),
      mayOverwrite: mayOverwriteOrder,
    });
  });
  afterEach(() => fs.promises.rm(dir, { recursive: true, force: true }));

  function run(
    input: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    const logger = createRecordingLogger();
    const ctx = createMockActionContext({ input: input as any, logger });
    Object.assign(ctx, {
      task: { id: 'task-42' },
      user: { ref: 'user:default/guest' },
      templateInfo: { entityRef: 'template:default/dev-cluster' },
      ...extra,
    });
    const action = createVClusterCreateAction({ delivery, settings, now });
    return { ctx, logger, done: action.handler(ctx as any) };
  }

  const input = {
    name: 'alpha',
    owner: 'group:default/team-payments',
    size: 'small',
    kubernetesVersion: '1.31',
    lifetimeDays: 3,
    purpose: 'testing',
  };

  it('commits the Argo CD Application of the order, which creates the namespace and the size’s quota and limits', async () => {
    const { ctx, done } = run(input);
    await done;
    const files = await git.listFiles({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    expect(files.filter(f => f.startsWith('orders/')).sort()).toEqual([
      'orders/dev/alpha/vcluster/application-argocd.vcluster-alpha.yaml',
    ]);
    const app = yaml.parse(
      fs.readFileSync(
        path.join(
          delivery.repoPath,
          'orders/dev/alpha/vcluster/application-argocd.vcluster-alpha.yaml',
        ),
        'utf8',
      ),
    );
    expect(app.metadata.labels['kebap.io/owner']).toBe('team-payments');
    expect(app.metadata.annotations['kebap.io/owner-ref']).toBe(
      'group:default/team-payments',
    );
    expect(app.metadata.annotations['kebap.io/task-id']).toBe('task-42');
    expect(app.metadata.finalizers).toContain(
      'resources-finalizer.argocd.argoproj.io',
    );
    expect(app.spec.source.targetRevision).toBe(
      settings.vcluster.chart.version,
    );
    // Argo CD creates and owns vc-alpha; the chart writes quota and limits
    expect(app.spec.destination.namespace).toBe('vc-alpha');
    expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    expect(
      app.spec.syncPolicy.managedNamespaceMetadata.annotations[
        'argocd.argoproj.io/tracking-id'
      ],
    ).toBe('vcluster-alpha:/Namespace:/vc-alpha');
    expect(
      app.spec.source.helm.valuesObject.policies.resourceQuota.quota,
    ).toMatchObject(settings.vcluster.sizes[input.size].quota);
    expect(ctx.output).toHaveBeenCalledWith('namespace', 'vc-alpha');
    expect(ctx.output).toHaveBeenCalledWith(
      'expiresAt',
      '2026-11-27T12:00:00.000Z',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'entityRef',
      'resource:default/dev-alpha',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'argocdUrl',
      'https://argocd.example.com/applications/argocd/vcluster-alpha',
    );
    expect(ctx.output).toHaveBeenCalledWith(
      'folder',
      'orders/dev/alpha/vcluster',
    );
  });

  it('renders the manifests and writes nothing in a dry run', async () => {
    const { ctx, done } = run(input, { isDryRun: true });
    await done;
    expect(fs.existsSync(delivery.repoPath)).toBe(false);
    const manifests = (ctx.output as jest.Mock).mock.calls.find(
      c => c[0] === 'manifests',
    )[1];
    const docs = yaml.parseAllDocuments(manifests).map(d => d.toJS());
    expect(docs.map(d => d.kind)).toEqual(['Application']);
  });

  it('converges when the task is run again', async () => {
    await run(input).done;
    const head = await git.resolveRef({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    await run(input).done;
    expect(
      await git.resolveRef({ fs, dir: delivery.repoPath, ref: 'HEAD' }),
    ).toBe(head);
  });

  it('refuses to take over the order of another team and writes nothing', async () => {
    await run(input).done;
    const head = await git.resolveRef({
      fs,
      dir: delivery.repoPath,
      ref: 'HEAD',
    });
    await expect(
      run({ ...input, owner: 'group:default/team-search' }).done,
    ).rejects.toThrow(
      /Order dev\/alpha already exists and is not yours to change; nothing was written/,
    );
    expect(
      await git.resolveRef({ fs, dir: delivery.repoPath, ref: 'HEAD' }),
    ).toBe(head);
  });

  it.each([
    [{ name: 'Alpha' }, /name: .*\(/],
    [{ name: 'kube-system' }, /name: .*reserved/],
    [{ name: 'a'.repeat(60) }, /name: .*\(max-length\)|name: .*length/],
    [
      { size: 'huge' },
      /size: 'huge' is not one of small, medium, large \(enum\)/,
    ],
    [
      { lifetimeDays: 90 },
      /lifetimeDays: must be a whole number of days from 1 to 30 \(range\)/,
    ],
    [
      { kubernetesVersion: 'latest' },
      /kubernetesVersion: 'latest' is not a Kubernetes version/,
    ],
    [
      { owner: 'user:default/guest' },
      /owner: must be a group, not a user \(group\)/,
    ],
  ])('refuses %j before writing anything', async (bad, message) => {
    await expect(run({ ...input, ...bad }).done).rejects.toThrow(message);
    expect(fs.existsSync(delivery.repoPath)).toBe(false);
  });
});
