import { isOwnedBy, KEBAP_LABELS } from '@internal/plugin-kebap-common';
import { KebapSettings } from '../KebapSettings';
import { KubernetesClient } from '@internal/plugin-kebap-node';
import { GitopsDelivery, MayOverwrite } from './GitopsDelivery';
import { KubernetesDelivery } from './KubernetesDelivery';
import { RemoteGitopsDelivery } from './RemoteGitopsDelivery';
import { ScmIntegrationRegistry } from '@backstage/integration';
import { OrderDelivery, refOf } from './OrderDelivery';

/** The ownership rule shared by both delivery modes. */
export const mayOverwriteOrder: MayOverwrite = (existing, order) => {
  const owned = isOwnedBy(existing.metadata, {
    orderName: order.name,
    ownerRef: order.ownerRef,
  });
  if (owned !== true) return owned;
  // the same object written by an order of another kind (a database named
  // like a prod cluster): never replace it
  const replacement = order.objects?.find(o => refOf(o) === refOf(existing));
  const was = existing.metadata.labels?.[KEBAP_LABELS.kind];
  const now = replacement?.metadata.labels?.[KEBAP_LABELS.kind];
  if (replacement && was && now !== was) {
    return `belongs to the ${was} order ${order.name}, not a ${now} order (choose another name)`;
  }
  return true;
};

/** The delivery that `kebap.delivery.mode` selects. */
export function createOrderDelivery(options: {
  settings: KebapSettings;
  /** for the SCM integration credentials of a remote orders repository */
  integrations?: ScmIntegrationRegistry;
  /** the control-plane cluster; required in kubernetes delivery */
  client?: KubernetesClient;
}): OrderDelivery {
  const { settings } = options;
  const remote = settings.delivery.gitopsRemote;
  if (settings.delivery.mode === 'gitops' && remote) {
    const integration = options.integrations?.byUrl(remote.url);
    // GitHub, GitLab, Gitea and most hosts' integrations carry a token
    const token = (integration as { config?: { token?: string } } | undefined)
      ?.config?.token;
    return new RemoteGitopsDelivery({
      url: remote.url,
      branch: remote.branch,
      clonePath: settings.delivery.gitopsRepoPath,
      token,
      mayOverwrite: mayOverwriteOrder,
    });
  }
  if (settings.delivery.mode === 'gitops') {
    return new GitopsDelivery({
      repoPath: settings.delivery.gitopsRepoPath,
      mayOverwrite: mayOverwriteOrder,
    });
  }
  if (!options.client) {
    throw new Error(
      'kebap.delivery.mode kubernetes needs a cluster: set kebap.kubernetes.*',
    );
  }
  return new KubernetesDelivery({
    client: options.client,
    mayOverwrite: mayOverwriteOrder,
    removalWaitMs: settings.delivery.removalWaitMs,
  });
}
