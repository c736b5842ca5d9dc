/*
 * The KEBAP portal's backend (Backstage new backend system).
 *
 * Embedded defaults (app-config.yaml): SQLite under data/, guest sign-in, no
 * cluster. Production (app-config.production.yaml): PostgreSQL, in-cluster
 * Kubernetes, the built frontend served by the app backend.
 */
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// auth: guest sign-in on the embedded defaults
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));

// events: catalog and signals subscribe to it
backend.add(import('@backstage/plugin-events-backend'));

// catalog
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// ordered resources appear in the catalog by themselves
backend.add(import('@internal/plugin-catalog-backend-module-kebap'));

// scaffolder, with the KEBAP ordering actions and pulumi:new / pulumi:up
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);
backend.add(import('@internal/plugin-scaffolder-backend-module-kebap'));
// publish:github, for the prod-cluster-git template (a GitHub integration token
// in integrations.github; without one the step fails with the integration's message)
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
// order status for the entity cards: /api/kebap/status/:kind/:namespace/:name
backend.add(import('@internal/plugin-kebap-backend'));

// permissions
backend.add(import('@backstage/plugin-permission-backend'));
// who may order what: plugins/permission-backend-module-kebap
backend.add(import('@internal/plugin-permission-backend-module-kebap'));

// search: the PostgreSQL engine when the database is PostgreSQL, Lunr otherwise
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-pg'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

// kubernetes (the control-plane cluster and registered clusters)
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings, notifications and signals
backend.add(import('@backstage/plugin-user-settings-backend'));
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.start();
