/**
 * Paired judging of output frames: each output frame is matched with the camera frame it was made
 * from (the pipeline keeps the capture timestamp) and scored region by region against what its
 * phase's background should show, while runPhases switches backgrounds under it.
 */

import type { Background, ProcessorStats, Quality, VirtualBackground } from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';
import type { Crops, Region } from './crops';
import { camera, coverFitCrops, gradientImage } from './inputs';
import { fractionClose, fractionNear, GREEN, laplacianEnergy } from './pixels';
import { tapTrack } from './taps';
import { sleep } from './util';

export type BackgroundClass = 'color' | 'image' | 'blur' | 'raw' | 'other';

export interface FrameVerdict {
  timestamp: number;
  phase: number;
  /** Per region: share of pixels that match what that region should show. */
  person: Record<string, number>;
  background: Record<string, number>;
  /** Output/input Laplacian energy over all background regions, and over all person regions. */
  backgroundSharpness: number;
  personSharpness: number;
  backgroundClass: BackgroundClass;
}

function judge(
  regions: Region[],
  input: Crops,
  output: Crops,
  imageCrops: Crops | null,
  expect: 'color' | 'image' | 'blur' | 'none',
  phase: number,
  timestamp: number,
): FrameVerdict {
  const person: Record<string, number> = {};
  const background: Record<string, number> = {};
  let bgIn = 0;
  let bgOut = 0;
  let pIn = 0;
  let pOut = 0;
  let green = 0;
  let image = 0;
  let bgPixels = 0;
  for (const r of regions) {
    const inp = input.get(r.name) as ImageData;
    const out = output.get(r.name) as ImageData;
    const n = inp.width * inp.height;
    if (r.label === 'person') {
      person[r.name] = fractionClose(out, inp, 20);
      pIn += laplacianEnergy(inp) * n;
      pOut += laplacianEnergy(out) * n;
      continue;
    }
    bgPixels += n;
    bgIn += laplacianEnergy(inp) * n;
    bgOut += laplacianEnergy(out) * n;
    const g = fractionNear(out, GREEN, 24);
    green += g * n;
    const im = imageCrops ? fractionClose(out, imageCrops.get(r.name) as ImageData, 24) : 0;
    image += im * n;
    background[r.name] =
      expect === 'color'
        ? g
        : expect === 'image'
          ? im
          : expect === 'none'
            ? fractionClose(out, inp, 2)
            : 0;
  }
  const backgroundSharpness = bgOut / Math.max(bgIn, 1e-6);
  const personSharpness = pOut / Math.max(pIn, 1e-6);
  const backgroundClass: BackgroundClass =
    green / bgPixels >= 0.95
      ? 'color'
      : image / bgPixels >= 0.95
        ? 'image'
        : backgroundSharpness < 0.4
          ? 'blur'
          : backgroundSharpness > 0.6
            ? 'raw'
            : 'other';
  return {
    timestamp,
    phase,
    person,
    background,
    backgroundSharpness,
    personSharpness,
    backgroundClass,
  };
}

/**
 * The input frame an output frame was made from. The pipeline copies the timestamp, but Chrome's
 * generator may round it by a few microseconds, so match within half a millisecond.
 */
function matchInput(inputs: Map<number, Crops>, ts: number): Crops | undefined {
  const exact = inputs.get(ts);
  if (exact) return exact;
  for (const [t, crops] of inputs) if (Math.abs(t - ts) <= 500) return crops;
  return undefined;
}

export interface RunOptions {
  regions: Region[];
  quality?: Quality;
  /** The backgrounds to show in turn; each switch is an update() while frames flow. */
  phases: Array<{ background: Background | 'gradient-image'; frames: number }>;
  /** Output frames to ignore at the start (the pipeline is allowed to warm up). */
  warmupFrames?: number;
  timeoutMs?: number;
  /** Call createVirtualBackground() with no options at all (the first phase must be its default, blur). */
  defaults?: boolean;
}

export interface RunResult {
  verdicts: FrameVerdict[];
  /** Index into verdicts of the first frame after each phase's update() resolved. */
  phaseStarts: number[];
  /** Per phase: the worker's boundary, frames with a later capture timestamp use the new background. */
  switchAfter: Array<number | null>;
  unmatched: number;
  stats: ProcessorStats;
  /** Adaptive quality's steps during the run ('qualitychange' events), in order. */
  qualityChanges: Array<{ quality: string; requested: string; reason: string }>;
}

/**
 * Starts the processor on the fake camera, shows each phase's background for its number of output
 * frames (switching with update() while running), and judges every paired output frame.
 */
