import { ConfigReader } from '@backstage/config';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { KEBAP_LABELS } from '@internal/plugin-kebap-common';
import {
  createArgoCdClusterAction,
  createExternalSecretAction,
  createPulumiStackAction,
  createVClusterCreateAction,
  readKebapSettings,
} from '@internal/plugin-scaffolder-backend-module-kebap';
import { gitopsDir } from '../paths';
import { loadManifests } from './loadManifests';
import { matchPattern, quantity } from './KyvernoPattern';

const manifests = loadManifests(gitopsDir());
const policy = (name: string) =>
  manifests.find(
    m => m.obj.kind === 'ClusterPolicy' && m.obj.metadata.name === name,
  )!.obj;
const settings = readKebapSettings(new ConfigReader({}));
const owner = 'group:default/team-payments';

/** The objects each ordering action hands to its delivery. */
async function orderObjects(): Promise<any[]> {
  const objects: any[] = [];
  const delivery = {
    mode: 'gitops' as const,
    async deliver(order: { objects: any[] }) {
      objects.push(...structuredClone(order.objects));
      return { mode: 'gitops' as const, refs: [], changed: true };
    },
    async remove() {
      throw new Error('not used');
    },
  };
  const deps = { delivery, settings };
  const runs: Array<[{ handler: (ctx: any) => Promise<void> }, object]> = [
    ...Object.keys(settings.vcluster.sizes).map(
      size =>
        [
          createVClusterCreateAction(deps),
          { name: `dev-${size}`, owner, size },
        ] as [any, object],
    ),
    [createArgoCdClusterAction(deps), { name: 'dev-small', owner }],
    [
      createPulumiStackAction(deps),
      {
        name: 'payments-db',
        namespace: 'kebap-stacks',
        owner,
        env: 'prod',
        kind: 'database',
        stack: 'acme/payments-db-program/payments-db',
        program: { resources: {}, outputs: {} },
        serviceAccountName: 'pulumi-payments',
        createServiceAccount: true,
        shareSecret: {
          secretName: 'payments-db-connection',
          namespace: 'team-payments',
        },
      },
    ],
    [
      createExternalSecretAction(deps),
      {
        order: 'payments-db',
        owner,
        name: 'payments-db-cloud',
        namespace: 'kebap-stacks',
        data: [{ secretKey: 'TOKEN', remoteKey: 'cloud', property: 'token' }],
      },
    ],
  ];
  for (const [action, input] of runs) {
    const ctx = createMockActionContext({ input: input as any });
    Object.assign(ctx, { task: { id: 'task-policies' } });
    await action.handler(ctx as any);
  }
  return objects;
}

/**
 * The ResourceQuota the vCluster chart renders from a dev cluster's
 * Application (chart 0.30, templates/resourcequota.yaml: `vc-<release>` in
 * the release namespace, `hard` from `policies.resourceQuota.quota`, each
 * value quoted), which is what Kyverno admits or refuses when Argo CD
 * applies it. The chart merges its own defaults (`count/*`, ephemeral
 * storage, service counts) under these; the policy does not constrain them.
 */
function chartQuota(app: any) {
  const { releaseName, valuesObject } = app.spec.source.helm;
  const rq = valuesObject.policies.resourceQuota;
  if (String(rq.enabled) !== 'true') return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: {
      name: `vc-${releaseName}`,
      namespace: app.spec.destination.namespace,
    },
    spec: {
      hard: Object.fromEntries(
        Object.entries(rq.quota).map(([k, v]) => [k, String(v)]),
      ),
    },
  };
}

const kindKey = (o: any) =>
  o.apiVersion.includes('/') ? `${o.apiVersion}/${o.kind}` : o.kind;

