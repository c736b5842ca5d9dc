import path from 'node:path';
import { test, expect, Page } from '@playwright/test';
import { pickOwner, screenshots, signIn } from './portal';

async function openDevClusterForm(page: Page) {
  await page.goto('/create/templates/default/dev-cluster');
  await expect(page.getByText('Order a dev cluster').first()).toBeVisible();
}

test('orders a dev cluster through the form, finds it in the catalog, then decommissions it', async ({
  page,
}) => {
  await signIn(page);
  await openDevClusterForm(page);
  await page.getByLabel('Name').fill('e2e-alpha');
  await pickOwner(page, 'Payments');
  await page.getByLabel('Purpose').fill('Browser test order');
  await page.screenshot({
    path: path.join(screenshots, 'dev-cluster-form.png'),
    fullPage: true,
  });

  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  await expect(
    page.getByText('Register it in Argo CD as a dev cluster'),
  ).toBeVisible();
  await expect(
    page.getByText(/Dev cluster e2e-alpha ordered by gitops delivery/),
  ).toBeVisible({
    timeout: 60_000,
  });
  await page.screenshot({
    path: path.join(screenshots, 'dev-cluster-ordered.png'),
    fullPage: true,
  });

  // the order appears in the catalog by itself (the orders entity provider)
  await expect(async () => {
    await page.goto('/catalog/default/resource/dev-e2e-alpha');
    await expect(
      page.getByText('e2e-alpha (dev vCluster)').first(),
    ).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByText('kubernetes-cluster').first()).toBeVisible();
  await page.screenshot({
    path: path.join(screenshots, 'dev-cluster-entity.png'),
    fullPage: true,
  });

  // decommission it: type the name to confirm; the entity disappears
  await page.goto('/create/templates/default/decommission');
  await page.getByRole('textbox', { name: 'Order', exact: true }).click();
  await page
    .getByRole('option', { name: /e2e-alpha/ })
    .first()
    .click();
  await pickOwner(page, 'Payments');
  await page.getByLabel("Type the order's name to confirm").fill('e2e-alpha');
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(
    page.getByText(
      /Removed: .*argoproj.io\/v1alpha1\/Application\/argocd\/vcluster-e2e-alpha/,
    ),
  ).toBeVisible({ timeout: 60_000 });
  await page.screenshot({
    path: path.join(screenshots, 'decommissioned.png'),
    fullPage: true,
  });
  await expect(async () => {
    await page.goto('/catalog/default/resource/dev-e2e-alpha');
    await expect(page.getByText('Entity not found').first()).toBeVisible({
      timeout: 3_000,
    });
  }).toPass({ timeout: 60_000 });
});

test('the form refuses a bad cluster name', async ({ page }) => {
  await signIn(page);
  await openDevClusterForm(page);
  await page.getByLabel('Name').fill('Bad_Name');
  await pickOwner(page, 'Payments');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByText(/must match pattern/i).first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create' })).toHaveCount(0);
  await page.screenshot({
    path: path.join(screenshots, 'dev-cluster-bad-name.png'),
    fullPage: true,
  });
});
