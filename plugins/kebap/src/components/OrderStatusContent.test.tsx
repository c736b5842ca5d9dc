import { act, screen, within } from '@testing-library/react';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import type { OrderStatus } from '@internal/plugin-kebap-common';
import { kebapApiRef } from '../api/KebapApi';
import { OrderStatusContent } from './OrderStatusContent';
import {
  orderedEntity,
  readyVClusterStatus,
  stackStatus,
} from './testStatuses';

async function renderTab(status: OrderStatus) {
  const api = { getOrderStatus: jest.fn().mockResolvedValue(status) };
  // inside act: the status arrives while React expects updates
  await act(async () => {
    renderInTestApp(
      <EntityProvider entity={orderedEntity}>
        <OrderStatusContent refreshMs={0} />
      </EntityProvider>,
      {
        apis: [[kebapApiRef, api]],
        mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      },
    );
  });
}

describe('OrderStatusContent', () => {
  it('shows every condition with reason, message and time, and every output', async () => {
    const outputs = Array.from({ length: 7 }, (_, i) => ({
      name: `output${i}`,
      secret: false,
      value: `value-${i}`,
    }));
    await renderTab(
      stackStatus({
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'ProcessingCompleted',
            message: 'the last update succeeded',
            lastTransitionTime: '2026-11-24T10:00:00Z',
            summary: 'Ready: the stack is up to date',
          },
          {
            type: 'Synchronized',
            status: 'True',
            summary: 'Synchronized: the program is the committed one',
          },
        ],
        outputs: [
          ...outputs,
          { name: 'token', secret: true, value: 'leak-me' },
        ],
      }),
    );
    expect(
      await screen.findByText('Ready: the stack is up to date'),
    ).toBeInTheDocument();
    // the card shows only Ready/Reconciling/Stalled; the tab shows all
    expect(
      screen.getByText('Synchronized: the program is the committed one'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('ProcessingCompleted: the last update succeeded'),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        /Ready=True \(ProcessingCompleted\), since .*2026-11-24 10:00 UTC/,
      ),
    ).toBeInTheDocument();
    const rows = within(
      screen.getByRole('table', { name: 'Outputs' }),
    ).getAllByRole('row');
    expect(rows).toHaveLength(8);
    expect(screen.getByText('value-6')).toBeInTheDocument();
    expect(screen.queryByText(/more on the Status tab/)).toBeNull();
    expect(document.body.innerHTML).not.toContain('leak-me');
  });

  it('the card lists five outputs and points to the tab for the rest', async () => {
    const { OrderStatusCard } = await import('./OrderStatusCard');
    const api = {
      getOrderStatus: jest.fn().mockResolvedValue(
        stackStatus({
          outputs: Array.from({ length: 7 }, (_, i) => ({
            name: `output${i}`,
            secret: false,
            value: `value-${i}`,
          })),
        }),
      ),
    };
    await act(async () => {
      renderInTestApp(
        <EntityProvider entity={orderedEntity}>
          <OrderStatusCard refreshMs={0} />
        </EntityProvider>,
        {
          apis: [[kebapApiRef, api]],
          mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
        },
      );
    });
    expect(
      await screen.findByText('and 2 more on the Status tab'),
    ).toBeInTheDocument();
    expect(screen.queryByText('value-6')).toBeNull();
  });

  it('shows the order as recorded, the task, the registration details and the application', async () => {
    await renderTab(readyVClusterStatus());
    const order = await screen.findByLabelText('Order');
    expect(within(order).getByText('alpha')).toBeInTheDocument();
    expect(
      within(order).getByRole('link', { name: 'task-123' }),
    ).toHaveAttribute('href', '/create/tasks/task-123');
    expect(screen.getByText('As recorded')).toBeInTheDocument();
    expect(document.body.textContent).toContain(
      '"template": "template:default/dev-cluster"',
    );
    const registration = screen.getByLabelText('Argo CD registration');
    expect(
      within(registration).getByText('cluster-dev-alpha'),
    ).toBeInTheDocument();
    expect(
      within(registration).getByText('https://alpha.vc-alpha:443'),
    ).toBeInTheDocument();
    const app = screen.getByLabelText('Argo CD application');
    expect(
      within(app).getByText('0123456789abcdef0123456789abcdef01234567'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Extend lifetime' }),
    ).toBeInTheDocument();
  });
});