describe('Kyverno policies against the objects the portal orders', () => {
  let objects: any[];
  beforeAll(async () => {
    objects = await orderObjects();
  });

  it('rendered every kind of order', () => {
    expect([...new Set(objects.map(kindKey))]).toEqual(
      expect.arrayContaining([
        'argoproj.io/v1alpha1/Application',
        'external-secrets.io/v1/SecretStore',
        'external-secrets.io/v1/ExternalSecret',
        'pulumi.com/v1/Stack',
        'pulumi.com/v1/Program',
        'ServiceAccount',
      ]),
    );
    // nothing cluster-scoped: Argo CD creates a dev cluster's namespace, the
    // vCluster chart its quota and limits, the platform the RBAC
    for (const kind of [
      'Namespace',
      'ResourceQuota',
      'LimitRange',
      'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    ])
      expect(objects.map(kindKey)).not.toContain(kind);
  });

  it('are all kinds the orders AppProject admits', () => {
    const project = manifests.find(
      m =>
        m.obj.kind === 'AppProject' && m.obj.metadata.name === 'kebap-orders',
    )!.obj;
    const allowed = new Set(
      [
        ...(project.spec.clusterResourceWhitelist ?? []),
        ...project.spec.namespaceResourceWhitelist,
      ].map((k: any) => `${k.group}/${k.kind}`),
    );
    const group = (o: any) =>
      o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    expect(
      objects.map(o => `${group(o)}/${o.kind}`).filter(k => !allowed.has(k)),
    ).toEqual([]);
  });

  describe('kebap-order-labels', () => {
    const rules = policy('kebap-order-labels').spec.rules;
    const [portalRule, ordersRule] = rules;

    it('checks every kind the portal orders, in both rules', () => {
      for (const rule of [portalRule, ordersRule, rules[2]]) {
        const kinds: string[] = rule.match.any[0].resources.kinds;
        expect(objects.map(kindKey).filter(k => !kinds.includes(k))).toEqual(
          [],
        );
      }
    });

    it('lets every ordered object through', () => {
      const failures = objects.flatMap(o =>
        matchPattern(o, portalRule.validate.pattern).map(
          e => `${kindKey(o)} ${o.metadata.name}${e}`,
        ),
      );
      expect(failures).toEqual([]);
    });

    it.each([
      [
        'without an owner',
        (l: any) => delete l[KEBAP_LABELS.owner],
        /kebap\.io\/owner: missing/,
      ],
      [
        'with an empty order',
        (l: any) => (l[KEBAP_LABELS.order] = ''),
        /kebap\.io\/order: "" does not match/,
      ],
      [
        'in another environment',
        (l: any) => (l[KEBAP_LABELS.env] = 'staging'),
        /kebap\.io\/env: "staging" does not match 'dev \| prod'/,
      ],
      [
        'managed by someone else',
        (l: any) => (l[KEBAP_LABELS.managedBy] = 'Helm'),
        /managed-by: "Helm" does not match/,
      ],
    ])('refuses an object %s', (_what, change, message) => {
      const o = structuredClone(objects[0]);
      change(o.metadata.labels);
      expect(matchPattern(o, portalRule.validate.pattern).join('\n')).toMatch(
        message,
      );
    });
  });

  describe('kebap-vcluster-size', () => {
    const rule = policy('kebap-vcluster-size').spec.rules[0];
    const quotas = () =>
      objects
        .filter(o => o.kind === 'Application')
        .map(chartQuota)
        .filter(Boolean) as any[];

    it('admits the quota of every configured size', () => {
      expect(
        quotas()
          .map(q => q.metadata.namespace)
          .sort(),
      ).toEqual(
        Object.keys(settings.vcluster.sizes)
          .map(s => `vc-dev-${s}`)
          .sort(),
      );
      for (const q of quotas())
        expect(matchPattern(q, rule.validate.pattern)).toEqual([]);
    });

    it('refuses a quota above the large size, or one that leaves a limit out', () => {
      const large = quotas().find(q => q.metadata.namespace === 'vc-dev-large');
      const bigger = structuredClone(large);
      bigger.spec.hard['limits.memory'] = '64Gi';
      expect(matchPattern(bigger, rule.validate.pattern)).toEqual([
        '.spec.hard.limits.memory: "64Gi" does not match \'<=32Gi\'',
      ]);
      const partial = structuredClone(large);
      delete partial.spec.hard['requests.cpu'];
      expect(matchPattern(partial, rule.validate.pattern)).toEqual([
        '.spec.hard.requests.cpu: missing',
      ]);
      expect(quantity('500m')).toBe(0.5);
      expect(quantity('16Gi')).toBe(16 * 1024 ** 3);
    });
  });

  describe('kebap-disallow-latest', () => {
    const pattern = policy('kebap-disallow-latest').spec.rules[0].validate
      .pattern;
    const pod = (image: string, init?: string) => ({
      spec: {
        containers: [{ name: 'a', image }],
        ...(init ? { initContainers: [{ name: 'i', image: init }] } : {}),
      },
    });
    it.each([
      ['a pinned tag', pod('ghcr.io/acme/app:1.2.3'), true],
      ['a digest', pod('nginx@sha256:0123abcd'), true],
      ['latest', pod('nginx:latest'), false],
      ['no tag', pod('nginx'), false],
      [
        'latest in an init container',
        pod('nginx:1.27', 'busybox:latest'),
        false,
      ],
    ])('%s', (_what, obj, admitted) => {
      expect(matchPattern(obj, pattern).length === 0).toBe(admitted);
    });
  });

  it('kebap-prod-stack-destroy-on-finalize: the portal’s prod Stacks set destroyOnFinalize', () => {
    const rule = policy('kebap-prod-stack-destroy-on-finalize').spec.rules[0];
    const prodStacks = objects.filter(
      o =>
        o.kind === 'Stack' &&
        o.metadata.labels[KEBAP_LABELS.env] ===
          rule.match.any[0].resources.selector.matchLabels[KEBAP_LABELS.env],
    );
    expect(prodStacks).toHaveLength(1);
    // the deny condition: `contains(keys(request.object.spec), 'destroyOnFinalize')` is false
    for (const s of prodStacks)
      expect(Object.keys(s.spec)).toContain('destroyOnFinalize');
  });
});
