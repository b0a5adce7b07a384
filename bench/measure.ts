// Running the rows: one dev server and one browser for the whole run, a fresh page per row, each
// measured from outside the processor (test/browser/page/harness.ts measureOutput) so ours and
// livekit read the same way; then the soak. Nothing may leave the machine, so every off-machine
// request is blocked here and handed back for the run to fail on.
import { type BrowserContext, chromium } from '@playwright/test';
import type { Background, Quality } from '../src/index';
import type { ExternalMeasurement, PerformanceResult } from '../test/browser/page/harness';
import type { LivekitOptions, LivekitResult } from '../test/browser/page/livekit';
import { chromiumLaunchOptions } from '../test/chromium';
import { ensureCameraFixture } from '../test/fixtures/camera-fixture';
import type { Options } from './cli';
import {
  checkServed,
  LIVEKIT_ASSETS,
  type StagedLivekit,
  stageLivekitAssets,
  startScriptServer,
} from './livekit-assets';
import { BLUR, type Config, livekitRow, oursRow, type Row } from './rows';

export interface OffMachineRequest {
  url: string;
  /** The row that was running when it was attempted. */
  during: string;
}

export interface Soak {
  seconds: number;
  windowS: number;
  quality: 'fast';
  background: 'blur';
  windows: NonNullable<ExternalMeasurement['windows']>;
  firstWindowP95: number | null;
  lastWindowP95: number | null;
  lastWithin120PercentOfFirst: boolean | null;
  row: Row;
}

export interface Measurement {
  rows: Row[];
  soak: Soak | null;
  pageErrors: string[];
  attempted: OffMachineRequest[];
  chromiumVersion: string;
  input: { width: number; height: number; fps: number };
  livekit: StagedLivekit;
}

/**
 * Aborts every request that would leave the machine (workers' included: routing is per context)
 * and lists it with the row that was running, which `during()` names.
 */
async function blockOffMachine(
  context: BrowserContext,
  during: () => string,
): Promise<OffMachineRequest[]> {
  const attempted: OffMachineRequest[] = [];
  const local = (u: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  const network = (u: URL) => ['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol);
  await context.route(
    (u) => network(u) && !local(u),
    async (route) => {
      attempted.push({ url: route.request().url(), during: during() });
      await route.abort('blockedbyclient');
    },
  );
  return attempted;
}

export async function measure(
  options: Pick<Options, 'seconds' | 'warmupS' | 'soakSeconds'>,
  configs: Config[],
): Promise<Measurement> {
  const { seconds, soakSeconds } = options;
  const settleMs = options.warmupS * 1000;
  // 30 s windows; a shorter soak (a trial run) still gets two to compare.
  const soakWindowS = Math.min(30, soakSeconds / 2);
  const fixture = ensureCameraFixture();
  const livekit = stageLivekitAssets();
  const { server, base } = await startScriptServer();
  await checkServed(base, livekit.files);
  const browser = await chromium.launch(chromiumLaunchOptions(fixture.path));
  const context = await browser.newContext();
  let running = 'start-up';
  const attempted = await blockOffMachine(context, () => running);
  const chromiumVersion = browser.version();

  const rows: Row[] = [];
  let soak: Soak | null = null;
  const pageErrors: string[] = [];
  const open = async () => {
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/test/browser/page/index.html`);
    return page;
  };
  try {
    // Unmeasured: the dev server transforms the page's modules on their first request, which would
    // otherwise land on the first row's start-up.
    const warm = await open();
    await warm.evaluate(async () => {
      const urls = ['/test/browser/page/harness.ts', '/test/browser/page/livekit.ts'];
      await Promise.all(urls.map((u) => import(u)));
    });
    await warm.close();
    for (const c of configs) {
      running = [c.processor, c.quality, c.label, c.delegate, c.model?.preset]
        .filter(Boolean)
        .join(' ');
      const page = await open();
      if (c.processor === 'ours') {
        const r: PerformanceResult = await page.evaluate(
          async ({ seconds, quality, background, settleMs, model }) => {
            const url = '/test/browser/page/harness.ts';
            const h = (await import(url)) as typeof import('../test/browser/page/harness');
            // Each row measures its level: adaptive quality would step a slow one down mid-row.
            return h.measurePerformance(
              seconds,
              quality,
              background,
              { adaptive: false, ...(model ? { model } : {}) },
              { external: true, settleMs },
            );
          },
          {
            seconds,
            quality: c.quality as Quality,
            background: c.background as Background,
            settleMs,
            model: c.model ?? null,
          },
        );
        rows.push(oursRow(c, r, seconds));
      } else {
        const r: LivekitResult = await page.evaluate(
          async ({ seconds, options, settleMs }) => {
            const url = '/test/browser/page/livekit.ts';
            const lk = (await import(url)) as typeof import('../test/browser/page/livekit');
            return lk.measureLivekit(seconds, options, { settleMs });
          },
          {
            seconds,
            settleMs,
            options: {
              assets: LIVEKIT_ASSETS,
              ...(c.delegate ? { delegate: c.delegate } : {}),
            } satisfies LivekitOptions,
          },
        );
        // tasks-vision's wasm prints its INFO lines to console.error too.
        for (const e of r.errors) if (!e.startsWith('INFO:')) pageErrors.push(`livekit: ${e}`);
        rows.push(livekitRow(c, r, seconds, livekit.version));
      }
      await page.close();
      const row = rows[rows.length - 1] as Row;
      console.error(
        `[bench] ${row.processor} ${row.quality} ${row.background} ${row.delegate}: ${row.tapFpsOut} fps out, latency p95 ${row.extLatencyP95} ms`,
      );
    }
    if (soakSeconds > 0) {
      running = 'soak';
      const page = await open();
      const r: PerformanceResult = await page.evaluate(
        async ({ seconds, windowS, settleMs }) => {
          const url = '/test/browser/page/harness.ts';
          const h = (await import(url)) as typeof import('../test/browser/page/harness');
          return h.measurePerformance(
            seconds,
            'fast',
            { kind: 'blur', radius: 14 },
            { adaptive: false },
            { external: true, windowS, settleMs },
          );
        },
        { seconds: soakSeconds, windowS: soakWindowS, settleMs },
      );
      await page.close();
      const windows = (r.external as ExternalMeasurement).windows ?? [];
      const first = windows[0]?.latencyMs.p95;
      const last = windows[windows.length - 1]?.latencyMs.p95;
      soak = {
        seconds: soakSeconds,
        windowS: soakWindowS,
        quality: 'fast',
        background: 'blur',
        windows,
        firstWindowP95: first ?? null,
        lastWindowP95: last ?? null,
        lastWithin120PercentOfFirst:
          first !== undefined && last !== undefined ? last <= 1.2 * first : null,
        row: oursRow(
          { processor: 'ours', label: 'blur', quality: 'fast', background: BLUR },
          r,
          soakSeconds,
        ),
      };
      console.error(`[bench] soak ${soakSeconds} s: p95 first ${first} ms, last ${last} ms`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return {
    rows,
    soak,
    pageErrors,
    attempted,
    chromiumVersion,
    input: { width: fixture.width, height: fixture.height, fps: fixture.fps },
    livekit,
  };
}
