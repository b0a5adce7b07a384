/**
 * End-to-end scenarios that do not fit runPhases' paired judging: unpaired output (transports
 * that stamp their own timestamps), adaptive quality stepping down and back, and the harness's
 * check of its own crop conversion.
 */

import type { ProcessorStats } from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';
import { cropFrame, drawCrops, type Region } from './crops';
import { camera } from './inputs';
import { fractionNear, GREEN, meanRgb } from './pixels';
import { tapTrack } from './taps';
import { sleep } from './util';

export interface UnpairedResult {
  /** Per output frame: share of green pixels over all background regions and over all person regions. */
  backgroundGreen: number[];
  personGreen: number[];
  /** Mean RGB of each person region, over output frames and over input frames. */
  personMeanOut: Record<string, [number, number, number]>;
  personMeanIn: Record<string, [number, number, number]>;
  stats: ProcessorStats;
  outputSettings: MediaTrackSettings;
}

/**
 * For transports whose output frames carry their own timestamps (canvas capture), frames cannot be
 * paired with their inputs: judge each output frame on its own (green background, no green on the
 * person) and compare the person regions' mean colours with the camera's over the same time.
 */
export async function runUnpaired(
  regions: Region[],
  transport: 'element' | 'streams',
  frames: number,
): Promise<UnpairedResult> {
  const cam = await camera();
  const vb = await createVirtualBackground({
    quality: 'fast',
    background: { kind: 'color', color: '#00ff00' },
    transport,
  });
  const out = await vb.start(cam);
  const backgroundGreen: number[] = [];
  const personGreen: number[] = [];
  const sums = { out: new Map<string, number[]>(), in: new Map<string, number[]>() };
  const add = (which: 'out' | 'in', name: string, rgb: [number, number, number]) => {
    const s = sums[which].get(name) ?? [0, 0, 0, 0];
    sums[which].set(name, [
      (s[0] ?? 0) + rgb[0],
      (s[1] ?? 0) + rgb[1],
      (s[2] ?? 0) + rgb[2],
      (s[3] ?? 0) + 1,
    ]);
  };
  const person = regions.filter((r) => r.label === 'person');
  let seen = 0;
  const inputTap = tapTrack(cam.clone(), person, (_ts, crops) => {
    for (const [name, img] of crops) add('in', name, meanRgb(img));
  });
  const outputTap = tapTrack(out, regions, (_ts, crops) => {
    if (++seen <= 5) return; // warm-up
    // A frame can still arrive between the loop below seeing enough and the tap stopping.
    if (backgroundGreen.length >= frames) return;
    let bg = 0;
    let bgN = 0;
    let p = 0;
    let pN = 0;
    for (const r of regions) {
      const img = crops.get(r.name) as ImageData;
      const n = img.width * img.height;
      const g = fractionNear(img, GREEN, 24) * n;
      if (r.label === 'person') {
        p += g;
        pN += n;
        add('out', r.name, meanRgb(img));
      } else {
        bg += g;
        bgN += n;
      }
    }
    backgroundGreen.push(bg / bgN);
    personGreen.push(p / pN);
  });
  const deadline = performance.now() + 60_000;
  while (backgroundGreen.length < frames && performance.now() < deadline) await sleep(50);
  await outputTap.stop();
  await inputTap.stop();
  // stats() is the worker's last report, sent once a second: give it time to cover the frames
  // judged (the taps alone can read them faster than that).
  const reported = performance.now() + 3000;
  while (vb.stats().framesOut < frames && performance.now() < reported) await sleep(100);
  const stats = vb.stats();
  const outputSettings = out.getSettings();
  await vb.stop();
  cam.stop();
  const means = (m: Map<string, number[]>) =>
    Object.fromEntries(
      [...m].map(([k, s]) => [
        k,
        [(s[0] ?? 0) / (s[3] ?? 1), (s[1] ?? 0) / (s[3] ?? 1), (s[2] ?? 0) / (s[3] ?? 1)],
      ]),
    ) as Record<string, [number, number, number]>;
  return {
    backgroundGreen,
    personGreen,
    personMeanOut: means(sums.out),
    personMeanIn: means(sums.in),
    stats,
    outputSettings,
  };
}

export interface AdaptiveResult {
  /** [seconds since start, quality, reason] for every 'qualitychange' event. */
  changes: Array<[number, string, string]>;
  slowedAt: number;
  restoredAt: number;
  fpsOutSlowed: number;
  stats: ProcessorStats;
}

/**
 * Adaptive quality end to end: start at `balanced`, make segmentation `factor` times slower until
 * the level steps down, then restore it and wait until the level comes back.
 */