export async function runPhases(options: RunOptions): Promise<RunResult> {
  const { regions } = options;
  const cam = await camera();
  const settings = cam.getSettings();
  const width = settings.width ?? 1280;
  const height = settings.height ?? 720;
  const gradient = await gradientImage();
  const imageCrops = await coverFitCrops(gradient, width, height, regions);
  const resolve = (b: Background | 'gradient-image'): Background =>
    b === 'gradient-image' ? { kind: 'image', source: gradient } : b;
  const expectOf = (b: Background | 'gradient-image') => {
    const k = resolve(b).kind;
    return k === 'color' ? 'color' : k === 'image' ? 'image' : k === 'none' ? 'none' : 'blur';
  };
  const first = options.phases[0];
  if (!first) throw new Error('no phases');
  const vb: VirtualBackground = options.defaults
    ? await createVirtualBackground()
    : await createVirtualBackground({
        quality: options.quality ?? 'fast',
        background: resolve(first.background),
      });
  const out = await vb.start(cam);
  const inputs = new Map<number, Crops>();
  const verdicts: FrameVerdict[] = [];
  const phaseStarts = [0];
  const switchAfter: Array<number | null> = [null];
  let lastBoundary: number | null = null;
  const qualityChanges: RunResult['qualityChanges'] = [];
  vb.addEventListener('qualitychange', (e) => {
    const { quality, requested, reason } = (e as CustomEvent<RunResult['qualityChanges'][number]>)
      .detail;
    qualityChanges.push({ quality, requested, reason });
  });
  vb.addEventListener('updated', (e) => {
    lastBoundary = (e as CustomEvent<{ afterTimestamp: number | null }>).detail.afterTimestamp;
  });
  let phase = 0;
  let unmatched = 0;
  let seen = 0;
  const warmup = options.warmupFrames ?? 5;
  // Verdicts carry their output frame's arrival number: judging may wait for the input tap, so
  // they are pushed out of order and put back in arrival order at the end.
  const arrivalOf = new Map<FrameVerdict, number>();
  const switchArrivals = [0];
  // Frames of phase `i` drawn after its switch: the page's own backlog of older frames does not
  // count.
  const fresh = (i: number) => {
    const boundary = switchAfter[i] ?? Number.NEGATIVE_INFINITY;
    return verdicts.filter((v) => v.phase === i && v.timestamp > boundary).length;
  };
  interface Waiting {
    ts: number;
    crops: Crops;
    phase: number;
    arrival: number;
  }
  const record = (w: Waiting, inp: Crops) => {
    const p = options.phases[w.phase] ?? first;
    // The last phase judges exactly the frames it asked for: on a loaded machine frames arrive in
    // bursts, and one more could land between the wait loop's look and the taps' stop.
    if (w.phase === options.phases.length - 1 && fresh(w.phase) >= p.frames) return;
    const verdict = judge(regions, inp, w.crops, imageCrops, expectOf(p.background), w.phase, w.ts);
    arrivalOf.set(verdict, w.arrival);
    verdicts.push(verdict);
  };
  // Output frames whose input frame the camera tap has not read yet: on a starved main thread the
  // two taps fall behind by different amounts, and the output can be read before its own input.
  let waiting: Waiting[] = [];
  let newestInput = Number.NEGATIVE_INFINITY;
  const inputTap = tapTrack(cam.clone(), regions, (ts, crops) => {
    inputs.set(ts, crops);
    newestInput = Math.max(newestInput, ts);
    if (inputs.size > 90) inputs.delete(inputs.keys().next().value as number);
    const still: Waiting[] = [];
    for (const w of waiting) {
      if (Math.abs(w.ts - ts) <= 500) record(w, crops);
      // Inputs arrive in capture order: one later than this output means its input was dropped.
      else if (w.ts < ts) unmatched++;
      else still.push(w);
    }
    waiting = still;
  });
  const outputTap = tapTrack(out, regions, (ts, crops) => {
    seen++;
    if (seen <= warmup) return;
    const w: Waiting = { ts, crops, phase, arrival: seen };
    const inp = matchInput(inputs, ts);
    if (inp) record(w, inp);
    else if (ts > newestInput + 500 && waiting.length < 90) waiting.push(w);
    else unmatched++;
  });
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  try {
    for (let i = 0; i < options.phases.length; i++) {
      const p = options.phases[i] as RunOptions['phases'][number];
      if (i > 0) {
        await vb.update({ background: resolve(p.background) });
        phase = i;
        switchArrivals.push(seen + 1);
        switchAfter.push(lastBoundary);
      }
      while (fresh(i) < p.frames) {
        if (performance.now() > deadline) {
          throw new Error(
            `timed out in phase ${i}: ${verdicts.length} judged, ${unmatched} unmatched`,
          );
        }
        await sleep(20);
      }
    }
  } finally {
    await outputTap.stop();
    await inputTap.stop();
  }
  unmatched += waiting.length;
  const arrival = (v: FrameVerdict) => arrivalOf.get(v) ?? 0;
  verdicts.sort((a, b) => arrival(a) - arrival(b));
  for (const start of switchArrivals.slice(1)) {
    const index = verdicts.findIndex((v) => arrival(v) >= start);
    phaseStarts.push(index === -1 ? verdicts.length : index);
  }
  const stats = vb.stats();
  await vb.stop();
  cam.stop();
  return { verdicts, phaseStarts, switchAfter, unmatched, stats, qualityChanges };
}
