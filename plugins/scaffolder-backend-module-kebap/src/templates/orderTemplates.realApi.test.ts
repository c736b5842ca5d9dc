/*
 * Every ordering template and variant, run through the module's actions in
 * kubernetes delivery against the real API server of the test stage
 * (kube-apiserver with the vendored CRDs: its own validation, CEL rules,
 * server-side apply and finalizers). The controllers (Argo CD, the Pulumi
 * Operator) do not run: where their effect matters, the test writes what
 * they would (a finalizer, its removal).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { KEBAP_LABELS } from '@internal/plugin-kebap-common';
import {
  KubernetesClient,
  listOrderObjects,
} from '@internal/plugin-kebap-node';
import { describeRealKubernetes } from '@internal/plugin-kebap-node/testing';
import { startModuleActions } from '../__testUtils__/startModuleActions';
import {
  exampleParameters,
  readTemplateFiles,
  runTemplateSteps,
  TemplateFile,
} from './__testUtils__/runTemplateSteps';

const templates = readTemplateFiles();
const owner = 'group:default/team-payments';
/** what orders write into besides the namespaces they create */
const PLATFORM_NAMESPACES = ['argocd', 'kebap-stacks', 'team-payments'];
/** Templates that do not go through the deliveries, and why. */
const NOT_DELIVERED: Record<string, string> = {
  'pulumi-project':
    'runs the Pulumi CLI (pulumi:new, pulumi:up) in the task workspace; writes nothing to the cluster',
  'prod-cluster-git':
    'its program comes from pulumi:new (the Pulumi CLI, absent here) and publish:github; its ExternalSecrets and Stack are the same builders as prod-cluster, run below',
  decommission: 'run below, on the orders of the other templates',
  'extend-dev-cluster': 'run below, on a dev-cluster order',
};

