/**
 * `npm run bench`: our pipeline at each quality level and background, side by side with
 * @livekit/track-processors' background blur, on a 1280x720 30 fps fake camera (the person
 * fixture) in headless Chromium, one configuration after another in one browser. Every row is
 * measured the same way from outside the processor (test/browser/page/harness.ts measureOutput):
 * taps on the camera and the output track pair frames by capture timestamp for latency, a <video>
 * counts displayed frames, a PerformanceObserver sums main-thread long tasks and a heartbeat the
 * main-thread stalls that long tasks miss. Then a soak: ours at fast/blur for --soak seconds,
 * latency p95 per 30 s window. Prints tables and writes JSON.
 *
 * Options: --seconds N (per row, default 10), --warmup N (seconds each row runs before its span
 * starts, default 5, the same for every processor: a row reads the steady state, and start-up has
 * its own column), --soak N (default 120; 0 skips), --quick (3 s, ours at fast/blur and livekit
 * with its default delegate only, no soak: the test suite's smoke run), --levels fast,accurate
 * (only our rows at those levels: no livekit rows, no soak unless --soak is given; for comparing a
 * change at one level), --out FILE. Nothing may leave the machine: every non-local request is
 * aborted, counted, and fails the run.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from '@playwright/test';
import { createServer, type Plugin } from 'vite';
import type { Background, Quality } from '../src/index';
import { QUALITIES } from '../src/options';
import type { ExternalMeasurement, PerformanceResult } from '../test/browser/page/harness';
import type { LivekitOptions, LivekitResult } from '../test/browser/page/livekit';
import { chromiumLaunchOptions } from '../test/chromium';
import { ensureCameraFixture } from '../test/fixtures/camera-fixture';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the bench puts what the dev server must serve for livekit (git-ignored). */
const ASSET_DIR = '.bench-assets/livekit-tasks-vision';
const LIVEKIT_ASSETS: LivekitOptions['assets'] = {
  tasksVisionFileSet: `/${ASSET_DIR}`,
  // The model ours runs at `fast`, so both segment with the same network.
  modelAssetPath: '/models/selfie_segmenter_landscape.tflite',
};

interface Row {
  processor: 'ours' | 'livekit';
  /** Ours: the quality level; livekit has none. */
  quality: string;
  background: string;
  /** Ours: the backend stats report; livekit: the tasks-vision delegate asked for. */
  delegate: string;
  engine: string;
  backend: string;
  path: string;
  // Measured from outside, the same way for every row.
  tapFpsIn: number;
  tapFpsOut: number;
  displayedFps: number;
  /** Input frames minus output frames over the span, as the taps saw them. */
  tapFramesDropped: number;
  extLatencyP50: number;
  extLatencyP95: number;
  extLatencyMax: number;
  pairedFrames: number;
  unpairedFrames: number;
  longTaskMsPerSecond: number;
  /** Main-thread heartbeat gaps over 50 ms, summed per second and the longest (see measureOutput). */
  mainThreadStallMsPerSecond: number;
  mainThreadMaxStallMs: number;
  startMs: number;
  /** Ours: stats.segmentMs / composeMs; livekit: onFrameProcessed segmentationTimeMs / filterTimeMs. */
  segmentP50: number;
  segmentP95: number;
  composeP50: number;
  composeP95: number;
  /** Share of output frames that ran the segmenter (ours reuses the newest mask for the rest; livekit segments every frame). */
  segmentedShare: number;
  // Ours' own stats (null for livekit, which reports none of these).
  fpsIn: number | null;
  fpsOut: number | null;
  framesDropped: number | null;
  /** Worker receipt → enqueue, from stats. */
  latencyP50: number | null;
  latencyP95: number | null;
}

