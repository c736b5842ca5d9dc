/*
 * The prod-cluster and database templates in kubernetes delivery, against
 * the Kubernetes API test double: every object lands on the control plane
 * with the order's labels, and the decommission template deletes all of an
 * order's objects by those labels (the Stack's finalizer then destroys the
 * cloud resources), leaving other orders alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { FakeKubernetesApi } from '@internal/plugin-kebap-node/testing';
import { startModuleActions } from '../__testUtils__/startModuleActions';
import { clusterConfig } from '../guardrails/__testUtils__/orderHarness';
import {
  exampleParameters,
  readTemplateFiles,
  runTemplateSteps,
} from './__testUtils__/runTemplateSteps';

// a test backend and an HTTP API double: slower than a unit test on a busy machine
jest.setTimeout(60_000);

const templates = readTemplateFiles();
const owner = 'group:default/team-payments';

let actions: Map<string, TemplateAction<any, any, any>>;
let stop: () => Promise<void>;
let api: FakeKubernetesApi;
let tmp: string;

beforeAll(async () => {
  tmp = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'order-k8s-'));
  api = await FakeKubernetesApi.start();
  for (const name of ['argocd', 'kebap-stacks', 'team-payments']) {
    api.seed(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      { manager: 'platform-install' },
    );
  }
  ({ actions, stop } = await startModuleActions({
    ...clusterConfig(api),
    kebap: {
      delivery: { mode: 'kubernetes' },
      kubernetes: { clusterName: 'control-plane' },
    },
  }));
});

afterAll(async () => {
  await stop?.();
  await api?.stop();
  await fs.promises.rm(tmp, { recursive: true, force: true });
});

async function order(folder: string, overrides: Record<string, unknown>) {
  const template = templates.find(t => t.folder === folder)!;
  const sets = exampleParameters(template);
  const parameters = sets.find(p => p.cloud === overrides.cloud) ?? sets[0];
  return runTemplateSteps({
    template,
    actions,
    parameters: { ...parameters, ...overrides },
    workspacePath: await fs.promises.mkdtemp(path.join(tmp, `ws-${folder}-`)),
    dryRun: false,
    taskId: `task-${folder}`,
  });
}

/** The portal's objects of one order on the cluster, as kind namespace/name. */
function objectsOf(orderName: string): string[] {
  return api
    .objects()
    .filter(
      o =>
        o.metadata.labels?.['app.kubernetes.io/managed-by'] ===
          'kebap-portal' && o.metadata.labels?.['kebap.io/order'] === orderName,
    )
    .map(o => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`)
    .sort();
}

it('orders a database and a prod cluster, then decommissions each with all its objects', async () => {
  await order('database', {
    name: 'ledger',
    owner,
    namespace: 'team-payments',
    cloud: 'aws',
  });
  await order('prod-cluster', { name: 'payments', owner, cloud: 'aws' });
  expect(objectsOf('ledger')).toEqual([
    'ExternalSecret kebap-stacks/ledger-cloud',
    'ExternalSecret team-payments/ledger-db',
    'Program kebap-stacks/ledger-program',
    'SecretStore team-payments/ledger-connection-reader',
    'ServiceAccount team-payments/ledger-connection-reader',
    'Stack kebap-stacks/ledger',
  ]);
  expect(objectsOf('payments')).toEqual([
    'ExternalSecret kebap-stacks/payments-cloud',
    'Program kebap-stacks/payments-program',
    'Stack kebap-stacks/payments',
  ]);

  await order('decommission', {
    order: 'resource:default/prod-ledger',
    owner,
    confirm: 'ledger',
  });
  expect(objectsOf('ledger')).toEqual([]);
  expect(objectsOf('payments')).toHaveLength(3);

  await order('decommission', {
    order: 'resource:default/prod-payments',
    owner,
    confirm: 'payments',
  });
  expect(objectsOf('payments')).toEqual([]);
});

it('refuses a database named like the same team’s prod cluster, and leaves the cluster as it was', async () => {
  await order('prod-cluster', { name: 'shared-name', owner, cloud: 'gcp' });
  const stackOf = () =>
    api
      .objects()
      .find(o => o.kind === 'Stack' && o.metadata.name === 'shared-name');
  const before = JSON.stringify(stackOf());
  await expect(
    order('database', {
      name: 'shared-name',
      owner,
      namespace: 'team-payments',
      cloud: 'gcp',
    }),
  ).rejects.toThrow(
    /Stack\/kebap-stacks\/shared-name: belongs to the cluster order shared-name, not a database order/,
  );
  expect(JSON.stringify(stackOf())).toEqual(before);
  expect(objectsOf('shared-name')).toEqual([
    'ExternalSecret kebap-stacks/shared-name-cloud',
    'Program kebap-stacks/shared-name-program',
    'Stack kebap-stacks/shared-name',
  ]);
});
