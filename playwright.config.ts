import { defineConfig } from '@playwright/test';
import { ensureCameraFixture } from './test/fixtures/camera-fixture';

/**
 * Browser tests run in the system Chromium (Playwright cannot download its own browsers here), with
 * the fake camera fed from the generated person clip. CHROMIUM_PATH overrides the binary.
 */
const fixture = ensureCameraFixture();
const port = Number(process.env.TEST_PORT ?? 5199);

export default defineConfig({
  testDir: 'test/browser',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  // Two cores and software GL: tests measure frame rates, so they must not compete with each other.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${fixture.path}`,
        '--autoplay-policy=no-user-gesture-required',
        '--js-flags=--expose-gc',
      ],
    },
  },
  webServer: {
    command: `npx vite --port ${port} --strictPort`,
    url: `http://localhost:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