export async function runAdaptive(
  factor: number,
  timeoutS = 60,
  cameraFps = 30,
): Promise<AdaptiveResult> {
  const cam = await camera(1280, 720, cameraFps);
  const vb = await createVirtualBackground({
    quality: 'balanced',
    background: { kind: 'color', color: '#3060a0' },
  });
  const t0 = performance.now();
  const at = () => Math.round((performance.now() - t0) / 100) / 10;
  const changes: AdaptiveResult['changes'] = [];
  vb.addEventListener('qualitychange', (e) => {
    const d = (e as CustomEvent<{ quality: string; reason: string }>).detail;
    changes.push([at(), d.quality, d.reason]);
  });
  await vb.start(cam);
  const waitFor = async (done: () => boolean) => {
    const deadline = performance.now() + timeoutS * 1000;
    while (!done() && performance.now() < deadline) await sleep(100);
  };
  await sleep(3000);
  await vb.update({ segmentationSlowdown: factor });
  const slowedAt = at();
  await waitFor(() => changes.length >= 1);
  const fpsOutSlowed = vb.stats().fpsOut;
  await vb.update({ segmentationSlowdown: 1 });
  const restoredAt = at();
  await waitFor(() => changes.length >= 2);
  await sleep(2000); // and nothing more happens
  const stats = vb.stats();
  await vb.stop();
  cam.stop();
  return { changes, slowedAt, restoredAt, fpsOutSlowed, stats };
}

/** One phase of measureSlowdown: the processor's counters over it, as rates. */
export interface PhaseRates {
  seconds: number;
  /** Frames the camera captured over the phase (received + dropped at the source), per second. */
  cameraFps: number;
  fpsOut: number;
  framesSegmented: number;
  framesReused: number;
  stats: ProcessorStats;
}

function phaseRates(before: ProcessorStats, after: ProcessorStats, seconds: number): PhaseRates {
  const captured = after.framesIn + after.framesDropped - (before.framesIn + before.framesDropped);
  return {
    seconds,
    cameraFps: captured / seconds,
    fpsOut: (after.framesOut - before.framesOut) / seconds,
    framesSegmented: after.framesSegmented - before.framesSegmented,
    framesReused: after.framesReused - before.framesReused,
    stats: after,
  };
}

export interface SlowdownResult {
  baseline: PhaseRates;
  slowed: PhaseRates;
  longTasks: number[];
}

/**
 * One pipeline at `fast` with blur on a `cameraFps` camera: `seconds` at normal speed (the run's
 * own baseline, whatever else the machine is doing), then `seconds` with segmentation `factor`
 * times slower. The output rate is judged against the baseline, not against a quiet machine's.
 */
export async function measureSlowdown(
  seconds: number,
  factor: number,
  cameraFps = 30,
): Promise<SlowdownResult> {
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration);
  });
  observer.observe({ type: 'longtask' });
  const cam = await camera(1280, 720, cameraFps);
  const vb = await createVirtualBackground({ quality: 'fast', background: { kind: 'blur' } });
  const out = await vb.start(cam);
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = new MediaStream([out]);
  await video.play();
  const phase = async (): Promise<PhaseRates> => {
    const before = vb.stats();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    return phaseRates(before, vb.stats(), (performance.now() - t0) / 1000);
  };
  try {
    await sleep(1500); // path probe and the first segmenter calls
    const baseline = await phase();
    await vb.update({ segmentationSlowdown: factor });
    await sleep(1500); // the scheduler learns the new inference time
    const slowed = await phase();
    return { baseline, slowed, longTasks };
  } finally {
    observer.disconnect();
    video.srcObject = null;
    await vb.stop();
    cam.stop();
  }
}

/**
 * The harness's own check: region crops read with VideoFrame.copyTo() and converted here against
 * a canvas draw of the same frames (Chrome's conversion), on camera frames and on output frames.
 */
export async function compareCropMethods(
  regions: Region[],
  framesEach: number,
): Promise<Record<'camera' | 'output', { formats: string[]; meanDiff: number; p99Diff: number }>> {
  const cam = await camera();
  const vb = await createVirtualBackground({
    quality: 'fast',
    background: { kind: 'color', color: '#00ff00' },
  });
  const out = await vb.start(cam);
  const measure = async (track: MediaStreamTrack) => {
    const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
    const reader = new Processor({ track, maxBufferSize: 2 }).readable.getReader();
    const diffs: number[] = [];
    const formats = new Set<string>();
    try {
      for (let i = 0; i < framesEach + 5; i++) {
        const { value: frame } = await reader.read();
        if (!frame) break;
        try {
          if (i < 5) continue;
          formats.add(String(frame.format));
          const copied = await cropFrame(frame, regions);
          const drawn = drawCrops(frame, regions);
          for (const r of regions) {
            const a = (copied.get(r.name) as ImageData).data;
            const b = (drawn.get(r.name) as ImageData).data;
            for (let k = 0; k < a.length; k += 4)
              for (let c = 0; c < 3; c++) diffs.push(Math.abs((a[k + c] ?? 0) - (b[k + c] ?? 0)));
          }
        } finally {
          frame.close();
        }
      }
    } finally {
      await reader.cancel();
    }
    diffs.sort((x, y) => x - y);
    return {
      formats: [...formats],
      meanDiff: diffs.reduce((s, d) => s + d, 0) / Math.max(1, diffs.length),
      p99Diff: diffs[Math.floor(diffs.length * 0.99)] ?? Number.NaN,
    };
  };
  try {
    await sleep(1000);
    return { camera: await measure(cam.clone()), output: await measure(out) };
  } finally {
    await vb.stop();
    cam.stop();
  }
}
