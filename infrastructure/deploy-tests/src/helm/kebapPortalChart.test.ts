import { describeWithSchemas } from '@internal/plugin-kebap-common/testing';
import { chartDir } from '../paths';
import { renderChart, RenderedObject } from './renderChart';

const dir = chartDir('kebap-portal');
const existingSecret = {
  credentials: {
    existingSecret: 'portal-db',
    externalSecret: { enabled: false },
  },
};

function find(objects: RenderedObject[], kind: string, name?: string) {
  const found = objects.filter(
    o => o.kind === kind && (!name || o.metadata.name === name),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${name ?? ''}, got ${found.length}`);
  return found[0];
}

describe('helm/kebap-portal', () => {
  it('renders valid objects with the chart defaults', () => {
    const { objects } = renderChart(dir);
    expect(objects.map(o => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/kebap-portal',
      'ClusterRoleBinding/kebap-portal',
      'ConfigMap/kebap-portal-app-config',
      'Deployment/kebap-portal',
      'ExternalSecret/kebap-portal-credentials',
      'Role/kebap-portal',
      'RoleBinding/kebap-portal',
      'Service/kebap-portal',
      'ServiceAccount/kebap-portal',
    ]);
    for (const o of objects) {
      expect(o.apiVersion).toMatch(/^([a-z0-9.-]+\/)?v[0-9a-z]+$/);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      expect(o.metadata.labels?.['app.kubernetes.io/instance']).toBe(
        'kebap-portal',
      );
    }
    const clusterScoped = ['ClusterRole', 'ClusterRoleBinding'];
    expect(
      objects
        .filter(o => !clusterScoped.includes(o.kind) && !o.metadata.namespace)
        .map(o => o.kind),
    ).toEqual([]);
  });

  it('names objects after the release', () => {
    const { objects } = renderChart(dir, {
      releaseName: 'portal',
      namespace: 'platform',
    });
    const deployment = find(objects, 'Deployment');
    expect(deployment.metadata).toMatchObject({
      name: 'portal-kebap-portal',
      namespace: 'platform',
    });
    expect(find(objects, 'ClusterRoleBinding').subjects).toEqual([
      {
        kind: 'ServiceAccount',
        name: 'portal-kebap-portal',
        namespace: 'platform',
      },
    ]);
  });

  describe('the Deployment', () => {
    const { objects } = renderChart(dir, { values: existingSecret });
    const deployment = find(objects, 'Deployment');
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;

    it('probes the backend health endpoints on port 7007', () => {
      expect(container.ports).toEqual([
        { name: 'http', containerPort: 7007, protocol: 'TCP' },
      ]);
      expect(container.readinessProbe.httpGet).toEqual({
        path: '/.backstage/health/v1/readiness',
        port: 'http',
      });
      expect(container.livenessProbe.httpGet).toEqual({
        path: '/.backstage/health/v1/liveness',
        port: 'http',
      });
      expect(container.startupProbe.httpGet.path).toBe(
        '/.backstage/health/v1/liveness',
      );
    });

    it('runs non-root, read-only, without capabilities, with the runtime default seccomp profile', () => {
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext).toEqual({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    });

    it('gives the writable paths emptyDirs: /tmp, the workspace and HOME', () => {
      const mounts = Object.fromEntries(
        container.volumeMounts.map((m: any) => [m.mountPath, m.name]),
      );
      expect(mounts).toEqual({
        '/etc/kebap-portal': 'app-config',
        '/tmp': 'tmp',
        '/workspace': 'workspace',
        '/home/kebap': 'home',
      });
      for (const name of ['tmp', 'workspace', 'home']) {
        expect(
          pod.volumes.find((v: any) => v.name === name).emptyDir.sizeLimit,
        ).toBeTruthy();
      }
      const env = Object.fromEntries(
        container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]),
      );
      expect(env.KEBAP_DATA_DIR).toBe('/workspace/data');
      expect(env.HOME).toBe('/home/kebap');
    });

    it('passes the ConfigMap app-config last with --config', () => {
      expect(container.args).toEqual([
        'node',
        'packages/backend',
        '--config',
        'app-config.yaml',
        '--config',
        'app-config.production.yaml',
        '--config',
        '/etc/kebap-portal/app-config.kebap.yaml',
      ]);
      const configMap = find(objects, 'ConfigMap');
      expect(
        pod.volumes.find((v: any) => v.name === 'app-config').configMap.name,
      ).toBe(configMap.metadata.name);
      expect(Object.keys(configMap.data)).toEqual(['app-config.kebap.yaml']);
    });

    it('sets requests and a memory limit', () => {
      expect(container.resources.requests).toEqual({
        cpu: '500m',
        memory: '768Mi',
      });
      expect(container.resources.limits.memory).toBe('1536Mi');
    });

    it('uses the chart appVersion as the image tag by default', () => {
      expect(container.image).toBe('ghcr.io/acme/kebap-portal:0.1.0');
    });
  });

  it('puts appConfig into the ConfigMap and rolls the pods when it changes', () => {
    const a = renderChart(dir);
    const b = renderChart(dir, {
      values: { appConfig: { kebap: { argocd: { project: 'platform' } } } },
    });
    const config = (r: typeof a) =>
      require('yaml').parse(
        find(r.objects, 'ConfigMap').data['app-config.kebap.yaml'],
      );
    expect(config(a).kebap.argocd.project).toBe('default');
    // the scaffolder refuses to start unless its working directory exists
    // and is writable: it must be a writable mount, not a folder below one
    const mounts = find(
      a.objects,
      'Deployment',
    ).spec.template.spec.containers[0].volumeMounts.filter(
      (m: any) => !m.readOnly,
    );
    expect(mounts.map((m: any) => m.mountPath)).toContain(
      config(a).backend.workingDirectory,
    );
    expect(config(a).scaffolder.taskRecovery).toEqual({
      enabled: true,
      workspaceProvider: 'database',
    });
    expect(
      find(a.objects, 'Deployment').spec.template.spec
        .terminationGracePeriodSeconds,
    ).toBe(120);
    expect(config(b).kebap.argocd.project).toBe('platform');
    expect(config(b).kebap.delivery.gitops.repoPath).toBe(
      '/workspace/data/gitops',
    );
    const checksum = (r: typeof a) =>
      find(r.objects, 'Deployment').spec.template.metadata.annotations[
        'kebap.io/app-config-sha256'
      ];
    expect(checksum(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(b)).not.toBe(checksum(a));
  });

  describe('PostgreSQL credentials', () => {
    const envOf = (objects: RenderedObject[]) =>
      find(objects, 'Deployment').spec.template.spec.containers[0];

    it('come from an ExternalSecret of the kebap-secrets store by default', () => {
      const { objects } = renderChart(dir);
      const es = find(objects, 'ExternalSecret');
      expect(es.spec.secretStoreRef).toEqual({
        kind: 'ClusterSecretStore',
        name: 'kebap-secrets',
      });
      expect(es.spec.target.name).toBe('kebap-portal-credentials');
      expect(es.spec.data.map((d: any) => d.secretKey)).toEqual(
        expect.arrayContaining(['POSTGRES_USER', 'POSTGRES_PASSWORD']),
      );
      const container = envOf(objects);
      const password = container.env.find(
        (e: any) => e.name === 'POSTGRES_PASSWORD',
      );
      expect(password.valueFrom.secretKeyRef).toEqual({
        name: 'kebap-portal-credentials',
        key: 'POSTGRES_PASSWORD',
      });
      expect(container.envFrom).toEqual([
        { secretRef: { name: 'kebap-portal-credentials' } },
      ]);
    });

    it('come from an existing Secret, with no ExternalSecret', () => {
      const { objects } = renderChart(dir, { values: existingSecret });
      expect(objects.filter(o => o.kind === 'ExternalSecret')).toEqual([]);
      const user = envOf(objects).env.find(
        (e: any) => e.name === 'POSTGRES_USER',
      );
      expect(user.valueFrom.secretKeyRef.name).toBe('portal-db');
    });

    it('never appear as plain values in any object', () => {
      const { objects } = renderChart(dir);
      const text = JSON.stringify(objects);
      expect(text).not.toMatch(/"name":"POSTGRES_PASSWORD","value"/);
      expect(objects.filter(o => o.kind === 'Secret')).toEqual([]);
    });
  });

  describe('values.schema.json', () => {
    it.each([
      [
        'neither an existing Secret nor an ExternalSecret',
        { credentials: { externalSecret: { enabled: false } } },
        /\/credentials\/existingSecret: must NOT have fewer than 1 characters/,
      ],
      [
        'both an existing Secret and an ExternalSecret',
        { credentials: { existingSecret: 'portal-db' } },
        /\/credentials\/existingSecret: must be equal to constant/,
      ],
      [
        'an ExternalSecret without the PostgreSQL password',
        {
          credentials: {
            externalSecret: {
              data: [{ secretKey: 'POSTGRES_USER', remoteKey: 'a.b' }],
            },
          },
        },
        /\/credentials\/externalSecret\/data: must contain at least 1 valid item/,
      ],
      [
        'the latest tag',
        { image: { tag: 'latest' } },
        /\/image\/tag: must NOT be valid/,
      ],
      [
        'a root container',
        { securityContext: { runAsNonRoot: false } },
        /\/securityContext\/runAsNonRoot: must be equal to constant/,
      ],
      [
        'privilege escalation',
        { securityContext: { allowPrivilegeEscalation: true } },
        /allowPrivilegeEscalation: must be equal to constant/,
      ],
      [
        'extra rules on secrets',
        {
          rbac: {
            extraClusterRules: [
              { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
            ],
          },
        },
        /\/rbac\/extraClusterRules\/0\/resources\/0: must NOT be valid/,
      ],
      [
        'an unknown key',
        { replicas: 2 },
        /must NOT have additional properties/,
      ],
      ['zero replicas', { replicaCount: 0 }, /\/replicaCount: must be >= 1/],
      [
        'overriding the delivery mode through extraEnv',
        { extraEnv: [{ name: 'KEBAP_DELIVERY_MODE', value: 'kubernetes' }] },
        /\/extraEnv\/0\/name: must NOT be valid/,
      ],
    ])('refuses %s', (_what, values, message) => {
      expect(() => renderChart(dir, { values })).toThrow(message);
    });
  });

  it('renders the Ingress only when enabled, with TLS when a Secret is named', () => {
    expect(renderChart(dir).objects.filter(o => o.kind === 'Ingress')).toEqual(
      [],
    );
    const ingress = find(
      renderChart(dir, {
        values: {
          ingress: {
            enabled: true,
            className: 'nginx',
            host: 'portal.acme.dev',
            tlsSecretName: 'portal-tls',
          },
        },
      }).objects,
      'Ingress',
    );
    expect(ingress.spec.ingressClassName).toBe('nginx');
    expect(ingress.spec.tls).toEqual([
      { hosts: ['portal.acme.dev'], secretName: 'portal-tls' },
    ]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({
      name: 'kebap-portal',
      port: { name: 'http' },
    });
  });

  it('uses an existing service account and no RBAC when told so', () => {
    expect(() =>
      renderChart(dir, { values: { serviceAccount: { create: false } } }),
    ).toThrow(
      'serviceAccount.name is required when serviceAccount.create is false',
    );
    const { objects } = renderChart(dir, {
      values: {
        serviceAccount: { create: false, name: 'portal' },
        rbac: { create: false },
      },
    });
    expect(objects.map(o => o.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'ExternalSecret',
      'Service',
    ]);
    expect(
      find(objects, 'Deployment').spec.template.spec.serviceAccountName,
    ).toBe('portal');
  });

  it('renders a PodDisruptionBudget for several replicas when enabled', () => {
    const { objects } = renderChart(dir, {
      values: { replicaCount: 3, podDisruptionBudget: { enabled: true } },
    });
    expect(find(objects, 'Deployment').spec.replicas).toBe(3);
    expect(find(objects, 'PodDisruptionBudget').spec).toEqual({
      minAvailable: 1,
      selector: {
        matchLabels: {
          'app.kubernetes.io/name': 'kebap-portal',
          'app.kubernetes.io/instance': 'kebap-portal',
        },
      },
    });
  });

  describe('deliveryMode', () => {
    const verbsOf = (objects: RenderedObject[]) =>
      [
        ...new Set(
          objects
            .filter(o => ['ClusterRole', 'Role'].includes(o.kind))
            .flatMap(o => o.rules.flatMap((r: any) => r.verbs)),
        ),
      ].sort();
    const env = (objects: RenderedObject[]) =>
      find(objects, 'Deployment').spec.template.spec.containers[0].env.find(
        (e: any) => e.name === 'KEBAP_DELIVERY_MODE',
      ).value;

    it('gitops (default): the portal only reads the cluster', () => {
      const { objects } = renderChart(dir);
      expect(env(objects)).toBe('gitops');
      expect(verbsOf(objects)).toEqual(['get', 'list', 'watch']);
    });

    it('kubernetes: the portal may write what orders contain', () => {
      const { objects } = renderChart(dir, {
        values: { deliveryMode: 'kubernetes' },
      });
      expect(env(objects)).toBe('kubernetes');
      // no bind or escalate: orders contain no RBAC objects
      expect(verbsOf(objects)).toEqual([
        'create',
        'delete',
        'get',
        'list',
        'patch',
        'watch',
      ]);
    });

    it('gitops without cluster reads: only the Kubernetes tab’s lists, no Role', () => {
      const { objects } = renderChart(dir, {
        values: { rbac: { clusterReads: false } },
      });
      expect(objects.filter(o => o.kind === 'Role')).toEqual([]);
      expect(verbsOf(objects)).toEqual(['list']);
    });

    it('is the only way to set the mode', () => {
      expect(() =>
        renderChart(dir, {
          values: {
            appConfig: { kebap: { delivery: { mode: 'kubernetes' } } },
          },
        }),
      ).toThrow(/\/appConfig\/kebap\/delivery: must NOT be valid/);
      expect(() =>
        renderChart(dir, { values: { deliveryMode: 'ftp' } }),
      ).toThrow(/\/deliveryMode: must be equal to one of the allowed values/);
    });
  });

  it('grants no Secret access, and writes only in the namespaces it names', () => {
    for (const deliveryMode of ['gitops', 'kubernetes']) {
      const { objects } = renderChart(dir, {
        values: {
          deliveryMode,
          rbac: {
            stackNamespaces: ['kebap-stacks'],
            shareNamespaces: ['team-a'],
          },
        },
      });
      const roles = objects.filter(o =>
        ['ClusterRole', 'Role'].includes(o.kind),
      );
      for (const rule of roles.flatMap(r => r.rules)) {
        expect(rule.resources).not.toContain('secrets');
        expect(rule.resources).not.toContain('*');
        expect(rule.verbs).not.toContain('*');
        expect(rule.verbs).not.toContain('escalate');
        expect(rule.verbs).not.toContain('bind');
      }
      // cluster-wide: reads only
      const bound = objects
        .filter(o => o.kind === 'ClusterRoleBinding')
        .map(b => b.roleRef.name);
      expect(bound).toEqual(['kebap-portal']);
      const clusterWide = roles.filter(
        r => r.kind === 'ClusterRole' && bound.includes(r.metadata.name),
      );
      expect(
        [
          ...new Set(
            clusterWide.flatMap(r => r.rules.flatMap((x: any) => x.verbs)),
          ),
        ].sort(),
      ).toEqual(['get', 'list', 'watch']);
      // the writes: bound in Argo CD's namespace and the named ones only
      const bindings = objects
        .filter(o => o.kind === 'RoleBinding')
        .map(b => `${b.metadata.namespace}/${b.roleRef.kind}/${b.roleRef.name}`)
        .sort();
      expect(bindings).toEqual(
        deliveryMode === 'gitops'
          ? ['argocd/Role/kebap-portal']
          : [
              'argocd/Role/kebap-portal',
              'kebap-stacks/ClusterRole/kebap-portal-stacks',
              'team-a/ClusterRole/kebap-portal-shares',
            ],
      );
    }
  });
});

describeWithSchemas('helm/kebap-portal against the real CRDs', validator => {
  it('renders an ExternalSecret that the served CRD accepts', () => {
    const { objects } = renderChart(dir);
    const es = find(objects, 'ExternalSecret');
    expect(validator().validate(es)).toEqual([]);
  });
});
