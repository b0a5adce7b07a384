/**
 * What the demo tests (demo.spec.ts, demo-product.spec.ts) share: the preview spots they read and
 * how they follow the page.
 */
import type { Page } from '@playwright/test';

export interface Spot {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

// Inside the fixture's labelled regions (test/fixtures/camera-fixture.ts) in every frame of the clip.
export const BACKGROUND_SPOT: Spot = { x0: 30, y0: 40, x1: 60, y1: 300 }; // the flag at the left edge
export const FACE_SPOT: Spot = { x0: 520, y0: 220, x1: 580, y1: 300 };

/** The page's console and errors, collected for a failure's message. */
export function collectLogs(page: Page): string[] {
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
  return logs;
}

/** Frames the processor has put out, from the stats panel's details (0 before it runs). */
export async function framesOut(page: Page): Promise<number> {
  const text = await page
    .getByTestId('frames-out')
    .textContent({ timeout: 1000 })
    .catch(() => null);
  return Number(text ?? 0);
}
