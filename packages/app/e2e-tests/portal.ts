import path from 'node:path';
import { expect, Page } from '@playwright/test';

/** Where the browser tests keep their screenshots (git-ignored). */
export const screenshots = path.join(
  path.resolve(__dirname, '../../..'),
  'test-results/screenshots',
);

/** Signs in as the guest of the embedded defaults and waits for the catalog. */
export async function signIn(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(
    page.getByRole('heading', { name: 'KEBAP Catalog' }),
  ).toBeVisible();
}

/** Picks a group in the form's OwnerPicker by its title. */
export async function pickOwner(page: Page, title: string) {
  await page.getByRole('textbox', { name: 'Owner' }).click();
  await page.getByRole('option', { name: title, exact: true }).click();
}
