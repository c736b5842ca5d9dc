import { describeRealKubernetes } from '@internal/plugin-kebap-node/testing';
import { chartDir } from '../paths';
import { AnyKindApplier, ApplyRefused } from '../realApi/applyAny';
import {
  DEFAULT_KUBE_VERSION,
  helmRenderBinary,
  mergeValues,
  renderChart,
} from './renderChart';

const dir = chartDir('kebap-portal');

/** The chart's defaults and every variant its README and values.yaml document. */
const variants: Array<[string, Record<string, unknown>]> = [
  ['the defaults (gitops delivery, ExternalSecret, cluster reads)', {}],
  [
    'kubernetes delivery (the writes of orders)',
    { deliveryMode: 'kubernetes' },
  ],
  [
    'an existing Secret instead of an ExternalSecret',
    {
      credentials: {
        existingSecret: 'portal-db',
        externalSecret: { enabled: false },
      },
    },
  ],
  [
    'the Ingress with a class, annotations and TLS',
    {
      ingress: {
        enabled: true,
        className: 'nginx',
        host: 'portal.acme.dev',
        tlsSecretName: 'portal-tls',
        annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
      },
    },
  ],
  ['the Ingress without class or TLS', { ingress: { enabled: true } }],
  [
    'an existing service account and no RBAC',
    {
      serviceAccount: { create: false, name: 'portal' },
      rbac: { create: false },
    },
  ],
  [
    'gitops without cluster reads or the Kubernetes tab',
    {
      rbac: {
        clusterReads: false,
        kubernetesTab: false,
      },
      appConfig: { kebap: { kubernetes: null } },
    },
  ],
  [
    'several replicas with a PodDisruptionBudget',
    {
      replicaCount: 3,
      podDisruptionBudget: { enabled: true, minAvailable: 2 },
    },
  ],
  [
    'every optional setting',
    {
      image: { tag: '1.2.3', pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'registry' }],
      nameOverride: 'portal',
      serviceAccount: {
        annotations: {
          'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/portal',
        },
      },
      podAnnotations: { 'example.com/note': 'x' },
      podLabels: { team: 'platform' },
      service: { type: 'NodePort', port: 8080 },
      extraEnv: [{ name: 'LOG_LEVEL', value: 'debug' }],
      rbac: {
        extraClusterRules: [
          { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
        ],
      },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [
        {
          key: 'dedicated',
          operator: 'Equal',
          value: 'portal',
          effect: 'NoSchedule',
        },
      ],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  {
                    key: 'kubernetes.io/arch',
                    operator: 'In',
                    values: ['amd64'],
                  },
                ],
              },
            ],
          },
        },
      },
    },
  ],
];

describeRealKubernetes(
  'helm/kebap-portal on the real API server (server-side apply, dry run)',
  kube => {
    const namespaces: string[] = [];
    let applier: AnyKindApplier;
    beforeAll(() => {
      applier = new AnyKindApplier(kube());
      // the first build of helm-render on a machine takes up to a minute
      helmRenderBinary();
    }, 10 * 60_000);
    afterAll(async () => {
      const client = kube().client();
      await Promise.all(
        namespaces.map(name =>
          client.delete({ apiVersion: 'v1', kind: 'Namespace', name }),
        ),
      );
    });

    // The test server is Kubernetes 1.26 (../shared/kube), older than the
    // chart's kubeVersion (>=1.29, which helm-render checks as Helm does),
    // so the chart is rendered for DEFAULT_KUBE_VERSION; every API version
    // it uses is served unchanged by 1.26 (discovery would say otherwise).
    it.each(variants)('accepts every object: %s', async (_what, values) => {
      const namespace = kube().uniqueName('helm');
      const argocd = `${namespace}-argocd`;
      namespaces.push(namespace, argocd);
      // unique release names: the ClusterRole and ClusterRoleBinding are
      // cluster-scoped
      const releaseName = kube().uniqueName('kp');
      const { objects } = renderChart(dir, {
        releaseName,
        namespace,
        kubeVersion: DEFAULT_KUBE_VERSION,
        values: mergeValues(values, { rbac: { argocdNamespace: argocd } }),
      });
      expect(objects.length).toBeGreaterThanOrEqual(4);
      // a namespaced dry run needs its namespace: the two of this test, and
      // any other the values name (created, and left for other tests)
      await kube().ensureNamespaces(
        ...new Set([
          namespace,
          argocd,
          ...objects.flatMap(o =>
            o.metadata.namespace ? [o.metadata.namespace] : [],
          ),
        ]),
      );
      const refused: string[] = [];
      for (const obj of objects) {
        try {
          const answer = await applier.apply(obj, { dryRun: true });
          expect(answer).toMatchObject({
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            metadata: { name: obj.metadata.name },
          });
        } catch (e) {
          refused.push(
            e instanceof ApplyRefused
              ? `${e.message} ${e.causes.join('; ')}`
              : `${obj.kind} ${obj.metadata.name}: ${(e as Error).message}`,
          );
        }
      }
      expect(refused).toEqual([]);
      // a dry run stores nothing
      const client = kube().client();
      const stored = await Promise.all(
        objects
          .filter(o => o.kind === 'ServiceAccount')
          .map(o =>
            client.get({
              apiVersion: 'v1',
              kind: 'ServiceAccount',
              namespace,
              name: o.metadata.name,
            }),
          ),
      );
      expect(stored.filter(Boolean)).toEqual([]);
    });

    it('refuses what the schema cannot see: a field the API does not know', async () => {
      const namespace = kube().uniqueName('helm');
      namespaces.push(namespace);
      await kube().ensureNamespaces(namespace);
      const { objects } = renderChart(dir, { namespace });
      const service = objects.find(o => o.kind === 'Service')!;
      await expect(
        applier.apply(
          { ...service, spec: { ...service.spec, tragetPort: 'http' } },
          { dryRun: true },
        ),
      ).rejects.toThrow(/tragetPort/);
    });
  },
);
