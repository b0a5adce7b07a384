/**
 * In-page side of the browser tests, served by the dev server and imported by page.evaluate().
 * It reads the camera track and the processed track frame by frame, pairs them by timestamp (the
 * pipeline keeps the camera frame's timestamp) and measures pixels in the labelled fixture regions.
 */

import type {
  Background,
  ProcessorStats,
  Quality,
  VirtualBackground,
  VirtualBackgroundOptions,
} from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';

export interface Region {
  name: string;
  label: 'person' | 'background';
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

type Crops = Map<string, ImageData>;

export interface Tap {
  stop(): Promise<void>;
  readonly frames: number;
}

/** Reads every frame of `track` (its own MediaStreamTrackProcessor), crops `regions`, closes it. */
export function tapTrack(
  track: MediaStreamTrack,
  regions: Region[],
  onFrame: (timestamp: number, crops: Crops) => void,
): Tap {
  const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
  const reader = new Processor({ track, maxBufferSize: 30 }).readable.getReader();
  let canvas: OffscreenCanvas | null = null;
  let ctx: OffscreenCanvasRenderingContext2D | null = null;
  let frames = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { value: frame, done } = await reader.read();
      if (done || !frame) return;
      try {
        if (
          !canvas ||
          canvas.width !== frame.displayWidth ||
          canvas.height !== frame.displayHeight
        ) {
          canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
          ctx = canvas.getContext('2d', { willReadFrequently: true });
        }
        const c = ctx as OffscreenCanvasRenderingContext2D;
        c.drawImage(frame, 0, 0);
        const crops: Crops = new Map();
        for (const r of regions)
          crops.set(r.name, c.getImageData(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0));
        frames++;
        onFrame(frame.timestamp, crops);
      } finally {
        frame.close();
      }
    }
  })();
  return {
    get frames() {
      return frames;
    },
    async stop() {
      stopped = true;
      await reader.cancel().catch(() => undefined);
      await loop.catch(() => undefined);
    },
  };
}

/** Share of pixels whose largest channel difference to `b` is at most `tol`. */
export function fractionClose(a: ImageData, b: ImageData, tol: number): number {
  let ok = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n * 4; i += 4) {
    const d = Math.max(
      Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0)),
      Math.abs((a.data[i + 1] ?? 0) - (b.data[i + 1] ?? 0)),
      Math.abs((a.data[i + 2] ?? 0) - (b.data[i + 2] ?? 0)),
    );
    if (d <= tol) ok++;
  }
  return ok / n;
}

export function fractionNear(a: ImageData, rgb: [number, number, number], tol: number): number {
  let ok = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n * 4; i += 4) {
    const d = Math.max(
      Math.abs((a.data[i] ?? 0) - rgb[0]),
      Math.abs((a.data[i + 1] ?? 0) - rgb[1]),
      Math.abs((a.data[i + 2] ?? 0) - rgb[2]),
    );
    if (d <= tol) ok++;
  }
  return ok / n;
}

/** Mean absolute Laplacian of luma: high-frequency energy (edges and sensor noise). */
export function laplacianEnergy(img: ImageData): number {
  const { width: w, height: h, data } = img;
  const luma = (x: number, y: number) => {
    const i = (y * w + x) * 4;
    return 0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0);
  };
  let sum = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      sum += Math.abs(
        4 * luma(x, y) - luma(x - 1, y) - luma(x + 1, y) - luma(x, y - 1) - luma(x, y + 1),
      );
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

/** A smooth 4:3 test picture (gradients, no fine detail, so chroma subsampling does not blur it). */
export async function gradientImage(width = 640, height = 480): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  const img = ctx.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      img.data[i] = Math.round((x / width) * 255);
      img.data[i + 1] = Math.round((y / height) * 255);
      img.data[i + 2] = Math.round(128 + 100 * Math.sin((x + y) / 90));
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

/** The region crops a cover-fit of `blob` onto width x height should give (what "cover" means, independently). */
export async function coverFitCrops(
  blob: Blob,
  width: number,
  height: number,
  regions: Region[],
): Promise<Crops> {
  const bitmap = await createImageBitmap(blob);
  const s = Math.max(width / bitmap.width, height / bitmap.height);
  const dw = bitmap.width * s;
  const dh = bitmap.height * s;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', {
    willReadFrequently: true,
  }) as OffscreenCanvasRenderingContext2D;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (width - dw) / 2, (height - dh) / 2, dw, dh);
  bitmap.close();
  const crops: Crops = new Map();
  for (const r of regions)
    crops.set(r.name, ctx.getImageData(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0));
  return crops;
}

