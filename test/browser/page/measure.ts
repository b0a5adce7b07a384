/**
 * Performance measured from outside the processor, the same way for ours and for a competitor:
 * frame taps in a worker of their own (a busy main thread would stamp arrivals late), pairing by
 * capture timestamp for latency, displayed fps and main-thread long tasks and stalls.
 */

import type {
  Background,
  ProcessorStats,
  Quality,
  VirtualBackgroundOptions,
} from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';
import { camera } from './inputs';
import { sleep } from './util';

export interface PerformanceResult {
  stats: ProcessorStats;
  longTasks: number[];
  videoFps: number;
  startMs: number;
  /** Present when asked for with `{ external: true }`: see OutputMeasurement. */
  stalls?: number[];
  /** Present when asked for with `{ external: true }`: the output measured from outside the pipeline. */
  external?: ExternalMeasurement;
}

/** Capture timestamps (µs) of one tapped track's frames and their arrival times (ms since the epoch). */
export interface TapRecords {
  timestamps: number[];
  arrivals: number[];
}

/**
 * The taps run in their own worker, fed by transferred MediaStreamTrackProcessor readables, so that
 * a busy main thread (the competitor segments there) does not stamp arrivals late. Arrival times are
 * `performance.timeOrigin + performance.now()`: one clock that the page can compare with.
 */
const TAP_WORKER_SOURCE = `
const taps = new Map();
onmessage = async (e) => {
  const m = e.data;
  if (m.type === 'tap') {
    const reader = m.readable.getReader();
    const records = { timestamps: [], arrivals: [] };
    const loop = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || !value) return;
        records.arrivals.push(performance.timeOrigin + performance.now());
        records.timestamps.push(value.timestamp);
        value.close();
      }
    })().catch(() => undefined);
    taps.set(m.name, { reader, records, loop });
    postMessage({ type: 'tapping', name: m.name });
  } else if (m.type === 'collect') {
    const out = {};
    for (const [name, t] of taps) {
      await t.reader.cancel().catch(() => undefined);
      await t.loop;
      out[name] = t.records;
    }
    postMessage({ type: 'records', records: out });
  }
};
`;

export interface FrameTaps {
  /** Stops both taps and hands back what they saw. */
  collect(): Promise<{ input: TapRecords; output: TapRecords }>;
}

/**
 * Taps `input` and `output` (clones of them, so that stopping the taps leaves the tracks alone),
 * each with its own MediaStreamTrackProcessor whose readable goes to the tap worker. A small buffer:
 * a tap that ever fell behind drops frames rather than stamping a queued backlog late.
 */
