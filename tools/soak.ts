/**
 * `npm run soak -- --minutes 60`: a long call in headless Chromium at 1280x720 30 fps (the person
 * fixture as the fake camera), the background changed every 10 s and the level every 60 s, and per
 * minute the JS heap of every context (page and workers), open VideoFrames, GL objects alive, frame
 * rate and latency (test/browser/page/soak.ts). Prints a table, writes JSON, and with --check
 * exits 1 when a leak or a drift shows:
 *   - a context's heap grew 10 MB or more from minute 1 to the last minute;
 *   - VideoFrames or GL objects left after stop();
 *   - the frame rate of the last minute at minute 1's level (the level cycles balanced, accurate,
 *     fast) under 90% of minute 1's.
 * Not in the test suite; `.ci/run` runs `--minutes 4 --check` after it (4: minute 4 is
 * the first at minute 1's level again).
 *
 * Options: --minutes N (default 60), --out FILE (default .bench-results/soak-<date>.json,
 * git-ignored), --check.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium } from '@playwright/test';
import { RESULTS_DIR, root } from '../bench/cli';
import { startScriptServer } from '../bench/livekit-assets';
import type { SoakResult } from '../test/browser/page/soak';
import { chromiumLaunchOptions } from '../test/chromium';
import { ensureCameraFixture } from '../test/fixtures/camera-fixture';
import { judgeSoak } from './soak-verdict';

const MB = 1024 * 1024;

function parse(argv: string[]): { minutes: number; out: string | null; check: boolean } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const minutes = Number(value('--minutes') ?? 60);
  if (!Number.isInteger(minutes) || minutes < 2)
    throw new Error('--minutes must be an integer ≥ 2');
  return { minutes, out: value('--out') ?? null, check: argv.includes('--check') };
}

function printTable(r: SoakResult): void {
  const contexts = [...new Set(r.minutes.flatMap((m) => Object.keys(m.heap)))].sort();
  const header = [
    'min',
    'level',
    'fps out',
    'lat p50',
    'lat p95',
    'frames open',
    'GL objects',
    ...contexts.map((c) => `heap ${c} MB`),
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const m of r.minutes) {
    const cells = [
      String(m.minute),
      m.requested,
      m.quality,
      Number.isFinite(m.fpsOut) ? m.fpsOut.toFixed(1) : '(restart)',
      m.latencyP50.toFixed(0),
      m.latencyP95.toFixed(0),
      String(m.framesOpen),
      String(m.glObjects),
      ...contexts.map((c) => (m.heap[c] === undefined ? '–' : ((m.heap[c] ?? 0) / MB).toFixed(1))),
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  console.log(
    `after stop(): ${r.afterStop.framesOpen} VideoFrames open, ${r.afterStop.glObjects} GL objects; ` +
      `${r.backgroundChanges} background and ${r.qualityChanges} level changes, ${r.recovered} restarts`,
  );
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const fixture = ensureCameraFixture();
  const { server, base } = await startScriptServer();
  const launch = chromiumLaunchOptions(fixture.path);
  // measureUserAgentSpecificMemory() answers at the next GC otherwise (up to tens of seconds).
  launch.args.push('--enable-blink-features=ForceEagerMeasureMemory');
  const browser = await chromium.launch(launch);
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.text().startsWith('[soak]')) console.error(m.text());
    });
    await page.goto(`${base}/test/browser/page/index.html`);
    console.error(`[soak] ${options.minutes} minutes, Chromium ${browser.version()}`);
    const result: SoakResult = await page.evaluate(async (minutes) => {
      const url = '/test/browser/page/soak.ts';
      const m = (await import(url)) as typeof import('../test/browser/page/soak');
      return m.runSoak(minutes);
    }, options.minutes);
    printTable(result);
    const verdict = judgeSoak(result);
    const out =
      options.out ??
      join(root, RESULTS_DIR, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify({ minutes: options.minutes, chromium: browser.version(), result, verdict }, null, 1)}\n`,
    );
    console.error(`[soak] wrote ${out}`);
    console.log(
      verdict.failures.length === 0
        ? 'soak: no leak, no drift'
        : `soak: ${verdict.failures.join('; ')}`,
    );
    if (options.check && verdict.failures.length > 0) process.exitCode = 1;
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
