/**
 * Quality-level switches while frames flow, which can change engine and model mid-stream: every
 * output frame is judged against its camera frame, and gaps and skipped frames around each switch
 * are measured, because a switch must not show a wrong frame or stall the output.
 */

import type { ProcessorStats, Quality, VirtualBackgroundOptions } from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';
import type { Region } from './crops';
import { camera } from './inputs';
import { fractionClose, fractionNear } from './pixels';
import { tapTrack } from './taps';
import { sleep } from './util';

export interface SwitchRun {
  /** Per level phase: the quality asked for, stats after the switch resolved, frames judged. */
  phases: Array<{
    quality: Quality;
    switchMs: number;
    stats: ProcessorStats;
    frames: number;
    /** Worst frame of the phase: least green share over the background regions. */
    minBackgroundGreen: number;
    /** Worst frame: least share of person pixels matching the camera. */
    minPerson: number;
    /** Mean over frames of the background regions' green share and the person regions' kept share. */
    meanBackgroundGreen: number;
    meanPerson: number;
    /** Longest time between two output frames arriving, from update() until the phase ended. */
    maxGapMs: number;
    /** Longest capture-time distance between consecutive output frames (frames skipped show here). */
    maxTimestampGapMs: number;
    /** When the longest arrival gap ended, ms after update() was called. */
    maxGapAtMs: number;
    /** Largest capture-time gap in the camera track itself over the phase (a starved capture). */
    maxInputGapMs: number;
    /**
     * Most camera frames in a row that the output skipped: camera frames captured between two
     * consecutive output frames. A gap the camera itself left (a starved capture) counts nothing.
     */
    maxFramesSkipped: number;
    /** Where that run ended: capture-time ms after the last output frame before update() resolved. */
    maxSkipAtMs: number;
    /**
     * Share of the camera frames captured over the phase's output span that the output showed: one
     * hiccup of a busy machine shows in maxFramesSkipped, a pipeline that is not keeping up here.
     */
    shownShare: number;
  }>;
  unmatched: number;
}

/**
 * Green background, switching quality levels while frames flow; every output frame is paired with
 * its camera frame and judged.
 */