export async function startFrameTaps(
  input: MediaStreamTrack,
  output: MediaStreamTrack,
  maxBufferSize = 4,
): Promise<FrameTaps> {
  const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
  const url = URL.createObjectURL(new Blob([TAP_WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  const tracks = { input: input.clone(), output: output.clone() };
  const message = (type: string) =>
    new Promise<MessageEvent>((resolve) => {
      const on = (e: MessageEvent) => {
        if ((e.data as { type: string }).type !== type) return;
        worker.removeEventListener('message', on);
        resolve(e);
      };
      worker.addEventListener('message', on);
    });
  for (const [name, track] of Object.entries(tracks)) {
    const readable = new Processor({ track, maxBufferSize }).readable;
    const started = message('tapping');
    worker.postMessage({ type: 'tap', name, readable }, [readable]);
    await started;
  }
  return {
    async collect() {
      const done = message('records');
      worker.postMessage({ type: 'collect' });
      const records = (await done).data.records as { input: TapRecords; output: TapRecords };
      worker.terminate();
      tracks.input.stop();
      tracks.output.stop();
      return records;
    },
  };
}

/** Nearest-rank percentile of `sorted` (ascending), p in 0..100; NaN when empty. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export interface ExternalWindow {
  /** Seconds from the start of the measurement. */
  startS: number;
  seconds: number;
  fpsOut: number;
  latencyMs: { p50: number; p95: number };
  paired: number;
}

export interface ExternalMeasurement {
  seconds: number;
  /** Frames that reached each tap during the measurement. */
  framesIn: number;
  framesOut: number;
  fpsIn: number;
  fpsOut: number;
  /** framesIn − framesOut over the measurement (edge effects make it ±1). */
  framesDropped: number;
  /**
   * Output arrival − arrival of the input frame with the same capture timestamp (within 500 µs),
   * over the output frames of the measurement; `unpaired` output frames had no such input.
   */
  latencyMs: { p50: number; p95: number; max: number };
  paired: number;
  unpaired: number;
  /** Per `windowS` slice of the measurement, when asked for. */
  windows?: ExternalWindow[];
}

/**
 * Pairs output frames with input frames by capture timestamp (generators may round it by a few
 * microseconds, hence the 500 µs tolerance) and summarises the frames that arrived at the output
 * tap between `from` and `to` (ms since the epoch). An output timestamp counts once: a processor
 * that sends two frames with the same timestamp is judged by the first.
 */
export function summarizeTaps(
  records: { input: TapRecords; output: TapRecords },
  from: number,
  to: number,
  windowS?: number,
): ExternalMeasurement {
  const inputs = records.input.timestamps
    .map((t, i) => [t, records.input.arrivals[i] as number] as const)
    .sort((a, b) => a[0] - b[0]);
  const findInput = (ts: number): number | undefined => {
    let lo = 0;
    let hi = inputs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((inputs[mid] as readonly [number, number])[0] < ts) lo = mid + 1;
      else hi = mid;
    }
    let best: readonly [number, number] | undefined;
    for (const j of [lo - 1, lo]) {
      const c = inputs[j];
      if (
        c &&
        Math.abs(c[0] - ts) <= 500 &&
        (!best || Math.abs(c[0] - ts) < Math.abs(best[0] - ts))
      )
        best = c;
    }
    return best?.[1];
  };
  const seen = new Set<number>();
  const latencies: Array<[arrival: number, latency: number]> = [];
  let framesOut = 0;
  let unpaired = 0;
  records.output.timestamps.forEach((ts, i) => {
    const at = records.output.arrivals[i] as number;
    if (at < from || at >= to) return;
    framesOut++;
    if (seen.has(ts)) return;
    seen.add(ts);
    const inAt = findInput(ts);
    if (inAt === undefined) unpaired++;
    else latencies.push([at, at - inAt]);
  });
  const framesIn = records.input.arrivals.filter((at) => at >= from && at < to).length;
  const seconds = (to - from) / 1000;
  const summary = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: round2(percentile(sorted, 50)), p95: round2(percentile(sorted, 95)) };
  };
  const all = latencies.map(([, l]) => l);
  const result: ExternalMeasurement = {
    seconds: round2(seconds),
    framesIn,
    framesOut,
    fpsIn: round2(framesIn / seconds),
    fpsOut: round2(framesOut / seconds),
    framesDropped: framesIn - framesOut,
    latencyMs: { ...summary(all), max: all.length ? round2(Math.max(...all)) : Number.NaN },
    paired: latencies.length,
    unpaired,
  };
  if (windowS && windowS > 0) {
    result.windows = [];
    for (let start = from; start + windowS * 1000 <= to + 1; start += windowS * 1000) {
      const end = start + windowS * 1000;
      const inWindow = latencies.filter(([at]) => at >= start && at < end).map(([, l]) => l);
      const out = records.output.arrivals.filter((at) => at >= start && at < end).length;
      result.windows.push({
        startS: round2((start - from) / 1000),
        seconds: windowS,
        fpsOut: round2(out / windowS),
        latencyMs: summary(inWindow),
        paired: inWindow.length,
      });
    }
  }
  return result;
}

