import { orderMetadata } from '../ownership/orderMetadata';
import {
  buildVClusterOrder,
  buildVClusterPolicies,
  namespaceTrackingId,
} from './buildVClusterOrder';

const metadata = orderMetadata({
  orderName: 'alpha',
  owner: 'group:default/team-payments',
  entityRef: 'resource:default/dev-alpha',
  env: 'dev',
  kind: 'vcluster',
  template: 'template:default/dev-cluster',
  taskId: 'task-1',
});

const small = {
  quota: {
    'requests.cpu': '2',
    'limits.memory': '8Gi',
    pods: '30',
    persistentvolumeclaims: '5',
  },
  limitRange: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { cpu: '500m', memory: '512Mi' },
  },
};

const settings = {
  sizes: { small, bare: { quota: { 'requests.cpu': '1' } } },
  chart: {
    repoURL: 'https://charts.loft.sh',
    chart: 'vcluster',
    version: '0.30.0',
  },
  argocdNamespace: 'argocd',
  project: 'default',
};

describe('buildVClusterOrder', () => {
  const order = buildVClusterOrder(
    {
      name: 'alpha',
      metadata,
      size: 'small',
      expiresAt: '2026-12-01T00:00:00.000Z',
      purpose: 'demo',
    },
    settings,
  );
  const app = order.application as any;

  it('is one Application in Argo CD’s namespace: no Namespace, quota or limits of the portal’s', () => {
    expect(Object.keys(order).sort()).toEqual([
      'application',
      'namespace',
      'values',
    ]);
    expect(order.namespace).toBe('vc-alpha');
    expect(app.metadata).toMatchObject({
      name: 'vcluster-alpha',
      namespace: 'argocd',
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
      labels: metadata.labels,
    });
    expect(app.metadata.annotations).toMatchObject({
      'kebap.io/expires-at': '2026-12-01T00:00:00.000Z',
      'kebap.io/purpose': 'demo',
    });
  });

  it('lets Argo CD create the namespace, labelled as the portal’s and tracked as the Application’s', () => {
    expect(app.spec.destination.namespace).toBe('vc-alpha');
    expect(app.spec.syncPolicy.syncOptions).toEqual([
      'ServerSideApply=true',
      'CreateNamespace=true',
    ]);
    const ns = app.spec.syncPolicy.managedNamespaceMetadata;
    expect(ns.labels).toEqual(metadata.labels);
    expect(ns.annotations).toEqual({
      ...metadata.annotations,
      'argocd.argoproj.io/tracking-id': 'vcluster-alpha:/Namespace:/vc-alpha',
    });
    // the expiry lives on the Application alone: the expiry task rewrites
    // annotations of objects, not the namespace metadata in a spec
    expect(ns.annotations['kebap.io/expires-at']).toBeUndefined();
    expect(namespaceTrackingId('vcluster-beta', 'vc-beta')).toBe(
      'vcluster-beta:/Namespace:/vc-beta',
    );
  });

  it('hands the size’s quota and limits to the chart', () => {
    expect(order.values.policies).toEqual({
      resourceQuota: {
        enabled: true,
        quota: {
          ...small.quota,
          // the chart's defaults count these as count/<name>
          'count/pods': '30',
          'count/persistentvolumeclaims': '5',
        },
      },
      limitRange: {
        enabled: true,
        default: small.limitRange.default,
        defaultRequest: small.limitRange.defaultRequest,
      },
    });
    expect(app.spec.source.helm.valuesObject).toBe(order.values);
  });

  it('renders no LimitRange for a size without limits', () => {
    expect(buildVClusterPolicies(settings.sizes.bare)).toEqual({
      resourceQuota: { enabled: true, quota: { 'requests.cpu': '1' } },
      limitRange: { enabled: false },
    });
  });
});
