// Which rows a run measures, and the one Row shape both processors' results are turned into, so
// that every column means the same thing for ours and for livekit.
import type { Background, ModelPreset, Quality } from '../src/index';
import { QUALITIES } from '../src/options';
import type { ExternalMeasurement, PerformanceResult } from '../test/browser/page/harness';
import type { LivekitResult } from '../test/browser/page/livekit';
import type { Options } from './cli';

export interface Row {
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

export interface Config {
  processor: 'ours' | 'livekit';
  label: string;
  quality?: Quality;
  background?: Background;
  delegate?: 'CPU';
  /** A multi-class preset instead of the level's own model. */
  model?: ModelPreset;
}

/** The DeepLabV3 rows' preset: a person and a dog kept, as the issue's example. */
export const DEEPLAB: ModelPreset = { preset: 'deeplabv3', foreground: ['person', 'dog'] };

export const BLUR: Background = { kind: 'blur', radius: 14 };
const COLOUR: Background = { kind: 'color', color: '#2a6' };

export function planRows(options: Pick<Options, 'quick' | 'levels' | 'deeplab'>): Config[] {
  const { quick, levels, deeplab } = options;
  const deeplabRows: Config[] = [
    { processor: 'ours', label: 'blur', quality: 'fast', background: BLUR, model: DEEPLAB },
    { processor: 'ours', label: 'colour', quality: 'fast', background: COLOUR, model: DEEPLAB },
  ];
  if (deeplab) return deeplabRows;
  const configs: Config[] = levels
    ? []
    : [
        // The rows the comparison rests on go first, back to back, so they share the machine's load.
        { processor: 'ours', label: 'blur', quality: 'fast', background: BLUR },
        { processor: 'livekit', label: 'blur' },
      ];
  if (levels) {
    for (const quality of levels) {
      configs.push({ processor: 'ours', label: 'blur', quality, background: BLUR });
      configs.push({ processor: 'ours', label: 'colour', quality, background: COLOUR });
    }
  } else if (!quick) {
    configs.push({ processor: 'livekit', label: 'blur', delegate: 'CPU' });
    const more: Array<[string, Background]> = [
      ['blur', BLUR],
      ['colour', COLOUR],
      ['none', { kind: 'none' }],
    ];
    for (const quality of QUALITIES) {
      for (const [label, background] of more) {
        if (label === 'none' && quality !== 'fast') continue; // passthrough does not depend on the level
        if (label === 'blur' && quality === 'fast') continue; // already first
        configs.push({ processor: 'ours', label, quality, background });
      }
    }
    configs.push(...deeplabRows);
  }
  return configs;
}

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function percentiles(values: number[]): { p50: number; p95: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length ? (s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number) : 0;
  return { p50: round(at(0.5)), p95: round(at(0.95)) };
}

export function oursRow(c: Config, r: PerformanceResult, seconds: number): Row {
  const s = r.stats;
  const e = r.external as ExternalMeasurement;
  return {
    processor: 'ours',
    quality: c.model
      ? `${c.model.preset} (${c.model.foreground.join('+')})`
      : (c.quality as string),
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

export function livekitRow(c: Config, r: LivekitResult, seconds: number, version: string): Row {
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