export interface OutputMeasurementOptions {
  /** Tap input and output from outside (see startFrameTaps) and pair frames for latency. */
  external?: boolean;
  /** With `external`: also summarise each slice of this many seconds. */
  windowS?: number;
  /** Called when the measured span starts and ends (the caller's own per-frame counters). */
  onStart?: () => void;
  onEnd?: () => void;
  /**
   * For the measure* helpers: how long the processor runs after start() before the span begins
   * (default 1.5 s: the path probe and the first segmenter calls). The bench gives every row more,
   * so a row reads the steady state, not the engine's wasm tier-up (start-up has its own column).
   */
  settleMs?: number;
}

export interface OutputMeasurement {
  longTasks: number[];
  /**
   * With `external`: how long the main thread could not run a 16 ms heartbeat, for each gap over
   * 50 ms (gap − 16 ms). Chromium leaves work done in stream callbacks and promise reactions out of
   * 'longtask' entries, and that is where a processor on the main thread does its work.
   */
  stalls?: number[];
  videoFps: number;
  external?: ExternalMeasurement;
}

/**
 * What both processors are measured by, the same way: `output` shown in a <video> (frames counted
 * with requestVideoFrameCallback), main-thread long tasks, and optionally external taps on
 * `input` and `output`, for `seconds`.
 */
export async function measureOutput(
  input: MediaStreamTrack,
  output: MediaStreamTrack,
  seconds: number,
  options: OutputMeasurementOptions = {},
): Promise<OutputMeasurement> {
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration);
  });
  observer.observe({ type: 'longtask' });
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = new MediaStream([output]);
  document.body.append(video);
  await video.play();
  let shown = 0;
  const onFrame = () => {
    shown++;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  const taps = options.external ? await startFrameTaps(input, output) : null;
  // Frames flowing through both taps before the span starts, and for longer than the slowest
  // processor's latency, so that the span's first output frames find their inputs.
  if (taps) await sleep(1000);
  const stalls: number[] = [];
  let beat = performance.now();
  const heartbeat = taps
    ? setInterval(() => {
        const now = performance.now();
        if (now - beat > 50) stalls.push(now - beat - 16);
        beat = now;
      }, 16)
    : undefined;
  const shown0 = shown;
  const tStart = performance.now();
  beat = tStart;
  options.onStart?.();
  await sleep(seconds * 1000);
  const tEnd = performance.now();
  options.onEnd?.();
  clearInterval(heartbeat);
  const videoFps = ((shown - shown0) * 1000) / (tEnd - tStart);
  // Entries are delivered in a later task, which a saturated main thread never gets to before
  // disconnect() would drop them: take what is queued.
  for (const e of observer.takeRecords()) longTasks.push(e.duration);
  observer.disconnect();
  let external: ExternalMeasurement | undefined;
  if (taps) {
    const records = await taps.collect();
    const epoch = performance.timeOrigin;
    external = summarizeTaps(records, epoch + tStart, epoch + tEnd, options.windowS);
  }
  video.srcObject = null;
  video.remove();
  return external ? { longTasks, stalls, videoFps, external } : { longTasks, videoFps };
}

/** Runs the pipeline into a <video> for `seconds` and reports stats, long tasks and displayed fps. */
export async function measurePerformance(
  seconds: number,
  quality: Quality,
  background: Background,
  extra: Partial<VirtualBackgroundOptions> = {},
  measure: OutputMeasurementOptions = {},
): Promise<PerformanceResult> {
  const cam = await camera();
  const vb = await createVirtualBackground({ ...extra, quality, background });
  const t0 = performance.now();
  const out = await vb.start(cam);
  const startMs = performance.now() - t0;
  await sleep(measure.settleMs ?? 1500);
  const m = await measureOutput(cam, out, seconds, measure);
  const stats = vb.stats();
  await vb.stop();
  cam.stop();
  return { stats, startMs, ...m };
}
