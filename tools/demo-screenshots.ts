// `npm run demo:screenshots -- [--out DIR]`: the demo page (index.html → src/demo) on the fake
// camera (the astronaut clip, test/fixtures/camera-fixture.ts), green background, screenshotted at
// each quality level the way a person would get there: click the green swatch, pick the level in
// the quality select, wait for the stats to say it serves. Saves per level the preview's true
// video pixels (not the CSS-scaled element) and a 2x nearest-neighbour zoom of the hair /
// neck-ring / shoulder edge, prints a table (model and fps from the stats, green share in a
// background and a person spot of the saved frame) and writes it as JSON beside the images.
// A script, not a test: it looks at nothing, a person looks at the pictures.
// Over 400 lines in one file: it is one scripted session (start, per-level clicks and waits with
// retries, capture, zoom, table), and none of its steps is used anywhere else.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Browser, chromium, type Page } from '@playwright/test';
import type { ViteDevServer } from 'vite';
import { root } from '../bench/cli';
import { startScriptServer } from '../bench/livekit-assets';
import type { Quality } from '../src/index';
import { LEVELS } from '../src/levels';
import { QUALITIES } from '../src/options';
import { chromiumLaunchOptions } from '../test/chromium';
import { ensureCameraFixture, type Rect } from '../test/fixtures/camera-fixture';

/** The same spots as test/browser/demo.spec.ts (BACKGROUND_SPOT, FACE_SPOT), in 1280x720 pixels. */
const BACKGROUND_SPOT: Rect = { x0: 30, y0: 40, x1: 60, y1: 300 }; // the flag at the left edge
const FACE_SPOT: Rect = { x0: 520, y0: 220, x1: 580, y1: 300 };

/**
 * Her left side (the picture's right): the edge of the hair, the neck ring and the shoulder
 * against the pale wall, where a kept patch of wall or a stair-stepped edge shows most; the clip
 * pans ~25 px and zooms ±3%, so the edge stays inside in every frame.
 */
const EDGE_REGION: Rect = { x0: 600, y0: 120, x1: 1000, y1: 720 };
const ZOOM = 2;
const GREEN_SWATCH = 'bg-color-green';

const START_TIMEOUT_MS = 120_000;
const LEVEL_TIMEOUT_MS = 180_000;
const MAX_ATTEMPTS = 4;

function rectArg(r: Rect = EDGE_REGION): string {
  return `${r.x0},${r.y0},${r.x1 - r.x0},${r.y1 - r.y0}`;
}

