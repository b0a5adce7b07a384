import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './test/chromium';
import { ensureCameraFixture } from './test/fixtures/camera-fixture';
import { ensureSubjectsFixture } from './test/fixtures/subjects-fixture';

/**
 * Browser tests run in the system Chromium (Playwright cannot download its own browsers here), with
 * the fake camera fed from the generated person clip. CHROMIUM_PATH overrides the binary. The
 * multi-class test runs with its own camera (a person and a dog), hence two projects: Chromium
 * takes its fake camera file at launch.
 */
const fixture = ensureCameraFixture();
const subjects = ensureSubjectsFixture();
const SUBJECTS_SPEC = /subjects\.spec\.ts$/;
const port = Number(process.env.TEST_PORT ?? 5199);

export default defineConfig({
  testDir: 'test/browser',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  // Two cores and software GL: tests measure frame rates, so they must not compete with each other.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: { baseURL: `http://localhost:${port}` },
  projects: [
    {
      name: 'person camera',
      testIgnore: SUBJECTS_SPEC,
      use: { launchOptions: chromiumLaunchOptions(fixture.path) },
    },
    {
      name: 'person and dog camera',
      testMatch: SUBJECTS_SPEC,
      use: { launchOptions: chromiumLaunchOptions(subjects.path) },
    },
  ],
  webServer: {
    // The README's own dev command, so the tests prove `npm run dev` serves the library.
    command: `npm run dev -- --port ${port} --strictPort`,
    url: `http://localhost:${port}/`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