describeRealKubernetes(
  'every template in kubernetes delivery against the real API server',
  kube => {
    let actions: Map<string, TemplateAction<any, any, any>>;
    let stop: () => Promise<void>;
    let tmp: string;
    let admin: KubernetesClient;

    beforeAll(async () => {
      tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'order-real-'));
      await kube().ensureNamespaces(...PLATFORM_NAMESPACES);
      admin = kube().client();
      ({ actions, stop } = await startModuleActions({
        kebap: {
          delivery: {
            mode: 'kubernetes',
            kubernetes: { removalWaitSeconds: 1 },
          },
          kubernetes: { kubeconfigPath: kube().kubeconfigPath },
        },
      }));
    });
    afterAll(async () => {
      await stop?.();
      await fs.promises.rm(tmp, { recursive: true, force: true });
    });

    const template = (folder: string) =>
      templates.find(t => t.folder === folder)!;

    async function run(
      t: TemplateFile,
      parameters: Record<string, unknown>,
      options: {
        dryRun?: boolean;
        taskId?: string;
        checkpoints?: Map<string, unknown>;
      } = {},
    ) {
      return runTemplateSteps({
        template: t,
        actions,
        parameters,
        workspacePath: await fs.promises.mkdtemp(
          path.join(tmp, `ws-${t.folder}-`),
        ),
        dryRun: options.dryRun ?? false,
        taskId: options.taskId ?? kube().uniqueName('task'),
        checkpoints: options.checkpoints,
      });
    }

    const objectsOf = (name: string) =>
      listOrderObjects({
        client: admin,
        labelSelector: `${KEBAP_LABELS.order}=${name}`,
      });

    /** Polls until nothing of the order is left (the garbage collector's work). */
    async function gone(name: string, ms = 30_000) {
      const until = Date.now() + ms;
      let left = await objectsOf(name);
      while (left.length && Date.now() < until) {
        await new Promise(r => setTimeout(r, 250));
        left = await objectsOf(name);
      }
      return left;
    }

    /** Every variant of the ordering templates: one per branch of the form. */
    const variants = templates
      .filter(t => !NOT_DELIVERED[t.folder])
      .flatMap(t =>
        exampleParameters(t).map(p => ({
          t,
          label: `${t.folder}${p.cloud ? ` (${p.cloud})` : ''}`,
          parameters: p,
        })),
      );

    it('covers every template: each is run below or listed with the reason it is not', () => {
      expect(
        templates
          .map(t => t.folder)
          .filter(
            f => !NOT_DELIVERED[f] && !variants.some(v => v.t.folder === f),
          ),
      ).toEqual([]);
      expect(variants.map(v => v.label).sort()).toEqual([
        'database (aws)',
        'database (gcp)',
        'dev-cluster',
        'prod-cluster (aws)',
        'prod-cluster (gcp)',
      ]);
    });

    it.each(variants.map(v => [v.label, v] as const))(
      '%s: every object accepted by the API server; a retry of the same task changes no resourceVersion',
      async (_label, v) => {
        const name = kube().uniqueName('o');
        const parameters = {
          ...v.parameters,
          name,
          owner,
          namespace: 'team-payments',
        };
        const checkpoints = new Map<string, unknown>();
        const taskId = kube().uniqueName('task');
        const runs = await run(v.t, parameters, { taskId, checkpoints });
        const delivered = runs.flatMap(
          r => (r.output.refs as string[] | undefined) ?? [],
        );
        expect(delivered.length).toBeGreaterThan(0);
        const stored = await objectsOf(name);
        expect(
          stored
            .map(o =>
              [o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name]
                .filter(Boolean)
                .join('/'),
            )
            .sort(),
        ).toEqual([...new Set(delivered)].sort());
        for (const o of stored) {
          expect(
            (o.metadata as any).managedFields.map(
              (f: any) => `${f.manager}/${f.operation}`,
            ),
          ).toContain('kebap-portal/Apply');
        }
        const versions = new Map(
          stored.map(o => [
            o.metadata.name + o.kind,
            (o.metadata as any).resourceVersion,
          ]),
        );
        // the task runs again (a retry, or recovery after the backend died
        // before it recorded the delivery): same inputs, same checkpoints
        // but the deliveries'
        for (const key of [...checkpoints.keys()])
          if (key.startsWith('kebap.deliver.')) checkpoints.delete(key);
        await run(v.t, parameters, { taskId, checkpoints });
        const again = await objectsOf(name);
        expect(
          new Map(
            again.map(o => [
              o.metadata.name + o.kind,
              (o.metadata as any).resourceVersion,
            ]),
          ),
        ).toEqual(versions);
      },
    );

    it.each(variants.map(v => [v.label, v] as const))(
      '%s: a dry run is checked by the API server (dryRun=All) and stores nothing',
      async (_label, v) => {
        const name = kube().uniqueName('d');
        const runs = await run(
          v.t,
          { ...v.parameters, name, owner, namespace: 'team-payments' },
          { dryRun: true },
        );
        expect(runs.some(r => r.output.manifests)).toBe(true);
        expect(await objectsOf(name)).toEqual([]);
      },
    );

    it('a dry run reports what the API server refuses: a CEL rule of the Stack CRD', async () => {
      // the CRD's rule caps a Stack's name at 42 characters; the portal's
      // own validation is switched off here by writing the object directly
      const name = `x${'y'.repeat(42)}`;
      await expect(
        admin.apply(
          {
            apiVersion: 'pulumi.com/v1',
            kind: 'Stack',
            metadata: { name, namespace: 'kebap-stacks' },
            spec: { stack: 'kebap/x/x' },
          } as any,
          { fieldManager: 'kebap-portal', dryRun: true },
        ),
      ).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringMatching(
          /Stack name must be no more than 42 characters/,
        ),
      });
    });

    it('a database ordered into a namespace that does not exist is refused before anything is written', async () => {
      const name = kube().uniqueName('db');
      const missing = kube().uniqueName('nowhere');
      const t = template('database');
      await expect(
        run(t, { ...exampleParameters(t)[0], name, owner, namespace: missing }),
      ).rejects.toThrow(
        new RegExp(
          `namespace: ${missing} does not exist .*nothing was written`,
        ),
      );
      expect(await objectsOf(name)).toEqual([]);
    });

    /** Plays the Pulumi Operator: it puts its finalizer on a Stack it reconciles. */
    async function operatorHolds(
      namespace: string,
      name: string,
      finalizer: string,
    ) {
      await admin.request(
        'PATCH',
        `/apis/pulumi.com/v1/namespaces/${namespace}/stacks/${name}?fieldManager=pulumi-kubernetes-operator`,
        { metadata: { finalizers: [finalizer] } },
        'application/merge-patch+json',
      );
    }
    async function operatorDone(namespace: string, name: string) {
      await admin.request(
        'PATCH',
        `/apis/pulumi.com/v1/namespaces/${namespace}/stacks/${name}?fieldManager=pulumi-kubernetes-operator`,
        { metadata: { finalizers: null } },
        'application/merge-patch+json',
      );
    }

    it('decommissions a prod cluster in the order the Operator needs: the Stack first, its Program and credentials once it is gone', async () => {
      const name = kube().uniqueName('pc');
      const t = template('prod-cluster');
      await run(t, { ...exampleParameters(t)[0], name, owner });
      const stack = (await objectsOf(name)).find(o => o.kind === 'Stack')!;
      const ns = stack.metadata.namespace!;
      await operatorHolds(
        ns,
        stack.metadata.name,
        'finalizer.stack.pulumi.com',
      );
      const decommission = (confirm = name) =>
        run(template('decommission'), {
          order: `resource:default/prod-${name}`,
          owner,
          confirm,
        });

      const first = await decommission();
      const step = first.find(r => r.action === 'kebap:decommission')!;
      expect(step.output.state).toBe('deleting');
      const stackRef = `pulumi.com/v1/Stack/${ns}/${stack.metadata.name}`;
      expect(step.output.pending).toEqual(
        expect.arrayContaining([
          `${stackRef} (deleting: finalizer.stack.pulumi.com)`,
        ]),
      );
      // what the destroy needs is still there
      const left = await objectsOf(name);
      expect(left.map(o => o.kind).sort()).toEqual(
        expect.arrayContaining(['ExternalSecret', 'Program', 'Stack']),
      );
      expect(
        (left.find(o => o.kind === 'Stack')!.metadata as any).deletionTimestamp,
      ).toBeTruthy();

      // a second decommission says what is still pending, deletes nothing twice
      const second = (await decommission()).find(
        r => r.action === 'kebap:decommission',
      )!;
      expect(second.output.state).toBe('deleting');
      expect(second.output.pending).toEqual(step.output.pending);

      // the destroy is done: the Operator drops its finalizer, the Stack goes,
      // and the API server's garbage collector removes what it needed (the
      // decommission made them its dependents); nobody runs anything again
      expect(step.output.pending).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            new RegExp(
              `^pulumi.com/v1/Program/${ns}/.* \\(waiting; deleted by the cluster after ${stackRef}\\)$`,
            ),
          ),
        ]),
      );
      await operatorDone(ns, stack.metadata.name);
      expect(await gone(name)).toEqual([]);
      const third = (await decommission()).find(
        r => r.action === 'kebap:decommission',
      )!;
      expect(third.output.state).toBe('removed');
    });

    it('decommissions a dev cluster: the Argo CD Application first (its finalizer prunes the vCluster), the registration after', async () => {
      const name = kube().uniqueName('dc');
      const t = template('dev-cluster');
      await run(t, { ...exampleParameters(t)[0], name, owner });
      const app = (await objectsOf(name)).find(o => o.kind === 'Application')!;
      expect((app.metadata as any).finalizers).toContain(
        'resources-finalizer.argocd.argoproj.io',
      );
      const decommission = () =>
        run(template('decommission'), {
          order: `resource:default/dev-${name}`,
          owner,
          confirm: name,
        });
      const first = (await decommission()).find(
        r => r.action === 'kebap:decommission',
      )!;
      expect(first.output.state).toBe('deleting');
      expect(first.output.pending).toEqual(
        expect.arrayContaining([
          `argoproj.io/v1alpha1/Application/${app.metadata.namespace}/${app.metadata.name} (deleting: resources-finalizer.argocd.argoproj.io)`,
        ]),
      );
      // Argo CD has pruned the vCluster: it removes its finalizer
      await admin.request(
        'PATCH',
        `/apis/argoproj.io/v1alpha1/namespaces/${app.metadata.namespace}/applications/${app.metadata.name}?fieldManager=argocd-application-controller`,
        { metadata: { finalizers: null } },
        'application/merge-patch+json',
      );
      expect(await gone(name)).toEqual([]);
    });

    it('extends a dev cluster on the real server (its objects keep their owner; only the expiry moves)', async () => {
      const name = kube().uniqueName('ex');
      const t = template('dev-cluster');
      await run(t, {
        ...exampleParameters(t)[0],
        name,
        owner,
        lifetimeDays: 1,
      });
      const before = await objectsOf(name);
      const expiry = (objs: typeof before) =>
        objs
          .map(o => o.metadata.annotations?.['kebap.io/expires-at'])
          .find(Boolean);
      const ext = template('extend-dev-cluster');
      await run(ext, {
        ...exampleParameters(ext)[0],
        order: `resource:default/dev-${name}`,
        owner,
        days: 7,
      });
      const after = await objectsOf(name);
      expect(new Date(expiry(after)!).getTime()).toBeGreaterThan(
        new Date(expiry(before)!).getTime(),
      );
      expect(
        after.map(o => o.metadata.annotations?.['kebap.io/owner-ref']),
      ).toEqual(before.map(() => owner));
    });
  },
);