export async function runQualitySwitches(
  regions: Region[],
  sequence: Quality[],
  framesPerPhase: number,
  extra: Partial<VirtualBackgroundOptions> = {},
): Promise<SwitchRun> {
  const cam = await camera();
  const first = sequence[0] ?? 'fast';
  const vb = await createVirtualBackground({
    ...extra,
    quality: first,
    adaptive: false,
    background: { kind: 'color', color: '#00ff00' },
  });
  const out = await vb.start(cam);
  const inputs = new Map<number, Map<string, ImageData>>();
  let unmatched = 0;
  interface Phase {
    quality: Quality;
    switchMs: number;
    stats: ProcessorStats | null;
    frames: number;
    minBackgroundGreen: number;
    minPerson: number;
    meanBackgroundGreen: number;
    meanPerson: number;
    maxGapMs: number;
    maxTimestampGapMs: number;
    maxGapAtMs: number;
    /** Largest capture-time gap in the camera track itself over the phase (a starved capture). */
    maxInputGapMs: number;
    maxFramesSkipped: number;
    /** Where that run of skipped frames ended, capture-time ms after the last output frame before update() resolved. */
    maxSkipAtMs: number;
    shownShare: number;
    resolvedTs: number;
    /** Capture timestamps of the phase's output frames, in order. */
    outputTimestamps: number[];
    startedAt: number;
  }
  const phases: Phase[] = [];
  let lastTs = 0;
  let current: Phase | null = null;
  let lastArrival = 0;
  let seen = 0;
  let lastInputTs = 0;
  const inputTimestamps: number[] = [];
  const inputTap = tapTrack(cam.clone(), regions, (ts, crops) => {
    if (current && lastInputTs) {
      current.maxInputGapMs = Math.max(current.maxInputGapMs, (ts - lastInputTs) / 1000);
    }
    lastInputTs = ts;
    inputTimestamps.push(ts);
    inputs.set(ts, crops);
    if (inputs.size > 90) inputs.delete(inputs.keys().next().value as number);
  });
  const outputTap = tapTrack(out, regions, (ts, crops) => {
    const now = performance.now();
    const gap = lastArrival ? now - lastArrival : 0;
    lastArrival = now;
    seen++;
    const tsGap = lastTs ? (ts - lastTs) / 1000 : 0;
    lastTs = ts;
    const phase = current;
    if (!phase || seen < 5) return;
    if (gap > phase.maxGapMs) {
      phase.maxGapMs = gap;
      phase.maxGapAtMs = now - phase.startedAt;
    }
    phase.maxTimestampGapMs = Math.max(phase.maxTimestampGapMs, tsGap);
    phase.outputTimestamps.push(ts);
    let inp = inputs.get(ts);
    if (!inp) for (const [t, c] of inputs) if (Math.abs(t - ts) <= 500) inp = c;
    if (!inp) {
      unmatched++;
      return;
    }
    let green = 0;
    let bgPixels = 0;
    let person = 1;
    let personSum = 0;
    let personPixels = 0;
    for (const r of regions) {
      const o = crops.get(r.name) as ImageData;
      const n = o.width * o.height;
      if (r.label === 'background') {
        green += fractionNear(o, [0, 255, 0], 24) * n;
        bgPixels += n;
      } else {
        const kept = fractionClose(o, inp.get(r.name) as ImageData, 20);
        person = Math.min(person, kept);
        personSum += kept * n;
        personPixels += n;
      }
    }
    phase.meanBackgroundGreen +=
      (green / bgPixels - phase.meanBackgroundGreen) / (phase.frames + 1);
    phase.meanPerson += (personSum / personPixels - phase.meanPerson) / (phase.frames + 1);
    phase.frames++;
    phase.minBackgroundGreen = Math.min(phase.minBackgroundGreen, green / bgPixels);
    phase.minPerson = Math.min(phase.minPerson, person);
  });
  const newPhase = (quality: Quality, switchMs: number): Phase => ({
    quality,
    switchMs,
    stats: null,
    frames: 0,
    minBackgroundGreen: 1,
    minPerson: 1,
    meanBackgroundGreen: 0,
    meanPerson: 0,
    maxGapMs: 0,
    maxTimestampGapMs: 0,
    maxGapAtMs: 0,
    maxInputGapMs: 0,
    maxFramesSkipped: 0,
    maxSkipAtMs: 0,
    shownShare: 0,
    resolvedTs: 0,
    outputTimestamps: [],
    startedAt: performance.now(),
  });
  try {
    await sleep(1500);
    // Judge from the first mask on (a slow backend, WebGPU on SwiftShader, takes seconds for it;
    // until then the output is background only, by design).
    const firstMask = performance.now() + 30_000;
    while (vb.stats().framesSegmented === 0 && performance.now() < firstMask) await sleep(100);
    // Frames composited before that mask landed are still on their way out (the held frame, the
    // output queue): judged, they showed no person (0.04 of it in one clean-clone run with a
    // 2.7 s WebGPU mask). Half a second is several times the output's latency.
    if (vb.stats().framesSegmented > 0) await sleep(500);
    for (const [i, quality] of sequence.entries()) {
      const phase = newPhase(quality, 0);
      if (i > 0) {
        // The phase starts at update(): the gap check covers the whole switch.
        current = phase;
        phase.frames = 0;
        const t0 = performance.now();
        await vb.update({ quality });
        phase.switchMs = performance.now() - t0;
        phase.resolvedTs = lastTs;
      } else {
        current = phase;
      }
      phases.push(phase);
      const deadline = performance.now() + 30_000;
      while (phase.frames < framesPerPhase && performance.now() < deadline) await sleep(20);
      phase.stats = vb.stats();
    }
  } finally {
    current = null;
    await outputTap.stop();
    await inputTap.stop();
    await vb.stop();
    cam.stop();
  }
  for (const p of phases) {
    const first = p.outputTimestamps[0];
    const last = p.outputTimestamps.at(-1);
    if (first !== undefined && last !== undefined) {
      // A camera frame counts as shown when an output frame carries its timestamp (within 0.1 ms:
      // the output track's timestamps come back a few microseconds off the camera tap's now and
      // then). A repeat of our own is stamped frame intervals later, and Chromium's re-delivery of
      // a track's last frame to a sink repeats its timestamp: neither counts twice.
      const inSpan = inputTimestamps.filter((t) => t >= first && t <= last);
      const outs = [...new Set(p.outputTimestamps)].sort((x, y) => x - y);
      let j = 0;
      let shown = 0;
      for (const t of inSpan) {
        while (j < outs.length && (outs[j] as number) < t - 100) j++;
        if (j < outs.length && Math.abs((outs[j] as number) - t) <= 100) shown++;
      }
      p.shownShare = inSpan.length > 0 ? shown / inSpan.length : 0;
    }
    // Camera frames strictly between consecutive output frames: both lists are in capture order.
    let k = 0;
    for (let i = 1; i < p.outputTimestamps.length; i++) {
      const from = p.outputTimestamps[i - 1] as number;
      const to = p.outputTimestamps[i] as number;
      while (k < inputTimestamps.length && (inputTimestamps[k] as number) <= from) k++;
      let skipped = 0;
      while (k + skipped < inputTimestamps.length && (inputTimestamps[k + skipped] as number) < to)
        skipped++;
      if (skipped > p.maxFramesSkipped) {
        p.maxFramesSkipped = skipped;
        p.maxSkipAtMs = (to - p.resolvedTs) / 1000;
      }
    }
  }
  return {
    phases: phases.map(({ outputTimestamps: _, startedAt: __, resolvedTs: ___, ...p }) => ({
      ...p,
      stats: p.stats as ProcessorStats,
    })),
    unmatched,
  };
}
