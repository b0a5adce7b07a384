// What a run hands back to people: the Markdown tables and comparison printed on stdout, and the
// JSON document (its shape is what test/browser/bench.spec.ts and results/bench-latest.json rely
// on), written where --out says or under the git-ignored results folder.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Options, RESULTS_DIR, root } from './cli';
import { LIVEKIT_ASSETS } from './livekit-assets';
import type { Measurement, Soak } from './measure';
import { type Row, round } from './rows';

export interface Comparison {
  basis: string;
  oursFpsOut: number | null;
  livekitGpuFpsOut: number | null;
  livekitCpuFpsOut: number | null;
  /** Null where either side was not measured (a row skipped, or no output). */
  fpsOutRatioVsLivekitGpu: number | null;
  fpsOutRatioVsLivekitCpu: number | null;
  latencyP95RatioVsLivekitGpu: number | null;
  latencyP95RatioVsLivekitCpu: number | null;
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

export function compare(rows: Row[]): Comparison {
  const ours = rows.find(
    (r) => r.processor === 'ours' && r.quality === 'fast' && r.background === 'blur',
  );
  const lkGpu = rows.find((r) => r.processor === 'livekit' && !r.delegate.startsWith('CPU'));
  const lkCpu = rows.find((r) => r.processor === 'livekit' && r.delegate.startsWith('CPU'));
  return {
    basis: 'output fps measured by the external tap; ours at fast/blur',
    oursFpsOut: ours?.tapFpsOut ?? null,
    livekitGpuFpsOut: lkGpu?.tapFpsOut ?? null,
    livekitCpuFpsOut: lkCpu?.tapFpsOut ?? null,
    fpsOutRatioVsLivekitGpu: ratio(ours?.tapFpsOut, lkGpu?.tapFpsOut),
    fpsOutRatioVsLivekitCpu: ratio(ours?.tapFpsOut, lkCpu?.tapFpsOut),
    latencyP95RatioVsLivekitGpu: ratio(ours?.extLatencyP95, lkGpu?.extLatencyP95),
    latencyP95RatioVsLivekitCpu: ratio(ours?.extLatencyP95, lkCpu?.extLatencyP95),
  };
}

export function printRows(rows: Row[], options: Pick<Options, 'seconds' | 'warmupS'>): void {
  const ordered = [
    ...rows.filter((r) => r.processor === 'ours'),
    ...rows.filter((r) => r.processor === 'livekit'),
  ];
  console.log(
    `\nEach row: ${options.seconds} s measured after ${options.warmupS} s of running (start-up: its own column).\n`,
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
}

/**
 * Only the comparisons that were measured: --quick has no CPU-delegate row and --levels no
 * livekit rows, and a ratio against a missing row would read as a figure.
 */
export function printComparison(c: Comparison): void {
  const against = (fps: number | null, latency: number | null, delegate: string) =>
    fps === null
      ? []
      : [`${fps}x against ${delegate}${latency === null ? '' : ` (latency p95 ratio ${latency})`}`];
  const measured = [
    ...against(
      c.fpsOutRatioVsLivekitGpu,
      c.latencyP95RatioVsLivekitGpu,
      'its default GPU delegate',
    ),
    ...against(c.fpsOutRatioVsLivekitCpu, c.latencyP95RatioVsLivekitCpu, 'the CPU delegate'),
  ];
  if (measured.length === 0) return;
  console.log(`\nfps out, ours (fast, blur) / livekit blur: ${measured.join(', ')}`);
}

export function printSoak(soak: Soak): void {
  console.log(
    `\nSoak: ours fast/blur for ${soak.seconds} s, external latency per ${soak.windowS} s window\n\n${table(
      ['window s', 'fps out', 'latency p50 / p95 ms', 'frames paired'],
      soak.windows.map((w) => [
        `${w.startS}–${round(w.startS + w.seconds)}`,
        String(w.fpsOut),
        `${w.latencyMs.p50} / ${w.latencyMs.p95}`,
        String(w.paired),
      ]),
    )}\n\nlast window p95 ≤ 1.2 × first: ${soak.lastWithin120PercentOfFirst}`,
  );
}

export function printOffMachine(attempted: Measurement['attempted']): void {
  console.log(
    `\noff-machine requests attempted (all blocked): ${attempted.length}${attempted
      .map((a) => `\n  ${a.url} (during ${a.during})`)
      .join('')}`,
  );
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

/** Writes the JSON document and returns the absolute path written. */
export function writeResults(
  options: Pick<Options, 'seconds' | 'warmupS' | 'out'>,
  m: Measurement,
  comparison: Comparison,
): string {
  const out = resolve(
    options.out ??
      join(root, RESULTS_DIR, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        seconds: options.seconds,
        warmupSeconds: options.warmupS,
        input: m.input,
        chromium: m.chromiumVersion,
        commit: commit(),
        livekit: {
          package: `@livekit/track-processors@${m.livekit.version}`,
          tasksVision: m.livekit.tasksVision,
          assets: LIVEKIT_ASSETS,
        },
        rows: m.rows,
        comparison,
        soak: m.soak,
        offMachineRequests: {
          attempted: m.attempted.length,
          blocked: m.attempted.length,
          requests: m.attempted,
        },
        pageErrors: m.pageErrors,
      },
      null,
      2,
    )}\n`,
  );
  return out;
}
