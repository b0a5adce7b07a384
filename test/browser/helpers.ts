import type { Page } from '@playwright/test';
import { ensureCameraFixture } from '../fixtures/camera-fixture';
import type * as Harness from './page/harness';

/**
 * Tests that `npm test` leaves to `npm run test:extended` (which `.ci/run` runs after it): slow
 * here (software GL and WebGPU on SwiftShader) and covered in part by faster tests in the suite,
 * so the suite a developer runs stays well under 15 minutes on a 2-core machine.
 */
export const EXTENDED = { tag: '@extended' } as const;

export const fixture = ensureCameraFixture();
export const regions = fixture.regions;
export const personRegions = regions.filter((r) => r.label === 'person');
export const backgroundRegions = regions.filter((r) => r.label === 'background');

export type HarnessModule = typeof Harness;

/** Opens the dev server's page and collects console output (worker logs included) for diagnostics. */
export async function openPage(page: Page): Promise<string[]> {
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  await page.goto('/test/browser/page/index.html');
  return logs;
}

export function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

export function min(values: number[]): number {
  return values.length ? Math.min(...values) : Number.NaN;
}

/**
 * Whether the page's main thread stayed free of per-frame work: no long task over 200 ms and at
 * most one per 100 output frames. None at all is what a quiet machine shows; with other work
 * running the scheduler can stretch one short task past 50 ms (a 57 ms one was seen), while a
 * processor working on the main thread shows one or more per frame (livekit: about 1.5 s of long
 * tasks per second in the bench).
 */
export function mainThreadFree(longTasks: number[], framesOut: number): boolean {
  return longTasks.every((ms) => ms < 200) && longTasks.length <= Math.floor(framesOut / 100);
}

/**
 * Opens the test page and runs the page module's `exportName(regions)` there (the fixture's
 * labelled regions); a failure carries the page's last console lines.
 */
export async function runPageFunction<T>(
  page: Page,
  moduleUrl: string,
  exportName: string,
): Promise<T> {
  const logs = await openPage(page);
  return page
    .evaluate(
      async ({ url, name, regions }) => {
        const m = (await import(url)) as Record<string, (arg: unknown) => Promise<unknown>>;
        const run = m[name];
        if (!run) throw new Error(`${url} exports no ${name}`);
        return run(regions);
      },
      { url: moduleUrl, name: exportName, regions },
    )
    .catch((error: unknown) => {
      throw new Error(`${String(error)}\n${logs.slice(-20).join('\n')}`);
    }) as Promise<T>;
}
