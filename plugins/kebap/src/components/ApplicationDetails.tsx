import {
  Link,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StatusWarning,
} from '@backstage/core-components';
import type {
  ApplicationStatus,
  OrderStatus,
  RegistrationStatus,
} from '@internal/plugin-kebap-common';
import { FactList } from './FactList';
import { shortCommit } from './format';

/** What a field Argo CD has not reported yet shows. */
const NOT_REPORTED = 'Not reported yet';

function Health(props: { health?: string }) {
  const health = props.health;
  if (!health) return <StatusPending>{NOT_REPORTED}</StatusPending>;
  switch (health) {
    case 'Healthy':
      return <StatusOK>Healthy</StatusOK>;
    case 'Progressing':
      return <StatusRunning>Progressing</StatusRunning>;
    case 'Degraded':
      return <StatusError>Degraded</StatusError>;
    case 'Suspended':
    case 'Missing':
      return <StatusWarning>{health}</StatusWarning>;
    default:
      return <StatusPending>{health}</StatusPending>;
  }
}

function Sync(props: { sync?: string }) {
  const sync = props.sync;
  if (!sync) return <StatusPending>{NOT_REPORTED}</StatusPending>;
  if (sync === 'Synced') return <StatusOK>Synced</StatusOK>;
  if (sync === 'OutOfSync')
    return <StatusWarning>OutOfSync (Git and cluster differ)</StatusWarning>;
  return <StatusPending>{sync}</StatusPending>;
}

/** The Argo CD Application that installs a vCluster: health, sync, link. */
export function ApplicationDetails(props: {
  application: ApplicationStatus;
  full?: boolean;
}) {
  const { application, full } = props;
  return (
    <FactList
      aria-label="Argo CD application"
      facts={[
        ['Application', `${application.namespace}/${application.name}`],
        ['Health', <Health health={application.health} />],
        ['Health message', application.healthMessage],
        ['Sync', <Sync sync={application.sync} />],
        [
          'Revision',
          application.revision ? (
            <span title={application.revision}>
              {full ? application.revision : shortCommit(application.revision)}
            </span>
          ) : undefined,
        ],
        [
          'Argo CD',
          application.url ? (
            <Link to={application.url}>Open the application</Link>
          ) : undefined,
        ],
      ]}
    />
  );
}

/** Whether the cluster is registered in Argo CD (its cluster Secret). */
export function RegistrationDetails(props: {
  registration: RegistrationStatus;
  full?: boolean;
}) {
  const { registration, full } = props;
  return (
    <FactList
      aria-label="Argo CD registration"
      facts={[
        [
          'Registered in Argo CD',
          registration.exists ? (
            <StatusOK>
              {`Yes, as ${
                registration.clusterName ?? registration.name ?? 'a cluster'
              }${registration.env ? ` (env ${registration.env})` : ''}`}
            </StatusOK>
          ) : (
            <StatusPending>Not yet: no cluster Secret in Argo CD</StatusPending>
          ),
        ],
        ['Cluster Secret', full ? registration.name : undefined],
        ['API server', full ? registration.server : undefined],
      ]}
    />
  );
}

/**
 * The registration to show: the backend's, or for a dev cluster whose order
 * is not applied yet (pending sync) "not registered", which is what it is.
 */
export function registrationOf(
  status: OrderStatus,
): RegistrationStatus | undefined {
  if (status.registration) return status.registration;
  if (status.state === 'pending-sync' && status.order?.kind === 'vcluster') {
    return { exists: false };
  }
  return undefined;
}
