import { act, screen, waitFor, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import { ResponseError } from '@backstage/errors';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { OrderStatus } from '@internal/plugin-kebap-common';
import { KebapApi, kebapApiRef } from '../api/KebapApi';
import { OrderStatusCard } from './OrderStatusCard';
import {
  inDays,
  orderedEntity,
  pendingSyncStatus,
  readyVClusterStatus,
  stackStatus,
} from './testStatuses';

/** An answer of the fake API: a status, a pending promise, or a failure. */
type Answer = OrderStatus | Promise<OrderStatus> | { fail: Error };

/** A test double of the KebapApi: answers in turn, the last one from then on. */
function fakeApi(
  ...answers: Answer[]
): KebapApi & { getOrderStatus: jest.Mock } {
  const getOrderStatus = jest.fn();
  answers.forEach((answer, i) => {
    const impl = () =>
      'fail' in answer ? Promise.reject(answer.fail) : Promise.resolve(answer);
    if (i === answers.length - 1) getOrderStatus.mockImplementation(impl);
    else getOrderStatus.mockImplementationOnce(impl);
  });
  return { getOrderStatus };
}

async function renderCard(api: KebapApi, refreshMs = 0) {
  let result: ReturnType<typeof renderInTestApp> | undefined;
  // inside act: the first answer arrives while React expects updates
  await act(async () => {
    result = renderInTestApp(
      <EntityProvider entity={orderedEntity}>
        <OrderStatusCard refreshMs={refreshMs} />
      </EntityProvider>,
      {
        apis: [[kebapApiRef, api]],
        mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      },
    );
  });
  return result!;
}

async function responseError(
  status: number,
  statusText: string,
  message: string,
) {
  return ResponseError.fromResponse({
    ok: false,
    status,
    statusText,
    url: 'http://localhost:7007/api/kebap/status/resource/default/dev-alpha',
    type: 'basic',
    redirected: false,
    headers: new Headers({ 'content-type': 'application/json' }),
    text: async () =>
      JSON.stringify({
        error: { name: 'NotAllowedError', message },
        response: { statusCode: status },
      }),
  } as any);
}

function headline() {
  return screen.findByRole('status', { name: /^Order state:/ });
}

describe('OrderStatusCard', () => {
  it('asks for the status of the entity it is on', async () => {
    const api = fakeApi(pendingSyncStatus());
    await renderCard(api);
    await headline();
    expect(api.getOrderStatus).toHaveBeenCalledWith(
      { kind: 'Resource', namespace: 'default', name: 'dev-alpha' },
      expect.anything(),
    );
  });

  it('shows a loading bar until the status arrives', async () => {
    const api = fakeApi(new Promise<OrderStatus>(() => {}));
    await renderCard(api);
    expect(
      await screen.findByRole('progressbar', {
        name: 'Loading the order status',
      }),
    ).toBeInTheDocument();
    expect(screen.queryByRole('status', { name: /^Order state:/ })).toBeNull();
  });

  it('pending sync: explains that Argo CD applies the order when it syncs, shows the order', async () => {
    await renderCard(fakeApi(pendingSyncStatus()));
    const state = await headline();
    expect(state).toHaveAttribute('data-state', 'pending-sync');
    expect(within(state).getByText('Waiting for Argo CD')).toBeInTheDocument();
    expect(
      within(state).getByText('Committed to Git; not applied yet'),
    ).toBeInTheDocument();
    expect(
      within(state).getByText(/Argo CD applies it when it next syncs/),
    ).toBeInTheDocument();
    const order = screen.getByLabelText('Order');
    expect(within(order).getByText('team-payments')).toBeInTheDocument();
    expect(within(order).getByText('guest')).toBeInTheDocument();
    expect(within(order).getByText('dev-cluster')).toBeInTheDocument();
    expect(within(order).getByText(/expires in 5 days/)).toBeInTheDocument();
    expect(within(order).getByText(/2026-11-20 08:15 UTC/)).toBeInTheDocument();
    expect(
      screen.getByText(/From the GitOps orders repository/),
    ).toBeInTheDocument();
    // Argo CD has not seen the application yet: no health, no sync
    const app = screen.getByLabelText('Argo CD application');
    expect(within(app).getByText('argocd/vcluster-alpha')).toBeInTheDocument();
    expect(within(app).getAllByText('Not reported yet')).toHaveLength(2);
    // nothing is applied yet, so the dev cluster is not registered either
    expect(
      within(screen.getByLabelText('Argo CD registration')).getByText(
        /Not yet: no cluster Secret in Argo CD/,
      ),
    ).toBeInTheDocument();
  });

  it('ready vCluster: application health and sync, registration, links to Argo CD', async () => {
    await renderCard(fakeApi(readyVClusterStatus()));
    const state = await headline();
    expect(state).toHaveAttribute('data-state', 'ready');
    expect(within(state).getByText('Ready')).toBeInTheDocument();
    const app = screen.getByLabelText('Argo CD application');
    expect(within(app).getByText('Healthy')).toBeInTheDocument();
    expect(within(app).getByText('Synced')).toBeInTheDocument();
    expect(within(app).getByText('0123456')).toBeInTheDocument();
    expect(
      within(app).getByRole('link', { name: /Open the application/ }),
    ).toHaveAttribute(
      'href',
      'https://argocd.example.com/applications/argocd/vcluster-alpha',
    );
    const registration = screen.getByLabelText('Argo CD registration');
    expect(
      within(registration).getByText('Yes, as dev-alpha (env dev)'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /From the control-plane cluster, last change seen 3 minutes ago/,
      ),
    ).toBeInTheDocument();
  });

  it('vCluster not healthy yet: degraded, out of sync, not registered', async () => {
    const status = readyVClusterStatus();
    status.state = 'failed';
    status.summary = 'The vCluster application is degraded';
    status.application = {
      ...status.application!,
      health: 'Degraded',
      healthMessage: 'StatefulSet vc-alpha/alpha has 0 ready replicas',
      sync: 'OutOfSync',
    };
    status.registration = { exists: false };
    await renderCard(fakeApi(status));
    expect(await headline()).toHaveAttribute('data-state', 'failed');
    const app = screen.getByLabelText('Argo CD application');
    expect(within(app).getByText('Degraded')).toBeInTheDocument();
    expect(
      within(app).getByText('StatefulSet vc-alpha/alpha has 0 ready replicas'),
    ).toBeInTheDocument();
    expect(within(app).getByText(/OutOfSync/)).toBeInTheDocument();
    expect(
      within(screen.getByLabelText('Argo CD registration')).getByText(
        /Not yet: no cluster Secret in Argo CD/,
      ),
    ).toBeInTheDocument();
  });

  it('ready stack: last update, short commit, conditions in words, outputs, Pulumi Cloud link', async () => {
    await renderCard(fakeApi(stackStatus()));
    expect(await headline()).toHaveAttribute('data-state', 'ready');
    const stack = screen.getByLabelText('Pulumi stack');
    expect(
      within(stack).getByText('kebap/database/prod-orders-db'),
    ).toBeInTheDocument();
    expect(within(stack).getByText('succeeded')).toBeInTheDocument();
    expect(within(stack).getByText('fedcba9')).toBeInTheDocument();
    expect(within(stack).getByText(/2026-11-24 10:00 UTC/)).toBeInTheDocument();
    expect(
      within(stack).getByRole('link', { name: /Open the stack/ }),
    ).toHaveAttribute(
      'href',
      'https://app.pulumi.com/kebap/database/prod-orders-db',
    );
    expect(
      screen.getByText('Ready: the stack is up to date'),
    ).toBeInTheDocument();
    expect(screen.getByText('Not stalled')).toBeInTheDocument();
    expect(screen.getByText('orders-db.example:5432')).toBeInTheDocument();
    // no expiry: no "Extend lifetime", but decommissioning is offered
    expect(
      screen.queryByRole('button', { name: 'Extend lifetime' }),
    ).toBeNull();
    expect(
      screen.getByRole('button', { name: 'Decommission' }),
    ).toBeInTheDocument();
  });

  it('progressing: the stack is being updated', async () => {
    await renderCard(
      fakeApi(
        stackStatus(
          {
            lastUpdateState: 'none',
            lastSuccessfulCommit: undefined,
            conditions: [
              {
                type: 'Ready',
                status: 'False',
                reason: 'NotReady',
                summary: '',
              },
              {
                type: 'Reconciling',
                status: 'True',
                reason: 'StackProcessing',
                summary: '',
              },
            ],
            outputs: [],
          },
          'progressing',
        ),
      ),
    );
    const state = await headline();
    expect(state).toHaveAttribute('data-state', 'progressing');
    expect(within(state).getByText('In progress')).toBeInTheDocument();
    expect(screen.getByText('not run yet')).toBeInTheDocument();
    // the backend sent no sentence: the card has its own words
    expect(
      screen.getByText('Working: the operator is running an update'),
    ).toBeInTheDocument();
    expect(screen.getByText('Not ready yet')).toBeInTheDocument();
    expect(screen.getByText('No outputs yet.')).toBeInTheDocument();
  });

  it('failed: shows the failure message and the stalled condition with its reason', async () => {
    await renderCard(
      fakeApi(
        stackStatus(
          {
            lastUpdateState: 'failed',
            failureMessage:
              'error: creating RDS instance: InvalidParameterValue: bad instance class',
            conditions: [
              { type: 'Ready', status: 'False', summary: 'Not ready' },
              {
                type: 'Stalled',
                status: 'True',
                reason: 'UpdateFailed',
                message: 'the last update failed; fix the program',
                summary: 'Stalled: the stack cannot go on without a change',
              },
            ],
          },
          'failed',
        ),
      ),
    );
    const state = await headline();
    expect(state).toHaveAttribute('data-state', 'failed');
    expect(within(state).getByText('Failed')).toBeInTheDocument();
    expect(
      screen.getByRole('alert', { name: 'Failure message' }),
    ).toHaveTextContent(
      'error: creating RDS instance: InvalidParameterValue: bad instance class',
    );
    expect(
      screen.getByText('Stalled: the stack cannot go on without a change'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('UpdateFailed: the last update failed; fix the program'),
    ).toBeInTheDocument();
  });

  it('not found: says so and offers no actions', async () => {
    await renderCard(
      fakeApi({
        entityRef: 'resource:default/dev-alpha',
        state: 'not-found',
        summary: 'No such order',
        source: 'gitops',
      }),
    );
    const state = await headline();
    expect(state).toHaveAttribute('data-state', 'not-found');
    expect(within(state).getByText('Not found')).toBeInTheDocument();
    expect(
      within(state).getByText(/probably decommissioned/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Decommission' })).toBeNull();
  });

  it('unreachable: the cluster cannot be read', async () => {
    await renderCard(
      fakeApi({
        ...pendingSyncStatus(),
        state: 'unreachable',
        summary: 'The control-plane cluster does not answer',
        source: 'cluster',
      }),
    );
    const state = await headline();
    expect(state).toHaveAttribute('data-state', 'unreachable');
    expect(
      within(state).getByText('Cluster not reachable'),
    ).toBeInTheDocument();
    expect(
      within(state).getByText(/cannot read the control-plane cluster/),
    ).toBeInTheDocument();
    // unknown is unknown: the card claims no registration either way
    expect(screen.queryByLabelText('Argo CD registration')).toBeNull();
  });

  it('deleting: says the order is being decommissioned and what holds it', async () => {
    await renderCard(
      fakeApi({
        ...stackStatus({}, 'deleting'),
        summary:
          'Being decommissioned: Stack kebap-stacks/orders-db is held by finalizer.stack.pulumi.com while its cloud resources are destroyed; 2 objects wait for it',
      }),
    );
    const state = await headline();
    expect(state).toHaveAttribute('data-state', 'deleting');
    expect(within(state).getByText('Being decommissioned')).toBeInTheDocument();
    expect(
      within(state).getByText(/held by finalizer.stack.pulumi.com/),
    ).toBeInTheDocument();
  });

  it('masks secret outputs and never puts their value on the page, even when a faulty backend sends one', async () => {
    const { container } = await renderCard(
      fakeApi(
        stackStatus({
          outputs: [
            { name: 'host', secret: false, value: 'orders-db.example' },
            { name: 'password', secret: true, value: 'hunter2-leaked' },
            { name: 'connectionString', secret: true },
          ],
        }),
      ),
    );
    await headline();
    const outputs = screen.getByRole('table', { name: 'Outputs' });
    const rows = within(outputs).getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[0]).getByText('orders-db.example')).toBeInTheDocument();
    for (const row of rows.slice(1)) {
      expect(within(row).getByText('••••')).toBeInTheDocument();
      expect(within(row).getByText('secret')).toBeInTheDocument();
    }
    expect(container.innerHTML).not.toContain('hunter2-leaked');
    expect(document.body.innerHTML).not.toContain('hunter2-leaked');
  });

  it('dev cluster expiry: "expires in N days", Extend lifetime and Decommission prefilled with the order and its owner', async () => {
    await renderCard(fakeApi(readyVClusterStatus()));
    await headline();
    expect(screen.getByText(/expires in 5 days/)).toBeInTheDocument();
    const formData = encodeURIComponent(
      JSON.stringify({
        order: 'resource:default/dev-alpha',
        owner: 'group:default/team-payments',
      }),
    );
    expect(
      screen.getByRole('button', { name: 'Extend lifetime' }),
    ).toHaveAttribute(
      'href',
      `/create/templates/default/extend-dev-cluster?formData=${formData}`,
    );
    expect(
      screen.getByRole('button', { name: 'Decommission' }),
    ).toHaveAttribute(
      'href',
      `/create/templates/default/decommission?formData=${formData}`,
    );
  });

  it('an expired dev cluster says so', async () => {
    const status = pendingSyncStatus();
    status.order!.expiresAt = inDays(-2, -60 * 60 * 1000);
    await renderCard(fakeApi(status));
    await headline();
    expect(screen.getByText(/expired 2 days ago/)).toBeInTheDocument();
  });

  it('403: not allowed', async () => {
    await renderCard(
      fakeApi({ fail: await responseError(403, 'Forbidden', 'not the owner') }),
    );
    expect(
      await screen.findByText('Not allowed to see this order'),
    ).toBeInTheDocument();
    expect(screen.getByText(/not the owner/)).toBeInTheDocument();
    expect(screen.queryByRole('status', { name: /^Order state:/ })).toBeNull();
  });

  it('404: the status service does not know the entity', async () => {
    await renderCard(
      fakeApi({ fail: await responseError(404, 'Not Found', 'no entity') }),
    );
    expect(
      await screen.findByText('Status not available for this entity'),
    ).toBeInTheDocument();
  });

  it('backend down: cannot be reached', async () => {
    await renderCard(fakeApi({ fail: new TypeError('Failed to fetch') }));
    expect(
      await screen.findByText("The portal's backend cannot be reached"),
    ).toBeInTheDocument();
    expect(screen.getByText(/Failed to fetch/)).toBeInTheDocument();
  });

  it('refreshes by itself and follows the state', async () => {
    let resolveNext: (status: OrderStatus) => void = () => {};
    const next = new Promise<OrderStatus>(resolve => {
      resolveNext = resolve;
    });
    const api = fakeApi(stackStatus({}, 'progressing'), next);
    await renderCard(api, 50);
    expect(await headline()).toHaveAttribute('data-state', 'progressing');
    await waitFor(() => expect(api.getOrderStatus).toHaveBeenCalledTimes(2));
    resolveNext(stackStatus());
    await waitFor(async () =>
      expect(await headline()).toHaveAttribute('data-state', 'ready'),
    );
  });

  it('does not ask again while the browser tab is hidden', async () => {
    const visibility = jest
      .spyOn(document, 'visibilityState', 'get')
      .mockReturnValue('hidden');
    try {
      const api = fakeApi(stackStatus());
      await renderCard(api, 20);
      await headline();
      await act(() => new Promise(resolve => setTimeout(resolve, 150)));
      expect(api.getOrderStatus).toHaveBeenCalledTimes(1);
      visibility.mockReturnValue('visible');
      await waitFor(() =>
        expect(api.getOrderStatus.mock.calls.length).toBeGreaterThan(1),
      );
    } finally {
      visibility.mockRestore();
    }
  });

  it('keeps the last status when a refresh fails, and says so', async () => {
    const api = fakeApi(stackStatus(), {
      fail: new TypeError('Failed to fetch'),
    });
    await renderCard(api, 50);
    expect(await headline()).toHaveAttribute('data-state', 'ready');
    expect(
      await screen.findByText(
        /cannot be reached; showing the last status received/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('status', { name: /^Order state:/ }),
    ).toHaveAttribute('data-state', 'ready');
  });
});
