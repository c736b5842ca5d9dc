import fs from 'node:fs';
import path from 'node:path';
import { test, expect, Page } from '@playwright/test';
import { pickOwner, screenshots, signIn } from './portal';

/**
 * The status of an order where people look: on the embedded defaults (gitops
 * delivery, no cluster) a freshly ordered dev cluster's entity page shows the
 * "Order status" card in the pending-sync state, with its owner and expiry,
 * and a "Status" tab; its Extend lifetime and Decommission buttons open their
 * templates prefilled with the order.
 */

const name = 'e2e-status';
const entityPath = `/catalog/default/resource/dev-${name}`;

async function orderDevCluster(page: Page) {
  await page.goto('/create/templates/default/dev-cluster');
  await expect(page.getByText('Order a dev cluster').first()).toBeVisible();
  await page.getByLabel('Name').fill(name);
  await pickOwner(page, 'Payments');
  await page.getByLabel('Purpose').fill('Browser test of the status card');
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(
    page.getByText(
      new RegExp(`Dev cluster ${name} ordered by gitops delivery`),
    ),
  ).toBeVisible({ timeout: 60_000 });
}

test('an ordered dev cluster shows its status on the entity page and in the Status tab', async ({
  page,
}) => {
  await signIn(page);
  await orderDevCluster(page);

  // the entity appears by itself (catalog module), then the card asks the
  // status route: the order is committed, Argo CD has not applied it yet
  await expect(async () => {
    await page.goto(entityPath);
    await expect(page.getByText('Order status').first()).toBeVisible({
      timeout: 3_000,
    });
  }).toPass({ timeout: 60_000 });

  const state = page.getByRole('status', { name: /^Order state:/ });
  await expect(state).toHaveAttribute('data-state', 'pending-sync');
  await expect(state.getByText('Waiting for Argo CD')).toBeVisible();
  await expect(
    state.getByText(/Argo CD applies it when it next syncs/),
  ).toBeVisible();

  const order = page.getByLabel('Order', { exact: true });
  await expect(order.getByText('team-payments')).toBeVisible();
  await expect(order.getByText(/expires in \d+ days?/)).toBeVisible();
  await expect(order.getByText('dev-cluster')).toBeVisible();
  await expect(
    page.getByText(/From the GitOps orders repository/),
  ).toBeVisible();
  await expect(
    page.getByRole('button', { name: 'Extend lifetime' }),
  ).toHaveAttribute(
    'href',
    `/create/templates/default/extend-dev-cluster?formData=${encodeURIComponent(
      JSON.stringify({
        order: `resource:default/dev-${name}`,
        owner: 'group:default/team-payments',
      }),
    )}`,
  );
  fs.mkdirSync(screenshots, { recursive: true });
  await page.getByRole('region', { name: 'Order status' }).screenshot({
    path: path.join(screenshots, 'dev-cluster-status-card.png'),
  });
  // cosmetic only: let the relations graph draw before the full-page picture
  await page
    .getByText('ownerOf')
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => undefined);
  // the card's picture scrolled the page: back to the top for the whole page
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({
    path: path.join(screenshots, 'dev-cluster-status.png'),
    fullPage: true,
  });

  // the Kubernetes tab is offered too (backstage.io/kubernetes-id); with no
  // cluster configured it has nothing to list, but it opens
  await page.getByRole('link', { name: 'Kubernetes', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${entityPath}/kubernetes$`));
  await expect(page.getByText('Your Clusters')).toBeVisible();
  await page.waitForLoadState('networkidle');
  await page.screenshot({
    path: path.join(screenshots, 'dev-cluster-kubernetes-tab.png'),
    fullPage: true,
  });

  // the Status tab: the same headline and the order as recorded
  await page.getByRole('link', { name: 'Status', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${entityPath}/kebap-status$`));
  await expect(
    page.getByRole('status', { name: /^Order state:/ }),
  ).toHaveAttribute('data-state', 'pending-sync');
  await expect(page.getByText('As recorded')).toBeVisible();
  await expect(
    page.getByLabel('Order', { exact: true }).getByText(name, { exact: true }),
  ).toBeVisible();
  await page.screenshot({
    path: path.join(screenshots, 'dev-cluster-status-tab.png'),
    fullPage: true,
  });

  // Extend lifetime from the card: the template opens with the order filled in
  await page.goto(entityPath);
  await page.getByRole('button', { name: 'Extend lifetime' }).click();
  await expect(page).toHaveURL(
    /\/create\/templates\/default\/extend-dev-cluster/,
  );
  await expect(
    page.getByRole('textbox', { name: 'Dev cluster', exact: true }),
  ).toHaveValue(new RegExp(name));

  // Decommission from the card: the same, and it goes through
  await page.goto(entityPath);
  await page.getByRole('button', { name: 'Decommission' }).click();
  await expect(page).toHaveURL(/\/create\/templates\/default\/decommission/);
  await expect(
    page.getByRole('textbox', { name: 'Order', exact: true }),
  ).toHaveValue(new RegExp(name));
  await pickOwner(page, 'Payments');
  await page.getByLabel("Type the order's name to confirm").fill(name);
  await page.screenshot({
    path: path.join(screenshots, 'decommission-form.png'),
    fullPage: true,
  });
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(
    page.getByText(
      new RegExp(`Removed: .*argoproj.io/v1alpha1/Application/argocd/vcluster-${name}`),
    ),
  ).toBeVisible({ timeout: 60_000 });
});
