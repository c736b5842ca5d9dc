import path from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Browser tests in Debian's Chromium (never `playwright install`). The
 * backend serves the built frontend (run `yarn build:all` first; the test
 * script does) on the embedded defaults, with a fresh data directory.
 */
const dataDir = path.resolve(__dirname, 'test-results/e2e-data');
const port = 7017;

export default defineConfig({
  testDir: 'packages/app/e2e-tests',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'e2e-test-report' }],
  ],
  outputDir: 'test-results/playwright',
  webServer: {
    command:
      'yarn workspace backend start --config ../../app-config.yaml --config ../../e2e/app-config.e2e.yaml',
    url: `http://localhost:${port}/.backstage/health/v1/readiness`,
    env: { KEBAP_DATA_DIR: dataDir },
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
  },
  use: {
    baseURL: `http://localhost:${port}`,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.KEBAP_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
});
