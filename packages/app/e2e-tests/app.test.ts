import fs from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import yaml from 'yaml';

const repoRoot = path.resolve(__dirname, '../../..');
const screenshots = path.join(repoRoot, 'test-results/screenshots');

/** The titles of every template in templates/, as the catalog registers them. */
function templateTitles(): string[] {
  const dir = path.join(repoRoot, 'templates');
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter(e => e.isDirectory())
    .map(e => path.join(dir, e.name, 'template.yaml'))
    .filter(f => fs.existsSync(f))
    .map(f => yaml.parse(fs.readFileSync(f, 'utf8')).metadata.title as string);
}

test('a guest signs in and finds every template of templates/ on the Create page', async ({
  page,
}) => {
  const titles = templateTitles();
  expect(titles.length).toBeGreaterThan(0);

  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  // signed in: the catalog (our landing page) shows the organisation's name
  await expect(
    page.getByRole('heading', { name: 'KEBAP Catalog' }),
  ).toBeVisible();

  await page.goto('/create');
  for (const title of titles) {
    // the catalog ingests templates/ at start-up; allow it a moment
    await expect(page.getByText(title, { exact: true }).first()).toBeVisible({
      timeout: 60_000,
    });
  }
  await page.screenshot({
    path: path.join(screenshots, 'create-page.png'),
    fullPage: true,
  });
});