export async function camera(
  width = 1280,
  height = 720,
  frameRate = 30,
): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate } });
  const track = stream.getVideoTracks()[0];
  if (!track) throw new Error('no camera track');
  return track;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

const GREEN: [number, number, number] = [0, 255, 0];

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
  vb.addEventListener('updated', (e) => {
    lastBoundary = (e as CustomEvent<{ afterTimestamp: number | null }>).detail.afterTimestamp;
  });
  let phase = 0;
  let unmatched = 0;
  let seen = 0;
  const warmup = options.warmupFrames ?? 5;
  const inputTap = tapTrack(cam.clone(), regions, (ts, crops) => {
    inputs.set(ts, crops);
    if (inputs.size > 90) inputs.delete(inputs.keys().next().value as number);
  });
  const outputTap = tapTrack(out, regions, (ts, crops) => {
    seen++;
    if (seen <= warmup) return;
    const inp = matchInput(inputs, ts);
    if (!inp) {
      unmatched++;
      return;
    }
    const p = options.phases[phase] ?? first;
    verdicts.push(judge(regions, inp, crops, imageCrops, expectOf(p.background), phase, ts));
  });
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  try {
    for (let i = 0; i < options.phases.length; i++) {
      const p = options.phases[i] as RunOptions['phases'][number];
      if (i > 0) {
        await vb.update({ background: resolve(p.background) });
        phase = i;
        phaseStarts.push(verdicts.length);
        switchAfter.push(lastBoundary);
      }
      // Count only frames drawn after the switch: the page's own backlog of older frames does not count.
      const start = phaseStarts[i] ?? 0;
      const boundary = switchAfter[i] ?? Number.NEGATIVE_INFINITY;
      const fresh = () => verdicts.slice(start).filter((v) => v.timestamp > boundary).length;
      while (fresh() < p.frames) {
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
  const stats = vb.stats();
  await vb.stop();
  cam.stop();
  return { verdicts, phaseStarts, switchAfter, unmatched, stats };
}

export interface PerformanceResult {
  stats: ProcessorStats;
  longTasks: number[];
  videoFps: number;
  startMs: number;
}

/** Runs the pipeline into a <video> for `seconds` and reports stats, long tasks and displayed fps. */
export async function measurePerformance(
  seconds: number,
  quality: Quality,
  background: Background,
  extra: Partial<VirtualBackgroundOptions> = {},
): Promise<PerformanceResult> {
  const longTasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push(e.duration);
  });
  const cam = await camera();
  const vb = await createVirtualBackground({ ...extra, quality, background });
  const t0 = performance.now();
  const out = await vb.start(cam);
  const startMs = performance.now() - t0;
  await sleep(1500); // the path probe and the first segmenter calls settle
  observer.observe({ type: 'longtask' });
  const video = document.createElement('video');
  video.muted = true;
  video.srcObject = new MediaStream([out]);
  document.body.append(video);
  await video.play();
  let shown = 0;
  const onFrame = () => {
    shown++;
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  const shown0 = shown;
  const tStart = performance.now();
  await sleep(seconds * 1000);
  const videoFps = ((shown - shown0) * 1000) / (performance.now() - tStart);
  observer.disconnect();
  const stats = vb.stats();
  await vb.stop();
  video.remove();
  cam.stop();
  return { stats, longTasks, videoFps, startMs };
}

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

function meanRgb(img: ImageData): [number, number, number] {
  const n = img.width * img.height;
  const sum = [0, 0, 0];
  for (let i = 0; i < n * 4; i += 4) {
    sum[0] = (sum[0] ?? 0) + (img.data[i] ?? 0);
    sum[1] = (sum[1] ?? 0) + (img.data[i + 1] ?? 0);
    sum[2] = (sum[2] ?? 0) + (img.data[i + 2] ?? 0);
  }
  return [(sum[0] ?? 0) / n, (sum[1] ?? 0) / n, (sum[2] ?? 0) / n];
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
export async function runAdaptive(factor: number, timeoutS = 60): Promise<AdaptiveResult> {
  const cam = await camera();
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
