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
  let frames = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { value: frame, done } = await reader.read();
      if (done || !frame) return;
      try {
        if (regions.length === 0) {
          // Nothing to crop: a tap that only counts frames reads no pixels (their copy would
          // add its own cost to the arrival it reports).
          frames++;
          onFrame(frame.timestamp, new Map());
          continue;
        }
        const crops = await cropFrame(frame, regions);
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

/**
 * The regions of `frame` as RGBA. VideoFrame.copyTo() of each region's rectangle, converted here:
 * a drawImage() of every 1280x720 frame into a canvas (twice per frame, camera and output) cost
 * enough on this 2-core software-GL machine that the harness alone made the output skip camera
 * frames (1–4 in a row in steady `fast`; none with these reads). Frames of a format copyTo()
 * cannot crop go through a canvas.
 */
export async function cropFrame(frame: VideoFrame, regions: Region[]): Promise<Crops> {
  const crops: Crops = new Map();
  const format = frame.format;
  if (!format || !CROPPABLE.has(format)) return drawCrops(frame, regions);
  for (const r of regions) crops.set(r.name, await cropRegion(frame, format, r));
  return crops;
}

const CROPPABLE = new Set<VideoPixelFormat>([
  'I420',
  'I420A',
  'NV12',
  'RGBA',
  'RGBX',
  'BGRA',
  'BGRX',
]);

async function cropRegion(
  frame: VideoFrame,
  format: VideoPixelFormat,
  r: Region,
): Promise<ImageData> {
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  const out = new ImageData(w, h);
  const px = out.data;
  const vx = frame.visibleRect?.x ?? 0;
  const vy = frame.visibleRect?.y ?? 0;
  if (format === 'RGBA' || format === 'RGBX' || format === 'BGRA' || format === 'BGRX') {
    const rect = { x: vx + r.x0, y: vy + r.y0, width: w, height: h };
    const buf = new Uint8Array(frame.allocationSize({ rect }));
    const [layout] = await frame.copyTo(buf, { rect });
    const { offset, stride } = layout as PlaneLayout;
    const bgr = format.startsWith('BGR');
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = offset + y * stride + x * 4;
        const d = (y * w + x) * 4;
        px[d] = buf[bgr ? s + 2 : s] as number;
        px[d + 1] = buf[s + 1] as number;
        px[d + 2] = buf[bgr ? s : s + 2] as number;
        px[d + 3] = 255;
      }
    }
    return out;
  }
  // 4:2:0: the rectangle grows to even bounds and a margin, so that every pixel has the chroma
  // samples around it for bilinear upsampling (what a canvas draw does).
  const fw = frame.visibleRect?.width ?? frame.codedWidth;
  const fh = frame.visibleRect?.height ?? frame.codedHeight;
  const ax = Math.max(0, (r.x0 - 2) & ~1);
  const ay = Math.max(0, (r.y0 - 2) & ~1);
  const aw = Math.min(fw, (r.x1 + 3) & ~1) - ax;
  const ah = Math.min(fh, (r.y1 + 3) & ~1) - ay;
  const rect = { x: vx + ax, y: vy + ay, width: aw, height: ah };
  const buf = new Uint8Array(frame.allocationSize({ rect }));
  const layouts = await frame.copyTo(buf, { rect });
  const [yl, ul, vl] = layouts as [PlaneLayout, PlaneLayout, PlaneLayout | undefined];
  const nv12 = format === 'NV12';
  const cw = aw / 2;
  const ch = ah / 2;
  // Chroma sample index and step per chroma row/column: NV12 interleaves U and V.
  const uOffset = ul.offset;
  const vOffset = nv12 ? ul.offset + 1 : (vl as PlaneLayout).offset;
  const cStride = ul.stride;
  const cStep = nv12 ? 2 : 1;
  // Bilinear taps along x are the same on every row: computed once.
  const xa = new Int32Array(w);
  const xb = new Int32Array(w);
  const xt = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const sx = (x + r.x0 - ax + 0.5) / 2 - 0.5;
    const x0 = Math.floor(sx);
    xt[x] = sx - x0;
    xa[x] = Math.min(cw - 1, Math.max(0, x0)) * cStep;
    xb[x] = Math.min(cw - 1, Math.max(0, x0 + 1)) * cStep;
  }
  const cs = frame.colorSpace;
  const full = cs.fullRange === true;
  const [kr, kb] = cs.matrix === 'bt709' ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const yScale = full ? 1 / 255 : 1 / 219;
  const yBias = full ? 0 : 16;
  const cScale = full ? 1 / 255 : 1 / 224;
  for (let y = 0; y < h; y++) {
    const fy = y + r.y0 - ay;
    const sy = (fy + 0.5) / 2 - 0.5;
    const y0 = Math.floor(sy);
    const ty = sy - y0;
    const row0 = Math.min(ch - 1, Math.max(0, y0)) * cStride;
    const row1 = Math.min(ch - 1, Math.max(0, y0 + 1)) * cStride;
    const lumaRow = yl.offset + fy * yl.stride + (r.x0 - ax);
    for (let x = 0; x < w; x++) {
      const a0 = row0 + (xa[x] as number);
      const b0 = row0 + (xb[x] as number);
      const a1 = row1 + (xa[x] as number);
      const b1 = row1 + (xb[x] as number);
      const t = xt[x] as number;
      const u =
        ((buf[uOffset + a0] as number) * (1 - t) + (buf[uOffset + b0] as number) * t) * (1 - ty) +
        ((buf[uOffset + a1] as number) * (1 - t) + (buf[uOffset + b1] as number) * t) * ty;
      const v =
        ((buf[vOffset + a0] as number) * (1 - t) + (buf[vOffset + b0] as number) * t) * (1 - ty) +
        ((buf[vOffset + a1] as number) * (1 - t) + (buf[vOffset + b1] as number) * t) * ty;
      const luma = ((buf[lumaRow + x] as number) - yBias) * yScale;
      const cb = (u - 128) * cScale;
      const cr = (v - 128) * cScale;
      const red = luma + 2 * (1 - kr) * cr;
      const blue = luma + 2 * (1 - kb) * cb;
      const green = (luma - kr * red - kb * blue) / kg;
      const d = (y * w + x) * 4;
      // Uint8ClampedArray stores round and clamp.
      px[d] = red * 255;
      px[d + 1] = green * 255;
      px[d + 2] = blue * 255;
      px[d + 3] = 255;
    }
  }
  return out;
}

function drawCrops(frame: VideoFrame, regions: Region[]): Crops {
  const canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
  const ctx = canvas.getContext('2d', {
    willReadFrequently: true,
  }) as OffscreenCanvasRenderingContext2D;
  ctx.drawImage(frame, 0, 0);
  const crops: Crops = new Map();
  for (const r of regions)
    crops.set(r.name, ctx.getImageData(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0));
  return crops;
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
