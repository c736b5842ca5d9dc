import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { kebapApiRef } from './api/KebapApi';
import { KebapClient } from './api/KebapClient';
import { kebapOrderFilter } from './isKebapOrder';

/** The client of the kebap backend's status route. */
export const kebapApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: kebapApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new KebapClient({ discoveryApi, fetchApi }),
    }),
});

/** The "Order status" card on the overview of ordered entities. */
export const orderStatusCard = EntityCardBlueprint.make({
  name: 'order-status',
  params: {
    type: 'content',
    filter: kebapOrderFilter,
    loader: () =>
      import('./components/OrderStatusCard').then(m => <m.OrderStatusCard />),
  },
});

/** The "Status" tab of ordered entities. */
export const orderStatusContent = EntityContentBlueprint.make({
  name: 'order-status',
  params: {
    path: 'kebap-status',
    title: 'Status',
    filter: kebapOrderFilter,
    loader: () =>
      import('./components/OrderStatusContent').then(m => (
        <m.OrderStatusContent />
      )),
  },
});

/**
 * The KEBAP frontend plugin (new frontend system): the status of ordered
 * resources on their entity pages.
 *
 * @public
 */
export const kebapPlugin = createFrontendPlugin({
  pluginId: 'kebap',
  title: 'KEBAP',
  info: { packageJson: () => import('../package.json') },
  extensions: [kebapApi, orderStatusCard, orderStatusContent],
});
