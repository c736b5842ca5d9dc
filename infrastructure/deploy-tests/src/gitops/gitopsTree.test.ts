import fs from 'node:fs';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import {
  buildVClusterRegistration,
  KEBAP_LABELS,
  KEBAP_MANAGER,
  orderMetadata,
  VCLUSTER_READER_SERVICE_ACCOUNT,
} from '@internal/plugin-kebap-common';
import { describeWithSchemas } from '@internal/plugin-kebap-common/testing';
import { orderResources } from '@internal/plugin-kebap-node';
import { readKebapSettings } from '@internal/plugin-scaffolder-backend-module-kebap';
import { gitopsDir, repoRoot } from '../paths';
import { RbacEvaluator } from '../rbac/RbacEvaluator';
import { renderChart } from '../helm/renderChart';
import { loadManifests, Manifest } from './loadManifests';
import { runArgoCdHealthLua } from './runArgoCdLua';

const manifests = loadManifests(gitopsDir());
const settings = readKebapSettings(new ConfigReader({}));
// this repository, as the app-of-apps names it (a fork changes it everywhere)
const thisRepo: string = manifests.find(m => m.file === 'bootstrap/root.yaml')!
  .obj.spec.source.repoURL;

function one(kind: string, name: string): any {
  const found = manifests.filter(
    m => m.obj.kind === kind && m.obj.metadata?.name === name,
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${name}, got ${found.length}`);
  return found[0].obj;
}

const clusterScoped = new Set([
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterPolicy',
  'ClusterSecretStore',
  'Namespace',
]);

describe('gitops/', () => {
  it('holds only complete objects, each once', () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const { file, obj } of manifests) {
      if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(obj.apiVersion ?? ''))
        problems.push(`${file}: apiVersion ${obj.apiVersion}`);
      if (!/^[A-Z][A-Za-z]+$/.test(obj.kind ?? ''))
        problems.push(`${file}: kind ${obj.kind}`);
      if (!/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/.test(obj.metadata?.name ?? ''))
        problems.push(`${file}: metadata.name ${obj.metadata?.name}`);
      if (!clusterScoped.has(obj.kind) && !obj.metadata?.namespace)
        problems.push(`${file}: ${obj.kind} without a namespace`);
      const key = `${obj.kind}/${obj.metadata?.namespace ?? ''}/${
        obj.metadata?.name
      }`;
      // the root Application is in bootstrap/ (applied once) and apps/ (kept)
      if (seen.has(key) && obj.metadata.name !== 'kebap-root')
        problems.push(`${file}: ${key} twice`);
      seen.add(key);
    }
    expect(manifests.length).toBeGreaterThan(20);
    expect(problems).toEqual([]);
  });

  describe('the app-of-apps', () => {
    const root = manifests.filter(m => m.obj.metadata?.name === 'kebap-root');

    it('is applied once from bootstrap/ and then keeps itself from apps/', () => {
      expect(root.map(m => m.file).sort()).toEqual([
        'apps/root.yaml',
        'bootstrap/root.yaml',
      ]);
      expect(root[0].obj.spec).toEqual(root[1].obj.spec);
      expect(root[0].obj.spec.source).toMatchObject({
        repoURL: thisRepo,
        path: 'gitops/apps',
      });
      expect(root[0].obj.metadata.finalizers).toBeUndefined();
    });

    const apps = manifests.filter(m => m.file.startsWith('apps/'));
    it('contains only Applications and ApplicationSets in Argo CD’s namespace', () => {
      for (const { obj } of apps) {
        expect(['Application', 'ApplicationSet']).toContain(obj.kind);
        expect(obj.metadata.namespace).toBe(settings.argocd.namespace);
      }
      expect(
        apps
          .filter(m => m.obj.kind === 'Application')
          .map(m => m.obj.metadata.name)
          .sort(),
      ).toEqual([
        'argocd',
        'external-secrets',
        'kebap-orders',
        'kebap-portal',
        'kebap-root',
        'kyverno',
        'platform-policies',
        'platform-projects',
        'platform-secret-store',
        'platform-stacks',
        'platform-vcluster-reader',
        'pulumi-kubernetes-operator',
      ]);
    });

    it('pins every chart to an exact version', () => {
      const sources = apps.flatMap(m =>
        m.obj.kind === 'Application'
          ? [m.obj.spec.source]
          : [m.obj.spec.template.spec.source],
      );
      const charts = sources.filter(s => s.chart && !s.chart.includes('{{'));
      expect(charts.length).toBeGreaterThanOrEqual(5);
      for (const s of charts)
        expect({ chart: s.chart, version: s.targetRevision }).toEqual({
          chart: s.chart,
          version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
        });
      const lists = apps
        .filter(m => m.obj.kind === 'ApplicationSet')
        .flatMap(
          m =>
            JSON.stringify(m.obj.spec.generators).match(/"version":"[^"]*"/g) ??
            [],
        );
      for (const v of lists) expect(v).toMatch(/"version":"\d+\.\d+\.\d+"/);
    });

    it('points every path of this repository at a folder that exists, on one revision', () => {
      const fromThisRepo = apps
        .filter(m => m.obj.kind === 'Application')
        .map(m => m.obj.spec.source)
        .filter(s => s.repoURL === thisRepo);
      expect(fromThisRepo.length).toBeGreaterThanOrEqual(6);
      for (const s of fromThisRepo) {
        expect(fs.existsSync(path.join(repoRoot(), s.path))).toBe(true);
        expect(s.targetRevision).toBe(root[0].obj.spec.source.targetRevision);
      }
      const other = apps
        .filter(m => m.obj.kind === 'Application')
        .map(m => m.obj.spec.source)
        .filter(s => !s.chart && s.repoURL !== thisRepo);
      // the only other Git repository is the orders repository
      expect(other.map(s => s.repoURL)).toEqual([
        one('Application', 'kebap-orders').spec.source.repoURL,
      ]);
      expect(thisRepo).not.toBe(other[0].repoURL);
    });

    it('installs the operators before what uses their CRDs, and the portal before orders', () => {
      const wave = (name: string) =>
        Number(
          one('Application', name).metadata.annotations?.[
            'argocd.argoproj.io/sync-wave'
          ] ?? 0,
        );
      expect(wave('argocd')).toBeLessThan(wave('external-secrets'));
      for (const op of [
        'external-secrets',
        'kyverno',
        'pulumi-kubernetes-operator',
      ]) {
        expect(wave(op)).toBeLessThan(wave('platform-secret-store'));
        expect(wave(op)).toBeLessThan(wave('platform-policies'));
      }
      expect(wave('platform-secret-store')).toBeLessThan(wave('kebap-portal'));
      expect(wave('platform-policies')).toBeLessThan(wave('kebap-orders'));
      expect(wave('kebap-portal')).toBeLessThan(wave('kebap-orders'));
    });
  });

  describe('the portal Application', () => {
    const app = one('Application', 'kebap-portal');
    it('installs helm/kebap-portal of this repository with a pinned image', () => {
      expect(app.spec.source).toMatchObject({
        repoURL: thisRepo,
        path: 'helm/kebap-portal',
      });
      expect(app.spec.source.helm.valuesObject.image.tag).toMatch(
        /^\d+\.\d+\.\d+$/,
      );
      // no secrets, and no ${VAR} for Argo CD to substitute
      expect(JSON.stringify(app)).not.toMatch(/password|token|\$\{/i);
    });

    it('passes values the chart’s schema accepts, rendering the portal in its namespace', () => {
      const { objects } = renderChart(
        path.join(repoRoot(), app.spec.source.path),
        {
          values: app.spec.source.helm.valuesObject,
          releaseName: app.spec.source.helm.releaseName,
          namespace: app.spec.destination.namespace,
        },
      );
      const deployment = objects.find(o => o.kind === 'Deployment')!;
      expect(deployment.metadata.namespace).toBe('kebap');
      expect(deployment.spec.template.spec.containers[0].image).toBe(
        `${app.spec.source.helm.valuesObject.image.repository}:${app.spec.source.helm.valuesObject.image.tag}`,
      );
      expect(objects.map(o => o.kind)).toContain('Ingress');
      // the chart's own references to the credentials survive the merge
      const config = require('yaml').parse(
        objects.find(o => o.kind === 'ConfigMap')!.data[
          'app-config.kebap.yaml'
        ],
      );
      expect(config.integrations.github[0].token).toBe('${GITHUB_TOKEN}');
      // the scaffolder starts only with an existing, writable working directory
      expect(
        deployment.spec.template.spec.containers[0].volumeMounts
          .filter((m: any) => !m.readOnly)
          .map((m: any) => m.mountPath),
      ).toContain(config.backend.workingDirectory);
      expect(config.kebap.delivery.gitops.remote.url).toBe(
        one('Application', 'kebap-orders').spec.source.repoURL,
      );
    });

    it('pushes orders to the repository the orders Application syncs', () => {
      const remote =
        app.spec.source.helm.valuesObject.appConfig.kebap.delivery.gitops
          .remote;
      const orders = one('Application', 'kebap-orders');
      expect(orders.spec.source.repoURL).toBe(remote.url);
      expect(orders.spec.source.targetRevision).toBe(remote.branch);
      expect(orders.spec.source.path).toBe('orders');
      expect(orders.spec.source.directory.recurse).toBe(true);
    });

    it('prunes decommissioned orders in the background, so the Operator can destroy a Stack (ARGO-3, PKO-8)', () => {
      const orders = one('Application', 'kebap-orders');
      expect(orders.spec.syncPolicy.automated.prune).toBe(true);
      // Argo CD's default prune propagation is Foreground: the garbage
      // collector would delete the Stack's Workspace and destroy Update while
      // finalizer.stack.pulumi.com still holds the Stack
      expect(orders.spec.syncPolicy.syncOptions).toContain(
        'PrunePropagationPolicy=background',
      );
      expect(
        orders.spec.syncPolicy.syncOptions.filter((o: string) =>
          o.startsWith('PrunePropagationPolicy='),
        ),
      ).toEqual(['PrunePropagationPolicy=background']);
      // waves order the prune (ARGO-4): PruneLast would put every prune after the last wave
      expect(orders.spec.syncPolicy.syncOptions).not.toContain(
        'PruneLast=true',
      );
    });
  });

  it('lets orders contain exactly the kinds the portal writes, nothing cluster-scoped, never Secrets', () => {
    const project = one('AppProject', 'kebap-orders');
    // no clusterResourceWhitelist: Argo CD then admits no cluster-scoped kind
    expect(project.spec.clusterResourceWhitelist).toBeUndefined();
    const allowed = project.spec.namespaceResourceWhitelist.map(
      (k: any) => `${k.group}/${k.kind}`,
    );
    const written = orderResources.map(r => `${r.group}/${r.kind}`);
    expect(orderResources.every(r => r.namespaced)).toBe(true);
    expect(allowed.sort()).toEqual(written.sort());
    expect(allowed).not.toContain('/Secret');
    expect(project.spec.namespaceResourceBlacklist).toEqual([
      { group: '', kind: 'Secret' },
    ]);
    expect(project.spec.sourceRepos).toEqual([
      one('Application', 'kebap-orders').spec.source.repoURL,
    ]);
  });

  it('provides the namespace and service account the templates’ Stacks run as', () => {
    const templatesDir = path.join(repoRoot(), 'templates');
    const steps = fs
      .readdirSync(templatesDir)
      .filter(d => fs.existsSync(path.join(templatesDir, d, 'template.yaml')))
      .flatMap(d =>
        require('yaml')
          .parse(
            fs.readFileSync(
              path.join(templatesDir, d, 'template.yaml'),
              'utf8',
            ),
          )
          .spec.steps.filter((st: any) => st.action === 'kebap:pulumi:stack'),
      );
    const runners = new Set(
      steps
        .filter((st: any) => st.input.serviceAccountName)
        .map(
          (st: any) => `${st.input.namespace}/${st.input.serviceAccountName}`,
        ),
    );
    expect(runners.size).toBeGreaterThan(0);
    for (const runner of runners) {
      const [namespace, name] = runner.split('/');
      expect(one('Namespace', namespace)).toBeDefined();
      expect(one('ServiceAccount', name).metadata.namespace).toBe(namespace);
      const delegators = manifests.filter(
        m =>
          m.obj.kind === 'ClusterRoleBinding' &&
          m.obj.roleRef.name === 'system:auth-delegator' &&
          m.obj.subjects.some(
            (x: any) =>
              (x.kind === 'ServiceAccount' &&
                x.name === name &&
                x.namespace === namespace) ||
              // every service account of the namespace: the runner and
              // those Stack orders create there (orders bind nothing)
              (x.kind === 'Group' &&
                x.name === `system:serviceaccounts:${namespace}`),
          ),
      );
      expect(delegators).toHaveLength(1);
      // it writes Secrets in its namespace and in Argo CD's, nowhere else
      const rbac = new RbacEvaluator(manifests.map(m => m.obj) as any, {
        namespace,
        name,
      });
      for (const ns of [namespace, settings.argocd.namespace])
        expect(
          rbac.allows({
            verb: 'create',
            apiGroup: '',
            resource: 'secrets',
            namespace: ns,
          }),
        ).toBe(true);
      expect(
        rbac.allows({
          verb: 'get',
          apiGroup: '',
          resource: 'secrets',
          namespace: 'kube-system',
          name: 'x',
        }),
      ).toBe(false);
      // a database program lets the owner's reader get its one connection
      // Secret: a Role with resourceNames and its binding, which the API
      // server allows only to a subject holding that get (escalation check)
      const grant = [
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: ['payments-db-connection'],
          verbs: ['get'],
        },
      ];
      for (const resource of ['roles', 'rolebindings'])
        expect(
          rbac.allows({
            verb: 'create',
            apiGroup: 'rbac.authorization.k8s.io',
            resource,
            namespace,
          }),
        ).toBe(true);
      expect(rbac.holdsAll(grant, namespace)).toBe(true);
      expect(
        rbac.allows({
          verb: 'create',
          apiGroup: 'rbac.authorization.k8s.io',
          resource: 'roles',
          namespace: settings.argocd.namespace,
        }),
      ).toBe(false);
    }
  });

  it('lets the templates’ Stacks write what their programs put on the control plane', () => {
    const templatesDir = path.join(repoRoot(), 'templates');
    const problems: string[] = [];
    let checked = 0;
    for (const t of fs.readdirSync(templatesDir)) {
      const file = path.join(templatesDir, t, 'template.yaml');
      if (!fs.existsSync(file)) continue;
      const template = require('yaml').parse(fs.readFileSync(file, 'utf8'));
      for (const step of template.spec.steps) {
        const input = step.input ?? {};
        if (step.action !== 'kebap:pulumi:stack' || !input.programPath)
          continue;
        // programs/<engine>/… : every engine's folder
        const pattern = String(input.programPath).replace(
          /\$\{\{[^}]*\}\}/g,
          '*',
        );
        const [head, ...rest] = pattern.split('*');
        const candidates = rest.length
          ? fs
              .readdirSync(path.join(templatesDir, t, head))
              .map(d => `${head}${d}${rest.join('*')}`)
          : [pattern];
        const rbac = new RbacEvaluator(manifests.map(m => m.obj) as any, {
          namespace: input.namespace,
          name: input.serviceAccountName,
        });
        for (const programFile of candidates) {
          const full = path.join(templatesDir, t, programFile);
          if (!fs.existsSync(full)) continue;
          const program = require('yaml').parse(fs.readFileSync(full, 'utf8'));
          for (const [name, r] of Object.entries<any>(
            program.resources ?? {},
          )) {
            const m = /^kubernetes:([^/]+)\/([^:]+):(\w+)$/.exec(r.type);
            if (!m) continue;
            const apiGroup = m[1] === 'core' ? '' : m[1];
            const resource = `${m[3].toLowerCase()}s`;
            const ns = String(r.properties?.metadata?.namespace ?? '').replace(
              /^\$\{(\w+)\}$/,
              (_x: string, v: string) => input.config?.[v] ?? `<${v}>`,
            );
            checked++;
            // the provider applies server-side (get, patch, create) and deletes
            for (const verb of ['get', 'create', 'patch', 'delete'])
              if (
                !rbac.allows({ verb, apiGroup, resource, namespace: ns, name })
              )
                problems.push(
                  `${t}/${programFile} ${name}: ${verb} ${resource} in ${ns}`,
                );
            // a Role it creates: the API server's escalation check
            if (
              m[3] === 'Role' &&
              !rbac.holdsAll(
                (r.properties.rules as any[]).map(rule => ({
                  ...rule,
                  resourceNames: rule.resourceNames?.map(() => 'a-secret'),
                })),
                ns,
              )
            )
              problems.push(`${t}/${programFile} ${name}: escalation`);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  describe('ApplicationSets of baseline add-ons', () => {
    const sets = manifests.filter(m => m.obj.kind === 'ApplicationSet');
    const clusterGenerator = (obj: any): any => {
      const gens = obj.spec.generators.flatMap((g: any) =>
        g.matrix ? g.matrix.generators : [g],
      );
      return gens.find((g: any) => g.clusters)?.clusters;
    };
    it('select registered clusters by their env label, never the control plane', () => {
      expect(sets.length).toBeGreaterThanOrEqual(2);
      for (const { obj } of sets) {
        const clusters = clusterGenerator(obj);
        expect(clusters).toBeDefined();
        const selector = JSON.stringify(clusters.selector);
        expect(selector).toContain('"env"');
        expect(selector).not.toContain('control-plane');
        expect(obj.spec.goTemplate).toBe(true);
        expect(obj.spec.template.spec.destination.server).toBe('{{ .server }}');
      }
      const envs = sets.flatMap(({ obj }) => {
        const s = clusterGenerator(obj).selector;
        return s.matchLabels?.env
          ? [s.matchLabels.env]
          : s.matchExpressions.flatMap((e: any) => e.values);
      });
      expect(new Set(envs)).toEqual(new Set(['dev', 'prod']));
    });
  });

  describe('the secret store', () => {
    const store = one(
      'ClusterSecretStore',
      settings.externalSecrets.clusterSecretStore,
    );
    it('is the ClusterSecretStore the portal orders read from, backed by Pulumi ESC', () => {
      expect(store.apiVersion).toBe('external-secrets.io/v1');
      const esc = store.spec.provider.pulumi;
      expect(Object.keys(esc).sort()).toEqual([
        'auth',
        'environment',
        'organization',
        'project',
      ]);
      expect(esc.auth.accessToken.secretRef).toEqual({
        name: 'kebap-secret-store-token',
        namespace: 'external-secrets',
        key: 'accessToken',
      });
    });

    it('is read by key alone: every ExternalSecret of gitops/ on a Pulumi ESC store names one path, no property (ESO-2)', () => {
      expect(Object.keys(store.spec.provider)).toEqual([
        settings.externalSecrets.provider,
      ]);
      const pulumiStores = new Set(
        manifests
          .filter(
            m =>
              /SecretStore$/.test(m.obj.kind) && m.obj.spec?.provider?.pulumi,
          )
          .map(m => `${m.obj.kind}/${m.obj.metadata.name}`),
      );
      const refs = manifests
        .filter(m => m.obj.kind === 'ExternalSecret')
        .filter(m =>
          pulumiStores.has(
            `${m.obj.spec.secretStoreRef.kind ?? 'SecretStore'}/${
              m.obj.spec.secretStoreRef.name
            }`,
          ),
        )
        .flatMap(m =>
          (m.obj.spec.data ?? []).map((d: any) => ({
            file: m.file,
            remoteRef: d.remoteRef,
          })),
        );
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        expect(ref).toEqual({
          file: ref.file,
          remoteRef: { key: expect.stringMatching(/^[A-Za-z0-9_-]+[.[]/) },
        });
      }
    });

    it('is the store the portal chart reads its own credentials from', () => {
      const app = one('Application', 'kebap-portal');
      const values = app.spec.source.helm.valuesObject;
      const chartDefaults = require('yaml').parse(
        fs.readFileSync(
          path.join(repoRoot(), 'helm/kebap-portal/values.yaml'),
          'utf8',
        ),
      );
      const ref =
        values.credentials?.externalSecret?.secretStoreRef ??
        chartDefaults.credentials.externalSecret.secretStoreRef;
      expect(ref).toEqual({
        kind: 'ClusterSecretStore',
        name: store.metadata.name,
      });
    });
  });

  describe('the vCluster kubeconfig reader', () => {
    const registration = buildVClusterRegistration({
      name: 'alpha',
      argocdNamespace: settings.argocd.namespace,
      metadata: orderMetadata({
        orderName: 'alpha',
        owner: 'group:default/team-payments',
        entityRef: 'resource:default/dev-alpha',
        env: 'dev',
        kind: 'vcluster',
        template: 'template:default/dev-cluster',
        taskId: 't',
      }),
    });
    const [secretStore, externalSecret] = registration.objects as any[];
    const policy = one('ClusterPolicy', 'kebap-vcluster-reader');
    const generated = (namespace: string) => {
      const g = policy.spec.rules[0].generate;
      return {
        apiVersion: g.apiVersion,
        kind: g.kind,
        metadata: { name: g.name, namespace },
        ...g.data,
      };
    };
    const sa = one('ServiceAccount', VCLUSTER_READER_SERVICE_ACCOUNT);
    const reader = { namespace: sa.metadata.namespace, name: sa.metadata.name };

    it('is the service account the registration’s SecretStore authenticates as', () => {
      expect(sa.metadata.namespace).toBe(secretStore.metadata.namespace);
      expect(
        secretStore.spec.provider.kubernetes.auth.serviceAccount.name,
      ).toBe(sa.metadata.name);
    });

    it('reads the vCluster’s kubeconfig Secret, and no Secret outside vc-* namespaces', () => {
      const ns = secretStore.spec.provider.kubernetes.remoteNamespace;
      expect(ns).toBe('vc-alpha');
      const rbac = new RbacEvaluator(
        [...manifests.map(m => m.obj), generated('vc-alpha')] as any,
        reader,
      );
      for (const d of externalSecret.spec.data) {
        expect(
          rbac.allows({
            verb: 'get',
            apiGroup: '',
            resource: 'secrets',
            namespace: ns,
            name: d.remoteRef.key,
          }),
        ).toBe(true);
      }
      for (const [namespace, verb] of [
        ['argocd', 'get'],
        ['team-payments', 'get'],
        ['kube-system', 'get'],
        ['vc-alpha', 'list'],
        ['vc-alpha', 'patch'],
      ])
        expect(
          rbac.allows({
            verb,
            apiGroup: '',
            resource: 'secrets',
            namespace,
            name: verb === 'list' ? undefined : 'x',
          }),
        ).toBe(false);
    });

    it('is bound only in namespaces the portal created for dev clusters', () => {
      const match = policy.spec.rules[0].match.any[0].resources;
      expect(match.kinds).toEqual(['Namespace']);
      expect(match.names).toEqual(['vc-*']);
      expect(match.selector.matchLabels).toEqual({
        [KEBAP_LABELS.managedBy]: KEBAP_MANAGER,
      });
      expect(policy.spec.rules[0].generate.data.subjects).toEqual([
        { kind: 'ServiceAccount', ...reader },
      ]);
    });

    it('lets Kyverno bind that one ClusterRole and nothing else', () => {
      const role = one('ClusterRole', 'kyverno:kebap-vcluster-reader-bindings');
      const bind = role.rules.filter((r: any) => r.verbs.includes('bind'));
      expect(bind).toEqual([
        {
          apiGroups: ['rbac.authorization.k8s.io'],
          resources: ['clusterroles'],
          resourceNames: ['kebap-vcluster-reader'],
          verbs: ['bind'],
        },
      ]);
      expect(JSON.stringify(role.rules)).not.toContain('escalate');
      expect(one('ClusterRole', 'kebap-vcluster-reader').rules).toEqual([
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
      ]);
    });
  });

  describe('Kyverno policies', () => {
    it('require the portal’s labels on ordered objects, from the portal or the orders repository', () => {
      const policy = one('ClusterPolicy', 'kebap-order-labels');
      const [portal, orders, deletes] = policy.spec.rules;
      const labels = portal.validate.pattern.metadata.labels;
      expect(Object.keys(labels).sort()).toEqual(
        [
          KEBAP_LABELS.managedBy,
          KEBAP_LABELS.order,
          KEBAP_LABELS.owner,
          KEBAP_LABELS.env,
        ].sort(),
      );
      expect(labels[KEBAP_LABELS.managedBy]).toBe(KEBAP_MANAGER);
      expect(orders.validate.pattern).toEqual(portal.validate.pattern);
      // the portal's service account, as the chart names it
      const app = one('Application', 'kebap-portal');
      expect(portal.match.any[0].subjects).toEqual([
        {
          kind: 'ServiceAccount',
          name: app.spec.source.helm.releaseName,
          namespace: app.spec.destination.namespace,
        },
      ]);
      expect(orders.preconditions.all[0].key).toContain(
        `'${one('Application', 'kebap-orders').metadata.name}:'`,
      );
      expect(deletes.match.any[0].resources.operations).toEqual(['DELETE']);
      // every kind an order may contain is checked
      const kinds: string[] = portal.match.any[0].resources.kinds;
      for (const r of orderResources) {
        expect(kinds).toContain(
          r.group ? `${r.group}/${r.version}/${r.kind}` : r.kind,
        );
      }
      for (const rule of policy.spec.rules)
        expect(rule.validate.failureAction).toBe('Enforce');
    });

    it('limit vc-* ResourceQuotas to the large size of the portal’s settings', () => {
      const policy = one('ClusterPolicy', 'kebap-vcluster-size');
      const rule = policy.spec.rules[0];
      expect(rule.match.any[0].resources.namespaces).toEqual(['vc-*']);
      const hard = rule.validate.pattern.spec.hard;
      const large = settings.vcluster.sizes.large.quota;
      expect(
        Object.fromEntries(
          Object.entries(hard).map(([k, v]) => [
            k,
            String(v).replace(/^<=/, ''),
          ]),
        ),
      ).toEqual(large);
    });

    it('refuse :latest images', () => {
      const policy = one('ClusterPolicy', 'kebap-disallow-latest');
      const spec = policy.spec.rules[0].validate.pattern.spec;
      for (const key of [
        'containers',
        '=(initContainers)',
        '=(ephemeralContainers)',
      ])
        expect(spec[key]).toEqual([{ image: '!*:latest & *:*' }]);
    });

    it('make prod Stacks set destroyOnFinalize explicitly', () => {
      const policy = one(
        'ClusterPolicy',
        'kebap-prod-stack-destroy-on-finalize',
      );
      const rule = policy.spec.rules[0];
      expect(rule.match.any[0].resources).toMatchObject({
        kinds: ['pulumi.com/v1/Stack'],
        selector: { matchLabels: { [KEBAP_LABELS.env]: 'prod' } },
      });
      expect(rule.validate.deny.conditions.any[0]).toEqual({
        key: "{{ contains(keys(request.object.spec), 'destroyOnFinalize') }}",
        operator: 'Equals',
        value: false,
      });
    });
  });

  describe('Argo CD’s health check for pulumi.com/Stack (run in a Lua interpreter)', () => {
    const cm = one('Application', 'argocd').spec.source.helm.valuesObject
      .configs.cm;
    const script = cm['resource.customizations.health.pulumi.com_Stack'];
    const stack = (status?: object, generation = 1) => ({
      apiVersion: 'pulumi.com/v1',
      kind: 'Stack',
      metadata: { name: 'db', namespace: 'team-a', generation },
      ...(status ? { status } : {}),
    });
    const cond = (
      type: string,
      status = 'True',
      reason = 'X',
      message?: string,
    ) => ({
      type,
      status,
      reason,
      ...(message ? { message } : {}),
    });

    it.each([
      ['no status yet', stack(), 'Progressing'],
      [
        'Ready',
        stack({
          observedGeneration: 1,
          conditions: [cond('Ready', 'True', 'ProcessingCompleted')],
        }),
        'Healthy',
      ],
      [
        'Reconciling',
        stack({
          observedGeneration: 1,
          conditions: [
            cond('Ready', 'False'),
            cond('Reconciling', 'True', 'RetryingAfterFailure'),
          ],
        }),
        'Progressing',
      ],
      [
        'Stalled',
        stack({
          observedGeneration: 1,
          conditions: [
            cond('Ready', 'False'),
            cond(
              'Stalled',
              'True',
              'SourceUnavailable',
              'git repository not found',
            ),
          ],
        }),
        'Degraded',
      ],
      [
        'Ready but an older generation',
        stack({ observedGeneration: 1, conditions: [cond('Ready')] }, 2),
        'Progressing',
      ],
      [
        'no condition true',
        stack({ observedGeneration: 1, conditions: [cond('Ready', 'False')] }),
        'Progressing',
      ],
    ])('%s', (_what, obj, status) => {
      expect(runArgoCdHealthLua(script, obj).status).toBe(status);
    });

    it('reports the Stalled condition’s message', () => {
      expect(
        runArgoCdHealthLua(
          script,
          stack({
            observedGeneration: 1,
            conditions: [
              cond(
                'Stalled',
                'True',
                'SourceUnavailable',
                'git repository not found',
              ),
            ],
          }),
        ),
      ).toEqual({ status: 'Degraded', message: 'git repository not found' });
    });

    it('tracks child Applications’ health for sync waves', () => {
      const app = cm['resource.customizations.health.argoproj.io_Application'];
      expect(
        runArgoCdHealthLua(app, {
          status: { health: { status: 'Degraded', message: 'x' } },
        }),
      ).toEqual({
        status: 'Degraded',
        message: 'x',
      });
      expect(runArgoCdHealthLua(app, {}).status).toBe('Progressing');
    });
  });
});

describeWithSchemas('gitops/ against the real CRDs', validator => {
  const custom = manifests.filter((m: Manifest) =>
    /^(argoproj\.io|external-secrets\.io|kyverno\.io|pulumi\.com)\//.test(
      m.obj.apiVersion,
    ),
  );
  it('has custom resources of every operator, each validated below', () => {
    expect(new Set(custom.map(m => m.obj.kind))).toEqual(
      new Set([
        'Application',
        'ApplicationSet',
        'AppProject',
        'ClusterSecretStore',
        'ClusterPolicy',
        // the Stacks' Pulumi access token (platform/stacks)
        'ExternalSecret',
      ]),
    );
  });
  it.each(
    custom.map(m => [`${m.file}: ${m.obj.kind} ${m.obj.metadata.name}`, m]),
  )('%s matches its CRD', (_name, m) => {
    expect(validator().validate((m as Manifest).obj)).toEqual([]);
  });
});
