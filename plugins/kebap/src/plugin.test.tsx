import { screen } from '@testing-library/react';
import type { Entity } from '@backstage/catalog-model';
import {
  ApiBlueprint,
  coreExtensionData,
} from '@backstage/frontend-plugin-api';
import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import kebapPlugin from './index';
import { kebapApiRef } from './api/KebapApi';
import { isKebapOrder } from './isKebapOrder';
import { kebapApi, orderStatusCard, orderStatusContent } from './plugin';
import { orderedEntity, pendingSyncStatus } from './components/testStatuses';

const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'web', annotations: { 'kebap.io/order': 'alpha' } },
  spec: { type: 'service', owner: 'team-payments', lifecycle: 'production' },
};
const plainResource: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name: 'legacy-db' },
  spec: { type: 'database', owner: 'team-payments' },
};

describe('kebap plugin', () => {
  it('is the package default export with the client, the card and the tab', () => {
    expect(kebapPlugin.pluginId).toBe('kebap');
    expect(kebapPlugin.getExtension('api:kebap')).toBeDefined();
    expect(
      kebapPlugin.getExtension('entity-card:kebap/order-status'),
    ).toBeDefined();
    expect(
      kebapPlugin.getExtension('entity-content:kebap/order-status'),
    ).toBeDefined();
  });

  it('provides the kebap client through the API extension', () => {
    const factory = createExtensionTester(kebapApi).get(
      ApiBlueprint.dataRefs.factory,
    );
    expect(factory.api.id).toBe(kebapApiRef.id);
    expect(Object.keys(factory.deps).sort()).toEqual([
      'discoveryApi',
      'fetchApi',
    ]);
  });

  it('shows the card only on Resource entities the portal ordered', () => {
    const filter = createExtensionTester(orderStatusCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    );
    expect(filter).toBeDefined();
    expect(filter!(orderedEntity)).toBe(true);
    expect(filter!(component)).toBe(false);
    expect(filter!(plainResource)).toBe(false);
    // the same decision as the exported helper
    for (const e of [orderedEntity, component, plainResource]) {
      expect(filter!(e)).toBe(isKebapOrder(e));
    }
  });

  it('adds a "Status" tab at kebap-status on the same entities', () => {
    const tester = createExtensionTester(orderStatusContent);
    expect(tester.get(coreExtensionData.routePath)).toBe('kebap-status');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Status');
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction);
    expect(filter!(orderedEntity)).toBe(true);
    expect(filter!(component)).toBe(false);
    expect(filter!(plainResource)).toBe(false);
  });

  it('the card extension renders the card for the entity', async () => {
    const api = {
      getOrderStatus: jest.fn().mockResolvedValue(pendingSyncStatus()),
    };
    const tester = createExtensionTester(orderStatusCard, {
      apis: [[kebapApiRef, api]],
    });
    await renderInTestApp(
      <EntityProvider entity={orderedEntity}>
        {tester.reactElement()}
      </EntityProvider>,
      {
        apis: [[kebapApiRef, api]],
        mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      },
    );
    expect(
      // the whole app renders first: more than findBy's 1 s on a busy machine
      await screen.findByRole(
        'region',
        { name: 'Order status' },
        { timeout: 15_000 },
      ),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('Waiting for Argo CD', {}, { timeout: 15_000 }),
    ).toBeInTheDocument();
  }, 30_000);
});
