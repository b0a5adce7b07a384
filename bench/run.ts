/**
 * `npm run bench`: our pipeline side by side with @livekit/track-processors' background blur, on
 * a 1280x720 30 fps fake camera (the person fixture) in headless Chromium, one row after another
 * in one browser. Every row is measured the same way from outside the processor
 * (test/browser/page/harness.ts measureOutput): taps on the camera and the output track pair
 * frames by capture timestamp for latency, a <video> counts displayed frames, a
 * PerformanceObserver sums main-thread long tasks and a heartbeat the main-thread stalls that long
 * tasks miss. The full run: ours at each quality level with blur and colour, and passing through
 * (no background) once; livekit blur with its default GPU delegate and with the CPU one. Then a
 * soak: ours at fast/blur for --soak seconds, latency p95 per 30 s window (half the soak when it is
 * shorter than a minute). Prints tables and writes JSON.
 *
 * Options (`--help` prints them): --seconds N (per row, default 10), --warmup N (seconds each row
 * runs before its span starts, default 5, 1.5 with --quick, the same for every processor: a row
 * reads the steady state, and start-up has its own column), --soak N (default 120; 0 skips),
 * --quick (3 s rows, ours at fast/blur and livekit with its default delegate only, no soak: the
 * test suite's smoke run), --levels fast,accurate (only our rows at those levels, blur and colour:
 * no livekit rows, no soak unless --soak is given; for comparing a change at one level),
 * --out FILE (default .bench-results/bench-<date>.json, git-ignored; results/bench-latest.json is
 * the committed copy of the latest full run, updated by passing --out results/bench-latest.json).
 * Nothing may leave the machine: every non-local request is aborted, counted, and fails the run
 * (after the JSON is written, so it names them).
 *
 * This file wires the parts: cli.ts (options), rows.ts (which rows, and the Row shape),
 * measure.ts (server, browser, rows, soak), livekit-assets.ts, report.ts (tables and JSON).
 */
import { parseOptions, USAGE } from './cli';
import { measure } from './measure';
import {
  compare,
  printComparison,
  printOffMachine,
  printRows,
  printSoak,
  writeResults,
} from './report';
import { planRows } from './rows';

async function main(): Promise<void> {
  const options = parseOptions();
  if (!options) {
    console.log(USAGE);
    return;
  }
  const m = await measure(options, planRows(options));
  printRows(m.rows, options);
  const comparison = compare(m.rows);
  printComparison(comparison);
  if (m.soak) printSoak(m.soak);
  printOffMachine(m.attempted);
  const out = writeResults(options, m, comparison);
  console.error(`[bench] wrote ${out}`);
  if (m.attempted.length > 0) {
    throw new Error(
      `${m.attempted.length} off-machine request(s) attempted (blocked): ${m.attempted.map((a) => `${a.url} during ${a.during}`).join(', ')}`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
