// `npm run eval`: mask quality against true masks, ours at each level beside livekit's and twilio's
// processors, in Chromium on the clips in test/fixtures/eval (tools/make-eval-clips.ts). Prints a
// table, writes JSON and a PNG strip per processor and scenario (frame | true mask | recovered mask
// | output) for a person to look at. A script, not a test: the suite runs its --quick setting and
// checks the JSON (test/browser/eval.spec.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { chromium } from '@playwright/test';
import {
  LIVEKIT_ASSETS,
  stageLivekitAssets,
  stageTwilioAssets,
  startScriptServer,
  TWILIO_ASSETS,
} from '../bench/livekit-assets';
import type { Quality } from '../src/index';
import { QUALITIES } from '../src/options';
import { chromiumLaunchOptions } from '../test/chromium';
import { ensureCameraFixture } from '../test/fixtures/camera-fixture';
import type { EvalRequest, EvalRun, ProcessorName, ScenarioName } from './page';
import { formatTable, summarise } from './report';

/** The in-page side, served by the dev server. */
const PAGE_MODULE = '/eval/page.ts';
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');

const USAGE = `npm run eval -- [options]

  --quick          ours at fast on the composite clip and the portraits, no peers, no strips
                   (the suite's short setting)
  --levels a,b     our levels (default fast,balanced,accurate; "none" for none)
  --peers a,b      livekit,twilio (default both; "none" for none)
  --passes N       times the clips are played (default 2)
  --scenarios a,b  moving,portraits,shapes (default moving,portraits; shapes: the flag-and-card
                   clip that test/browser/shapes.spec.ts judges)
  --out FILE       JSON (default .eval-results/eval-<date>.json); strips go beside it
  --help           this text`;

/**
 * The suite's short setting plays the composite clip only: its truth is exact (the subject was
 * pasted by its own mask) and it moves every frame, so a mask a frame late shows.
 */
function quickClip(): string {
  const manifest = JSON.parse(
    readFileSync(join(root, 'test/fixtures/eval/manifest.json'), 'utf8'),
  ) as { clips: Array<{ name: string; kind: string }> };
  const clip = manifest.clips.find((c) => c.kind === 'composite');
  if (!clip) throw new Error('test/fixtures/eval/manifest.json has no composite clip');
  return clip.name;
}

/** A run that has not finished by then is a hang (a full run takes under a minute). */
const RUN_TIMEOUT_MS = Number(process.env.EVAL_RUN_TIMEOUT_MS ?? 150_000);

function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no result after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  const quick = process.argv.includes('--quick');
  const levelArg = arg('--levels');
  const levels = (
    levelArg === 'none' ? [] : (levelArg?.split(',') ?? (quick ? ['fast'] : QUALITIES))
  ) as Quality[];
  for (const l of levels) if (!QUALITIES.includes(l)) throw new Error(`--levels: no level ${l}`);
  const peerArg = arg('--peers') ?? (quick ? 'none' : 'livekit,twilio');
  const peers = (peerArg === 'none' ? [] : peerArg.split(',')) as ProcessorName[];
  const passes = Number(arg('--passes') ?? 2);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = resolve(arg('--out') ?? join(root, '.eval-results', `eval-${stamp}.json`));
  mkdirSync(dirname(out), { recursive: true });

  const livekit = stageLivekitAssets();
  const twilio = stageTwilioAssets();
  const { server, base } = await startScriptServer();
  const browser = await chromium.launch(chromiumLaunchOptions(ensureCameraFixture().path));
  const context = await browser.newContext();
  // Nothing may leave the machine: a processor reaching for its CDN fails here, visibly.
  const attempted: string[] = [];
  await context.route(
    (u) => /^(https?|wss?):$/.test(u.protocol) && !['localhost', '127.0.0.1'].includes(u.hostname),
    async (route) => {
      attempted.push(route.request().url());
      await route.abort('blockedbyclient');
    },
  );
  const runs: EvalRun[] = [];
  const failures: string[] = [];
  const scenarios = (arg('--scenarios')?.split(',') ?? ['moving', 'portraits']) as ScenarioName[];
  const rows: Array<{ processor: ProcessorName; quality?: Quality }> = [
    ...levels.map((quality) => ({ processor: 'ours' as const, quality })),
    ...peers.map((processor) => ({ processor })),
  ];
  try {
    // Unmeasured: the dev server transforms the page's modules on their first request.
    const warm = await context.newPage();
    await warm.goto(`${base}/test/browser/page/index.html`);
    await warm.evaluate((url) => import(url), PAGE_MODULE);
    await warm.close();
    for (const row of rows) {
      for (const scenario of scenarios) {
        const request: EvalRequest = {
          processor: row.processor,
          ...(row.quality ? { quality: row.quality } : {}),
          scenario,
          passes,
          fps: 30,
          ...(quick && scenario === 'moving' ? { clips: [quickClip()] } : {}),
          livekitAssets: LIVEKIT_ASSETS,
          twilioAssets: TWILIO_ASSETS,
          stripRows: quick ? 0 : 6,
        };
        const page = await context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        if (process.env.EVAL_DEBUG)
          page.on('console', (m) => process.stderr.write(`  [page] ${m.text()}\n`));
        await page.goto(`${base}/test/browser/page/index.html`);
        const label = `${row.processor}${row.quality ? ` ${row.quality}` : ''} ${scenario}`;
        process.stderr.write(`[eval] ${label}…\n`);
        let run: EvalRun;
        try {
          run = await withTimeout(
            page.evaluate(
              async ({ url, r }) => {
                const m = (await import(url)) as typeof import('./page');
                return m.runEval(r);
              },
              { url: PAGE_MODULE, r: request },
            ),
            RUN_TIMEOUT_MS,
            label,
          );
        } catch (error) {
          // One processor failing (a peer that hangs, say) must not lose the others' figures.
          failures.push(`${label}: ${String(error).slice(0, 300)}`);
          process.stderr.write(`[eval] ${label} failed: ${String(error).slice(0, 300)}\n`);
          await page.close().catch(() => undefined);
          continue;
        }
        process.stderr.write(
          `[eval] ${label}: ${run.frames.length} frames scored, ${run.outputFps.toFixed(1)} fps\n`,
        );
        run.errors.push(...pageErrors);
        await page.close();
        if (run.strip) {
          const file = `${out.replace(/\.json$/, '')}-${label.replace(/ /g, '-')}.png`;
          writeFileSync(file, Buffer.from(run.strip, 'base64'));
          run.strip = relative(root, file);
        }
        runs.push(run);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const summary = summarise(runs);
  console.log(formatTable(summary));
  const result = {
    date: new Date().toISOString(),
    chromium: browser.version(),
    passes,
    fps: 30,
    versions: { livekit: livekit.version, twilio: twilio.version },
    summary,
    offMachineRequests: attempted,
    failures,
    runs,
  };
  writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
  console.log(`\nwritten: ${out}`);
  if (failures.length > 0) {
    console.error(`failed runs:\n${failures.join('\n')}`);
    process.exitCode = 1;
  }
  if (attempted.length > 0) {
    console.error(`off-machine requests were attempted: ${attempted.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
