import path from 'node:path';
import { test, expect, Page } from '@playwright/test';
import { pickOwner, screenshots, signIn } from './portal';

/** The select (Material UI v4: a button with a listbox) labelled `label`. */
function select(page: Page, label: string) {
  return page.getByRole('button', { name: new RegExp(`^${label}\\b`) });
}

/** Picks an option of the select labelled `label`. */
async function choose(page: Page, label: string, option: string | RegExp) {
  await select(page, label).click();
  await page.getByRole('option', { name: option }).click();
}

test('the prod-cluster form: regions and node sizes follow the cloud', async ({
  page,
}) => {
  await signIn(page);
  await page.goto('/create/templates/default/prod-cluster');
  await expect(page.getByText('Order a prod cluster').first()).toBeVisible();
  await page.getByLabel(/^Name\b/).fill('e2e-payments');
  await pickOwner(page, 'Payments');

  // AWS first (the default): AWS regions and EC2 instance types
  await expect(select(page, 'Region')).toContainText('eu-central-1');
  await choose(page, 'Cloud', 'Google GKE');
  await expect(select(page, 'Region')).toContainText('europe-west3');
  await choose(page, 'Node size', /n2-standard-8/);
  await expect(select(page, 'Node size')).toContainText('n2-standard-8');
  await page.getByLabel('Purpose').fill('Payments production');
  await page.screenshot({
    path: path.join(screenshots, 'prod-cluster-form.png'),
    fullPage: true,
  });

  // the form refuses a bad name before anything runs
  await page.getByLabel(/^Name\b/).fill('Bad_Name');
  await page.getByRole('button', { name: 'Review' }).click();
  await expect(page.getByText(/must match pattern/i).first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create' })).toHaveCount(0);
});

test('orders a database through the form; it appears in the catalog', async ({
  page,
}) => {
  await signIn(page);
  await page.goto('/create/templates/default/database');
  await expect(page.getByText('Order a database').first()).toBeVisible();
  await page.getByLabel(/^Name\b/).fill('e2e-ledger');
  await pickOwner(page, 'Payments');
  await page
    .getByLabel('Namespace for the connection Secret')
    .fill('team-payments');
  await choose(page, 'Where', 'Google Cloud SQL');
  await expect(select(page, 'Size')).toContainText(/2 vCPU/);
  await page.getByLabel('Purpose').fill('Browser test order');
  await page.screenshot({
    path: path.join(screenshots, 'database-form.png'),
    fullPage: true,
  });

  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(
    page.getByText(
      /Database e2e-ledger \(PostgreSQL 16, gcp europe-west3\) ordered/,
    ),
  ).toBeVisible({ timeout: 60_000 });
  await page.screenshot({
    path: path.join(screenshots, 'database-ordered.png'),
    fullPage: true,
  });

  // the order appears in the catalog by itself (the orders entity provider)
  await expect(async () => {
    await page.goto('/catalog/default/resource/prod-e2e-ledger');
    await expect(
      page.getByText('e2e-ledger (prod database)').first(),
    ).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByText('Browser test order').first()).toBeVisible();
  await page.screenshot({
    path: path.join(screenshots, 'database-entity.png'),
    fullPage: true,
  });

  // its status where people look: committed, waiting for Argo CD, with the
  // order's owner; a database does not expire, so it can only be decommissioned
  const card = page.getByRole('region', { name: 'Order status' });
  await expect(
    card.getByRole('status', { name: /^Order state:/ }),
  ).toHaveAttribute('data-state', 'pending-sync');
  await expect(card.getByText('Waiting for Argo CD')).toBeVisible();
  await expect(card.getByText('team-payments')).toBeVisible();
  await expect(card.getByRole('button', { name: 'Decommission' })).toBeVisible();
  await expect(
    card.getByRole('button', { name: 'Extend lifetime' }),
  ).toHaveCount(0);
  await card.screenshot({
    path: path.join(screenshots, 'database-status-card.png'),
  });
});