interface Config {
  processor: 'ours' | 'livekit';
  label: string;
  quality?: Quality;
  background?: Background;
  delegate?: 'CPU';
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function percentiles(values: number[]): { p50: number; p95: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length ? (s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number) : 0;
  return { p50: round(at(0.5)), p95: round(at(0.95)) };
}

/**
 * Copies the tasks-vision wasm that livekit itself depends on (its own pinned version, not ours)
 * under the repo root, where the dev server serves files as they are.
 */
function stageLivekitAssets(): { version: string; tasksVision: string; files: string[] } {
  const lk = join(root, 'node_modules/@livekit/track-processors');
  const pkg = JSON.parse(readFileSync(join(lk, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  const wanted = pkg.dependencies['@mediapipe/tasks-vision'];
  const candidates = [
    join(lk, 'node_modules/@mediapipe/tasks-vision'),
    join(root, 'node_modules/@mediapipe/tasks-vision'),
  ];
  const found = candidates.find(
    (dir) =>
      existsSync(join(dir, 'package.json')) &&
      (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
        .version === wanted,
  );
  if (!found) throw new Error(`@mediapipe/tasks-vision@${wanted} (livekit's) is not installed`);
  const target = join(root, ASSET_DIR);
  mkdirSync(target, { recursive: true });
  cpSync(join(found, 'wasm'), target, { recursive: true });
  return { version: pkg.version, tasksVision: wanted as string, files: readdirSync(target) };
}

/**
 * Serves the staged files byte for byte: the dev server would run any .js under its root through
 * its module transform (livekit's tasks-vision loads its wasm glue as a classic script).
 */
function serveStaged(): Plugin {
  const dir = join(root, ASSET_DIR);
  const types: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
  return {
    name: 'bench-staged-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
        if (!path.startsWith(`/${ASSET_DIR}/`)) return next();
        const file = join(root, path);
        if (!file.startsWith(`${dir}/`) || !existsSync(file)) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.setHeader('Content-Type', types[extname(file)] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
  };
}

/** The dev server answers unknown paths with index.html: check each staged file comes back byte for byte. */
async function checkServed(base: string, files: string[]): Promise<void> {
  const paths = [...files.map((f) => `/${ASSET_DIR}/${f}`), LIVEKIT_ASSETS.modelAssetPath];
  for (const p of paths) {
    const res = await fetch(`${base}${p}`);
    const body = Buffer.from(await res.arrayBuffer());
    const local = readFileSync(join(root, p));
    if (!res.ok || !body.equals(local)) {
      throw new Error(
        `${p} is not served as is (HTTP ${res.status}, ${res.headers.get('content-type')}, ${body.length} of ${local.length} bytes)`,
      );
    }
  }
}

interface OffMachineRequest {
  url: string;
  /** The row that was running when it was attempted. */
  during: string;
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

function oursRow(c: Config, r: PerformanceResult, seconds: number): Row {
  const s = r.stats;
  const e = r.external as ExternalMeasurement;
  return {
    processor: 'ours',
    quality: c.quality as string,
    background: c.label,
    delegate: s.backend,
    engine: s.engine,
    backend: s.backend,
    path: `${s.inputPath}/${s.outputPath}`,
    ...external(e),
    displayedFps: round(r.videoFps, 1),
    ...mainThread(r, seconds),
    startMs: Math.round(r.startMs),
    segmentP50: s.segmentMs.p50,
    segmentP95: s.segmentMs.p95,
    composeP50: s.composeMs.p50,
    composeP95: s.composeMs.p95,
    segmentedShare: s.framesOut > 0 ? round(s.framesSegmented / s.framesOut) : 0,
    fpsIn: s.fpsIn,
    fpsOut: s.fpsOut,
    framesDropped: s.framesDropped,
    latencyP50: s.latencyMs.p50,
    latencyP95: s.latencyMs.p95,
  };
}

function livekitRow(c: Config, r: LivekitResult, seconds: number, version: string): Row {
  const seg = percentiles(r.segmentMs);
  const filter = percentiles(r.filterMs);
  const delegate = c.delegate ?? 'GPU';
  return {
    processor: 'livekit',
    quality: '-',
    background: c.label,
    delegate: c.delegate ? c.delegate : 'GPU (default)',
    engine: `@livekit/track-processors ${version}`,
    backend: `tasks-vision ${delegate.toLowerCase()}`,
    path: 'main thread',
    ...external(r.external),
    displayedFps: round(r.videoFps, 1),
    ...mainThread(r, seconds),
    startMs: Math.round(r.startMs),
    segmentP50: seg.p50,
    segmentP95: seg.p95,
    composeP50: filter.p50,
    composeP95: filter.p95,
    segmentedShare: 1,
    fpsIn: null,
    fpsOut: null,
    framesDropped: null,
    latencyP50: null,
    latencyP95: null,
  };
}

function mainThread(r: { longTasks: number[]; stalls?: number[] }, seconds: number) {
  const stalls = r.stalls ?? [];
  return {
    longTaskMsPerSecond: round(r.longTasks.reduce((a, b) => a + b, 0) / seconds, 1),
    mainThreadStallMsPerSecond: round(stalls.reduce((a, b) => a + b, 0) / seconds, 1),
    mainThreadMaxStallMs: Math.round(Math.max(0, ...stalls)),
  };
}

function external(e: ExternalMeasurement) {
  return {
    tapFpsIn: e.fpsIn,
    tapFpsOut: e.fpsOut,
    tapFramesDropped: e.framesDropped,
    extLatencyP50: e.latencyMs.p50,
    extLatencyP95: e.latencyMs.p95,
    extLatencyMax: e.latencyMs.max,
    pairedFrames: e.paired,
    unpairedFrames: e.unpaired,
  };
}

/** The commit measured, `+dirty` when the checkout has changes (others edit it while benches run). */
function commit(): string | null {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? '+dirty' : ''}`;
  } catch {
    return null;
  }
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? round(a / b) : null;

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const seconds = Number(arg('--seconds') ?? (quick ? 3 : 10));
  const warmupS = Number(arg('--warmup') ?? (quick ? 1.5 : 5));
  if (!(warmupS >= 0)) throw new Error('--warmup must be ≥ 0');
  const settleMs = warmupS * 1000;
  const levels = arg('--levels')?.split(',') as Quality[] | undefined;
  for (const level of levels ?? []) {
    if (!QUALITIES.includes(level)) throw new Error(`--levels: no level ${level}`);
  }
  const soakSeconds = Number(arg('--soak') ?? (quick || levels ? 0 : 120));
  if (!(seconds > 0) || !(soakSeconds >= 0)) throw new Error('--seconds must be > 0, --soak ≥ 0');
  // 30 s windows; a shorter soak (a trial run) still gets two to compare.
  const soakWindowS = Math.min(30, soakSeconds / 2);
  const fixture = ensureCameraFixture();
  const livekit = stageLivekitAssets();
  const server = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    // Others edit src/ while a bench runs: a hot reload would navigate the page mid-measurement.
    server: { port: 0, hmr: false, watch: null },
    logLevel: 'error',
    plugins: [serveStaged()],
  });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 5173;
  const base = `http://localhost:${port}`;
  await checkServed(base, livekit.files);
  const browser = await chromium.launch(chromiumLaunchOptions(fixture.path));
  const context = await browser.newContext();
  let running = 'start-up';
  const attempted = await blockOffMachine(context, () => running);
  const chromiumVersion = browser.version();

  const blur: Background = { kind: 'blur', radius: 14 };
  const configs: Config[] = levels
    ? []
    : [
        // The rows the comparison rests on go first, back to back, so they share the machine's load.
        { processor: 'ours', label: 'blur', quality: 'fast', background: blur },
        { processor: 'livekit', label: 'blur' },
      ];
  if (levels) {
    for (const quality of levels) {
      configs.push({ processor: 'ours', label: 'blur', quality, background: blur });
      configs.push({
        processor: 'ours',
        label: 'colour',
        quality,
        background: { kind: 'color', color: '#2a6' },
      });
    }
  } else if (!quick) {
    configs.push({ processor: 'livekit', label: 'blur', delegate: 'CPU' });
    const more: Array<[string, Background]> = [
      ['blur', blur],
      ['colour', { kind: 'color', color: '#2a6' }],
      ['none', { kind: 'none' }],
    ];
    for (const quality of QUALITIES) {
      for (const [label, background] of more) {
        if (label === 'none' && quality !== 'fast') continue; // passthrough does not depend on the level
        if (label === 'blur' && quality === 'fast') continue; // already first
        configs.push({ processor: 'ours', label, quality, background });
      }
    }
  }

  const rows: Row[] = [];
  let soak: Record<string, unknown> | null = null;
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
      running = [c.processor, c.quality, c.label, c.delegate].filter(Boolean).join(' ');
      const page = await open();
      if (c.processor === 'ours') {
        const r: PerformanceResult = await page.evaluate(
          async ({ seconds, quality, background, settleMs }) => {
            const url = '/test/browser/page/harness.ts';
            const h = (await import(url)) as typeof import('../test/browser/page/harness');
            // Each row measures its level: adaptive quality would step a slow one down mid-row.
            return h.measurePerformance(
              seconds,
              quality,
              background,
              { adaptive: false },
              { external: true, settleMs },
            );
          },
          {
            seconds,
            quality: c.quality as Quality,
            background: c.background as Background,
            settleMs,
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
          { processor: 'ours', label: 'blur', quality: 'fast', background: blur },
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

  const ordered = [
    ...rows.filter((r) => r.processor === 'ours'),
    ...rows.filter((r) => r.processor === 'livekit'),
  ];
  console.log(
    `\nEach row: ${seconds} s measured after ${warmupS} s of running (start-up: its own column).\n`,
  );
  console.log(
    table(
      [
        'processor',
        'quality',
        'background',
        'delegate',
        'fps in',
        'fps out',
        'shown fps',
        'dropped (own)',
        'latency p50 / p95 ms',
        'own latency p50 / p95 ms',
        'segment p50 / p95 ms',
        'compose p50 / p95 ms',
        'segmented share',
        'long tasks ms/s',
        'main-thread stalls ms/s (max)',
        'start ms',
        'path',
      ],
      ordered.map((r) => [
        r.processor,
        r.quality,
        r.background,
        r.delegate,
        String(r.tapFpsIn),
        String(r.tapFpsOut),
        String(r.displayedFps),
        r.framesDropped === null
          ? String(r.tapFramesDropped)
          : `${r.tapFramesDropped} (${r.framesDropped})`,
        `${r.extLatencyP50} / ${r.extLatencyP95}`,
        r.latencyP50 === null ? '-' : `${r.latencyP50} / ${r.latencyP95}`,
        `${r.segmentP50} / ${r.segmentP95}`,
        `${r.composeP50} / ${r.composeP95}`,
        String(r.segmentedShare),
        String(r.longTaskMsPerSecond),
        `${r.mainThreadStallMsPerSecond} (${r.mainThreadMaxStallMs})`,
        String(r.startMs),
        r.path,
      ]),
    ),
  );
  const ours = rows.find(
    (r) => r.processor === 'ours' && r.quality === 'fast' && r.background === 'blur',
  );
  const lkGpu = rows.find((r) => r.processor === 'livekit' && !r.delegate.startsWith('CPU'));
  const lkCpu = rows.find((r) => r.processor === 'livekit' && r.delegate.startsWith('CPU'));
  const comparison = {
    basis: 'output fps measured by the external tap; ours at fast/blur',
    oursFpsOut: ours?.tapFpsOut ?? null,
    livekitGpuFpsOut: lkGpu?.tapFpsOut ?? null,
    livekitCpuFpsOut: lkCpu?.tapFpsOut ?? null,
    fpsOutRatioVsLivekitGpu: ratio(ours?.tapFpsOut, lkGpu?.tapFpsOut),
    fpsOutRatioVsLivekitCpu: ratio(ours?.tapFpsOut, lkCpu?.tapFpsOut),
    latencyP95RatioVsLivekitGpu: ratio(ours?.extLatencyP95, lkGpu?.extLatencyP95),
    latencyP95RatioVsLivekitCpu: ratio(ours?.extLatencyP95, lkCpu?.extLatencyP95),
  };
  console.log(
    `\nfps out, ours (fast, blur) / livekit blur: ${comparison.fpsOutRatioVsLivekitGpu ?? '-'}x against its default GPU delegate, ${comparison.fpsOutRatioVsLivekitCpu ?? '-'}x against the CPU delegate` +
      ` (latency p95 ratio ${comparison.latencyP95RatioVsLivekitGpu ?? '-'} / ${comparison.latencyP95RatioVsLivekitCpu ?? '-'})`,
  );
  if (soak) {
    const windows = soak.windows as NonNullable<ExternalMeasurement['windows']>;
    console.log(
      `\nSoak: ours fast/blur for ${soakSeconds} s, external latency per ${soakWindowS} s window\n\n${table(
        ['window s', 'fps out', 'latency p50 / p95 ms', 'frames paired'],
        windows.map((w) => [
          `${w.startS}–${round(w.startS + w.seconds)}`,
          String(w.fpsOut),
          `${w.latencyMs.p50} / ${w.latencyMs.p95}`,
          String(w.paired),
        ]),
      )}\n\nlast window p95 ≤ 1.2 × first: ${soak.lastWithin120PercentOfFirst}`,
    );
  }
  console.log(
    `\noff-machine requests attempted (all blocked): ${attempted.length}${attempted
      .map((a) => `\n  ${a.url} (during ${a.during})`)
      .join('')}`,
  );
  const out =
    arg('--out') ??
    join(root, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        seconds,
        warmupSeconds: warmupS,
        input: { width: fixture.width, height: fixture.height, fps: fixture.fps },
        chromium: chromiumVersion,
        commit: commit(),
        livekit: {
          package: `@livekit/track-processors@${livekit.version}`,
          tasksVision: livekit.tasksVision,
          assets: LIVEKIT_ASSETS,
        },
        rows,
        comparison,
        soak,
        offMachineRequests: {
          attempted: attempted.length,
          blocked: attempted.length,
          requests: attempted,
        },
        pageErrors,
      },
      null,
      2,
    )}\n`,
  );
  console.error(`[bench] wrote ${out}`);
  if (attempted.length > 0) {
    throw new Error(
      `${attempted.length} off-machine request(s) attempted (blocked): ${attempted.map((a) => `${a.url} during ${a.during}`).join(', ')}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
