/**
 * `npm run bench`: the pipeline at each quality level and background on a 1280x720 30 fps fake
 * camera (the person fixture) in headless Chromium, one configuration after another in one browser.
 * Prints a table and writes JSON under results/. Options: --seconds N (default 10), --quick (3 s,
 * fast level only: the test suite's smoke run), --out FILE.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { createServer } from 'vite';
import type { Background, Quality } from '../src/index';
import type { PerformanceResult } from '../test/browser/page/harness';
import { chromiumLaunchOptions } from '../test/chromium';
import { ensureCameraFixture } from '../test/fixtures/camera-fixture';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Row {
  quality: Quality;
  background: string;
  fpsIn: number;
  fpsOut: number;
  displayedFps: number;
  framesDropped: number;
  /** Share of output frames that ran the segmenter (the rest reused the newest mask). */
  segmentedShare: number;
  latencyP50: number;
  latencyP95: number;
  segmentP50: number;
  segmentP95: number;
  composeP50: number;
  composeP95: number;
  longTaskMsPerSecond: number;
  engine: string;
  backend: string;
  path: string;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = Number(arg('--seconds') ?? (quick ? 3 : 10));
  const fixture = ensureCameraFixture();
  const server = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    server: { port: 0 },
    logLevel: 'error',
  });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 5173;
  const browser = await chromium.launch(chromiumLaunchOptions(fixture.path));
  const chromiumVersion = browser.version();
  const configs: Array<{ quality: Quality; background: Background; label: string }> = [];
  const qualities: Quality[] = quick ? ['fast'] : ['fast', 'balanced', 'accurate'];
  const backgrounds: Array<[string, Background]> = quick
    ? [['blur', { kind: 'blur', radius: 14 }]]
    : [
        ['blur', { kind: 'blur', radius: 14 }],
        ['colour', { kind: 'color', color: '#2a6' }],
        ['none', { kind: 'none' }],
      ];
  for (const quality of qualities) {
    for (const [label, background] of backgrounds) {
      if (label === 'none' && quality !== 'fast') continue; // passthrough does not depend on the level
      configs.push({ quality, background, label });
    }
  }
  const rows: Row[] = [];
  try {
    for (const c of configs) {
      const page = await browser.newPage();
      await page.goto(`http://localhost:${port}/test/browser/page/index.html`);
      const r: PerformanceResult = await page.evaluate(
        async ({ seconds, quality, background }) => {
          const url = '/test/browser/page/harness.ts';
          const h = (await import(url)) as typeof import('../test/browser/page/harness');
          return h.measurePerformance(seconds, quality, background);
        },
        { seconds, quality: c.quality, background: c.background },
      );
      await page.close();
      const s = r.stats;
      rows.push({
        quality: c.quality,
        background: c.label,
        fpsIn: s.fpsIn,
        fpsOut: s.fpsOut,
        displayedFps: Math.round(r.videoFps * 10) / 10,
        framesDropped: s.framesDropped,
        segmentedShare:
          s.framesOut > 0 ? Math.round((s.framesSegmented / s.framesOut) * 100) / 100 : 0,
        latencyP50: s.latencyMs.p50,
        latencyP95: s.latencyMs.p95,
        segmentP50: s.segmentMs.p50,
        segmentP95: s.segmentMs.p95,
        composeP50: s.composeMs.p50,
        composeP95: s.composeMs.p95,
        longTaskMsPerSecond:
          Math.round((r.longTasks.reduce((a, b) => a + b, 0) / seconds) * 10) / 10,
        engine: s.engine,
        backend: s.backend,
        path: `${s.inputPath}/${s.outputPath}`,
      });
      console.error(`[bench] ${c.quality} ${c.label}: ${s.fpsOut} fps out`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const header =
    '| quality | background | fps in | fps out | shown fps | segmented share | dropped | latency p50/p95 ms | segment p50/p95 ms | compose p50/p95 ms | long tasks ms/s | engine/backend | path |';
  const lines = [
    header,
    `|${header
      .split('|')
      .slice(1, -1)
      .map(() => ' --- ')
      .join('|')}|`,
    ...rows.map(
      (r) =>
        `| ${r.quality} | ${r.background} | ${r.fpsIn} | ${r.fpsOut} | ${r.displayedFps} | ${r.segmentedShare} | ${r.framesDropped} | ${r.latencyP50} / ${r.latencyP95} | ${r.segmentP50} / ${r.segmentP95} | ${r.composeP50} / ${r.composeP95} | ${r.longTaskMsPerSecond} | ${r.engine}/${r.backend} | ${r.path} |`,
    ),
  ];
  console.log(lines.join('\n'));
  const out =
    arg('--out') ??
    join(root, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), seconds, input: { width: fixture.width, height: fixture.height, fps: fixture.fps }, chromium: chromiumVersion, rows }, null, 2)}\n`,
  );
  console.error(`[bench] wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