const USAGE = `npx tsx tools/demo-screenshots.ts [options]

  --out DIR        where the PNGs and demo-screenshots.json go (default docs/images)
  --levels a,b     levels to shoot (default fast,balanced,accurate)
  --settle S       seconds of frames at the level before the shot (default 3)
  --edge x,y,w,h   the zoomed region in video pixels (default ${rectArg()})
  --help           this text`;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function parseEdge(text: string | undefined): Rect {
  if (!text) return EDGE_REGION;
  const [x, y, w, h] = text.split(',').map(Number);
  if ([x, y, w, h].some((v) => v === undefined || !Number.isFinite(v) || v < 0)) {
    throw new Error(`--edge wants x,y,w,h in video pixels, got ${text}`);
  }
  return { x0: x!, y0: y!, x1: x! + w!, y1: y! + h! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value; past `ms`, fails saying what it waited for and last saw. */
async function waitFor<T>(
  what: string,
  ms: number,
  check: () => Promise<T | null>,
  seen: () => string,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > end) {
      throw new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}; ${seen()}`);
    }
    await sleep(250);
  }
}

/** The stats panel's detail rows, dt → dd text ({} while it waits for the processor). */
async function readStats(page: Page): Promise<Record<string, string>> {
  const rows = await page
    .locator('[data-testid="stats-details"] > div')
    .evaluateAll((divs) =>
      divs.map((d) => [
        d.querySelector('dt')?.textContent?.trim() ?? '',
        d.querySelector('dd')?.textContent?.trim() ?? '',
      ]),
    )
    .catch(() => [] as string[][]);
  return Object.fromEntries(rows);
}

const framesOut = (s: Record<string, string>) => Number(s['frames out'] ?? 0);
const statsLine = (s: Record<string, string>) =>
  Object.keys(s).length
    ? `stats: quality ${s.quality}, model ${s.model}, fps in/out ${s['fps in / out']}, frames out ${s['frames out']}`
    : 'stats: none yet';

interface Shot {
  width: number;
  height: number;
  full: string;
  edge: string;
  background: number;
  person: number;
  regions: Record<string, number>;
}

/**
 * Draws the preview <video>'s current frame at its own size into a canvas and returns it as PNG,
 * the edge region zoomed without smoothing, and the green share (G > 200, R < 60, B < 60, as
 * demo.spec.ts counts) in each spot, all from that one frame.
 */
async function shoot(
  page: Page,
  edge: Rect,
  zoom: number,
  spots: Record<string, Rect>,
): Promise<Shot | null> {
  return page.getByTestId('preview').evaluate(
    (element, { edge, zoom, spots }) => {
      const video = element as HTMLVideoElement;
      const width = video.videoWidth;
      const height = video.videoHeight;
      if (!width || !height) return null;
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) return null;
      ctx.drawImage(video, 0, 0, width, height);
      // No named helper functions in here: tsx would wrap them in its `__name`, which the page lacks.
      const regions: Record<string, number> = {};
      for (const [name, s] of Object.entries(spots)) {
        const { data } = ctx.getImageData(s.x0, s.y0, s.x1 - s.x0, s.y1 - s.y0);
        let green = 0;
        for (let i = 0; i < data.length; i += 4) {
          const r = data[i] ?? 0;
          const g = data[i + 1] ?? 0;
          const b = data[i + 2] ?? 0;
          if (g > 200 && r < 60 && b < 60) green++;
        }
        regions[name] = green / (data.length / 4);
      }
      const x0 = Math.max(0, Math.min(edge.x0, width - 1));
      const y0 = Math.max(0, Math.min(edge.y0, height - 1));
      const w = Math.min(edge.x1, width) - x0;
      const h = Math.min(edge.y1, height) - y0;
      const zoomed = document.createElement('canvas');
      zoomed.width = w * zoom;
      zoomed.height = h * zoom;
      const zctx = zoomed.getContext('2d');
      if (!zctx) return null;
      zctx.imageSmoothingEnabled = false; // nearest neighbour: each video pixel a 2x2 block
      zctx.drawImage(canvas, x0, y0, w, h, 0, 0, zoomed.width, zoomed.height);
      return {
        width,
        height,
        full: canvas.toDataURL('image/png'),
        edge: zoomed.toDataURL('image/png'),
        background: regions.background ?? 0,
        person: regions.person ?? 0,
        regions,
      };
    },
    { edge, zoom, spots },
  );
}

function writePng(file: string, dataUrl: string): void {
  const base64 = dataUrl.replace(/^data:image\/png;base64,/, '');
  writeFileSync(file, Buffer.from(base64, 'base64'));
}

interface LevelResult {
  level: Quality;
  /** What the stats said when the frame was taken. */
  quality: string;
  model: string;
  fps: string;
  backend: string;
  framesOut: number;
  /** The stats still showed the level a stats update after the shot, with no adaptive step. */
  heldAfterShot: boolean;
  qualityAfterShot: string;
  /** Times the level was picked before a shot held. */
  picks: number;
  videoSize: [number, number];
  greenShare: { background: number; person: number };
  /** Green share in every labelled region of the fixture (certainly person or background). */
  regions: Record<string, { label: string; greenShare: number }>;
  adaptiveNotice: string | null;
  image: string;
  edgeImage: string;
}

async function shootLevel(
  page: Page,
  level: Quality,
  outDir: string,
  settleMs: number,
  edge: Rect,
  spots: Record<string, Rect>,
  labels: Record<string, string>,
): Promise<LevelResult> {
  const expectedModel = LEVELS[level].model.file;
  const select = page.getByTestId('quality');
  let last: Record<string, string> = {};
  const serving = async () => {
    last = await readStats(page);
    return last.quality === level && (last.model ?? '').includes(expectedModel) ? last : null;
  };
  let shot: Shot | null = null;
  let stats: Record<string, string> = {};
  let after: Record<string, string> = {};
  let adaptiveNotice: string | null = null;
  let held = false;
  let attempts = 0;
  const log = (line: string) => process.stderr.write(`[screenshots] ${level}: ${line}\n`);
  // Adaptive quality (on in the demo) steps a level this machine cannot hold down again a few
  // seconds after it was picked; a shot only counts when the level still serves a stats update
  // after it. Otherwise the level is picked again, as a person would, and shot again.
  while (attempts < MAX_ATTEMPTS) {
    attempts++;
    await select.selectOption(level, { timeout: 15_000 });
    await waitFor(
      `the stats to show quality ${level} on ${expectedModel}`,
      LEVEL_TIMEOUT_MS,
      serving,
      () => statsLine(last),
    );
    // Settled: `settleMs` of frames out at that level the whole time.
    const start = framesOut(last);
    const end = Date.now() + settleMs;
    let settled = true;
    while (Date.now() < end) {
      await sleep(250);
      if (!(await serving())) {
        settled = false;
        break;
      }
    }
    if (!settled || framesOut(last) <= start) {
      log(`did not hold for ${settleMs / 1000} s (${statsLine(last)}); picking it again`);
      continue;
    }
    stats = last;
    shot = await waitFor(
      'a frame in the preview video',
      15_000,
      () => shoot(page, edge, ZOOM, spots),
      () => 'the preview has no frame',
    );
    // One stats interval (1 s) later: still this level, and no adaptive step since the pick?
    await sleep(1300);
    after = await readStats(page);
    const notice = page.getByTestId('adaptive-notice');
    adaptiveNotice = (await notice.count()) ? ((await notice.textContent())?.trim() ?? null) : null;
    held = after.quality === level && !adaptiveNotice;
    if (held) break;
    log(`stepped down around the shot (${statsLine(after)}; ${adaptiveNotice}); picking it again`);
  }
  if (!shot) {
    throw new Error(
      `${level} never held for ${settleMs / 1000} s in ${attempts} picks; ${statsLine(last)}`,
    );
  }
  if (!held)
    log(`WARNING: no shot with the level held after it in ${attempts} picks; kept the last`);
  const image = join(outDir, `demo-${level}.png`);
  const edgeImage = join(outDir, `demo-${level}-edge.png`);
  writePng(image, shot.full);
  writePng(edgeImage, shot.edge);
  return {
    level,
    quality: stats.quality ?? '?',
    model: stats.model ?? '?',
    fps: stats['fps in / out'] ?? '?',
    backend: stats['engine / backend'] ?? '?',
    framesOut: framesOut(stats),
    heldAfterShot: held,
    qualityAfterShot: after.quality ?? '?',
    picks: attempts,
    videoSize: [shot.width, shot.height],
    greenShare: { background: shot.background, person: shot.person },
    regions: Object.fromEntries(
      Object.entries(shot.regions)
        .filter(([name]) => name !== 'background' && name !== 'person')
        .map(([name, share]) => [name, { label: labels[name] ?? '?', greenShare: share }]),
    ),
    adaptiveNotice,
    image: relative(root, image),
    edgeImage: relative(root, edgeImage),
  };
}

function table(results: LevelResult[]): string {
  const rows = [
    ['level', 'stats quality', 'model', 'fps in / out', 'green: background', 'green: face', 'held'],
    ...results.map((r) => [
      r.level,
      r.quality,
      r.model,
      r.fps,
      r.greenShare.background.toFixed(3),
      r.greenShare.person.toFixed(3),
      r.heldAfterShot ? 'yes' : `no (${r.qualityAfterShot})`,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const outDir = resolve(arg('--out') ?? join(root, 'docs/images'));
  const levels = (arg('--levels')?.split(',') ?? [...QUALITIES]) as Quality[];
  for (const l of levels) if (!QUALITIES.includes(l)) throw new Error(`--levels: no level ${l}`);
  const settleMs = Number(arg('--settle') ?? 3) * 1000;
  if (!Number.isFinite(settleMs) || settleMs < 0) throw new Error('--settle wants seconds');
  const edge = parseEdge(arg('--edge'));
  mkdirSync(outDir, { recursive: true });

  const fixture = ensureCameraFixture();
  const spots: Record<string, Rect> = { background: BACKGROUND_SPOT, person: FACE_SPOT };
  const labels: Record<string, string> = {};
  for (const r of fixture.regions) {
    spots[r.name] = r;
    labels[r.name] = r.label;
  }

  let server: ViteDevServer | undefined;
  let browser: Browser | undefined;
  const pageErrors: string[] = [];
  const attempted: string[] = [];
  const results: LevelResult[] = [];
  try {
    process.stderr.write('[screenshots] starting the dev server…\n');
    const started = await startScriptServer();
    server = started.server;
    browser = await chromium.launch(chromiumLaunchOptions(fixture.path));
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
    // Nothing may leave the machine.
    await context.route(
      (u) =>
        /^(https?|wss?):$/.test(u.protocol) && !['localhost', '127.0.0.1'].includes(u.hostname),
      async (route) => {
        attempted.push(route.request().url());
        await route.abort('blockedbyclient');
      },
    );
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    if (process.env.SCREENSHOTS_DEBUG) {
      page.on('console', (m) => process.stderr.write(`  [page] ${m.text()}\n`));
    }
    process.stderr.write(`[screenshots] opening the demo at ${started.base}/…\n`);
    await page.goto(`${started.base}/`, { timeout: START_TIMEOUT_MS });

    let stats: Record<string, string> = {};
    let notice = '';
    await waitFor(
      'the demo to run on the fake camera (frames out > 10)',
      START_TIMEOUT_MS,
      async () => {
        notice =
          (await page
            .getByTestId('source-notice')
            .textContent({ timeout: 1000 })
            .catch(() => '')) ?? '';
        if ((await page.getByTestId('error').count()) > 0) {
          const text = await page.getByTestId('error').textContent();
          throw new Error(`the demo shows an error: ${text?.trim()}`);
        }
        stats = await readStats(page);
        return framesOut(stats) > 10 ? stats : null;
      },
      () =>
        `source notice: "${notice}", ${statsLine(stats)}, page errors: ${pageErrors.join('; ')}`,
    );
    if (!/camera in use/i.test(notice)) {
      throw new Error(`the demo is not on the fake camera: "${notice}"`);
    }
    process.stderr.write(`[screenshots] ${notice}\n`);

    const green = page.getByTestId(GREEN_SWATCH);
    await green.click({ timeout: 15_000 });
    await waitFor(
      'the green background to be applied',
      30_000,
      async () => ((await green.getAttribute('aria-pressed')) === 'true' ? true : null),
      () => `${GREEN_SWATCH} aria-pressed is not true`,
    );

    for (const level of levels) {
      process.stderr.write(`[screenshots] ${level}: selecting it, waiting for it to serve…\n`);
      const r = await shootLevel(page, level, outDir, settleMs, edge, spots, labels);
      results.push(r);
      process.stderr.write(
        `[screenshots] ${level}: ${r.model}, fps ${r.fps} → ${r.image}, ${r.edgeImage}\n`,
      );
      if (r.adaptiveNotice) process.stderr.write(`[screenshots]   ${r.adaptiveNotice}\n`);
    }
    if ((await page.getByTestId('error').count()) > 0) {
      pageErrors.push(`demo error: ${(await page.getByTestId('error').textContent())?.trim()}`);
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.close().catch(() => undefined);
  }

  console.log(table(results));
  const json = join(outDir, 'demo-screenshots.json');
  writeFileSync(
    json,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        camera: {
          clip: relative(root, fixture.path),
          width: fixture.width,
          height: fixture.height,
          fps: fixture.fps,
        },
        background: { swatch: GREEN_SWATCH, color: '#00ff00' },
        settleS: settleMs / 1000,
        greenRule: 'G > 200, R < 60, B < 60',
        spots: { background: BACKGROUND_SPOT, person: FACE_SPOT },
        edgeRegion: edge,
        edgeZoom: ZOOM,
        levels: results,
        pageErrors,
        offMachineRequests: attempted,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${relative(root, json)}`);
  if (pageErrors.length) console.log(`page errors:\n  ${pageErrors.join('\n  ')}`);
  if (attempted.length) console.log(`blocked off-machine requests:\n  ${attempted.join('\n  ')}`);
}

main().catch((error: unknown) => {
  console.error(`[screenshots] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
