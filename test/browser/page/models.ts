/**
 * In-page side of the model tests (test/browser/models.spec.ts): the converter checked against
 * tasks-vision on the same input, level switches across engines while frames flow, both
 * onnxruntime-web backends, bad models, and a custom multi-class model.
 */
import type { ProcessorStats, Quality, VirtualBackgroundOptions } from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';
import { RemoteSegmenter } from '../../../src/worker/remote-segmenter';
import { camera, fractionClose, fractionNear, type Region, tapTrack } from './harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const assets = new URL('/models/', location.href).href;

/** Frames of the fake camera, `gapMs` apart, as bitmaps (the clip moves and has sensor noise). */
async function grabFrames(count: number, gapMs: number): Promise<ImageBitmap[]> {
  const track = await camera();
  const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
  const reader = new Processor({ track }).readable.getReader();
  const frames: ImageBitmap[] = [];
  let next = performance.now();
  try {
    while (frames.length < count) {
      const { value } = await reader.read();
      if (!value) break;
      if (performance.now() >= next) {
        frames.push(await createImageBitmap(value));
        next = performance.now() + gapMs;
      }
      value.close();
    }
  } finally {
    await reader.cancel();
    track.stop();
  }
  return frames;
}

/** `bitmap` resized to w x h by the browser's bilinear scaler, as the model input. */
function resized(bitmap: ImageBitmap, w: number, h: number, mirror = false): ImageData {
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D;
  if (mirror) {
    ctx.translate(w, 0);
    ctx.scale(-1, 1);
  }
  ctx.drawImage(bitmap, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

/** One mask from an engine running in its own segmenter worker, as the pipeline runs it. */
async function maskOf(
  engine: RemoteSegmenter,
  image: ImageData,
  ts: number,
): Promise<Float32Array> {
  const result = await engine.request(image.data, ts * 1000, 1);
  return result.mask.slice();
}

export interface ConverterComparison {
  frames: Array<{ mad: number; iou: number; personShare: number }>;
  general: { person: Record<string, number>; background: Record<string, number> };
  /**
   * Compiled-wasm reuse: whether each engine's first worker compiled its wasm and handed the
   * module back, whether a second worker of the engine ran that module instead of compiling, and
   * how far the second tasks-vision worker's mask is from the first's on the same input.
   */
  reuse: {
    tasksCompiled: boolean;
    tasksReused: boolean;
    tasksMad: number;
    onnxCompiled: boolean;
    onnxReused: boolean;
  };
}

/**
 * The landscape network twice on the same inputs: tasks-vision running the tasks file, and
 * onnxruntime-web running our conversion of the legacy file. Then the general model's mask means
 * over the labelled regions.
 */
export async function compareConverter(
  regions: Region[],
  width: number,
  height: number,
): Promise<ConverterComparison> {
  const bitmaps = await grabFrames(3, 700);
  const tasksSpec = {
    engine: 'mediapipe' as const,
    modelUrl: `${assets}selfie_segmenter_landscape.tflite`,
    modelName: 'selfie_segmenter_landscape.tflite',
    wasmBaseUrl: `${assets}wasm`,
    width: 256,
    height: 144,
    delegate: 'CPU' as const,
    foreground: [],
  };
  const tasks = await RemoteSegmenter.create(tasksSpec);
  const onnxBase = {
    engine: 'onnxruntime' as const,
    wasmBaseUrl: `${assets}ort/`,
    backend: 'wasm' as const,
    layout: 'nhwc' as const,
    mean: [0, 0, 0] as [number, number, number],
    std: [1, 1, 1] as [number, number, number],
    output: 'probability' as const,
    foreground: [],
    threads: 1,
  };
  const converted = await RemoteSegmenter.create({
    ...onnxBase,
    modelUrl: `${assets}selfie_segmentation_landscape.onnx`,
    modelName: 'selfie_segmentation_landscape.onnx',
    width: 256,
    height: 144,
  });
  const frames: ConverterComparison['frames'] = [];
  let firstTasksMask: Float32Array | null = null;
  try {
    // Three different inputs: frames of the moving clip, the last one mirrored as well.
    for (const [i, bitmap] of bitmaps.entries()) {
      const image = resized(bitmap, 256, 144, i === 2);
      const a = await maskOf(tasks, image, i * 100 + 1);
      firstTasksMask ??= a;
      const b = await maskOf(converted, image, 0);
      let diff = 0;
      let inter = 0;
      let union = 0;
      let person = 0;
      for (let k = 0; k < a.length; k++) {
        const x = a[k] ?? 0;
        const y = b[k] ?? 0;
        diff += Math.abs(x - y);
        const px = x > 0.5;
        const py = y > 0.5;
        if (px && py) inter++;
        if (px || py) union++;
        if (px) person++;
      }
      frames.push({
        mad: diff / a.length,
        iou: union ? inter / union : 1,
        personShare: person / a.length,
      });
    }
  } finally {
    tasks.dispose();
    converted.dispose();
  }
  // A second worker of each engine, handed the module the first one compiled, as the pipeline
  // does on a switch that brings an engine back.
  const tasksAgain = await RemoteSegmenter.create(tasksSpec, tasks.wasmModule);
  let tasksMad = 1;
  try {
    const again = await maskOf(tasksAgain, resized(bitmaps[0] as ImageBitmap, 256, 144), 1);
    const first = firstTasksMask ?? new Float32Array(again.length);
    tasksMad = again.reduce((sum, v, k) => sum + Math.abs(v - (first[k] ?? 0)), 0) / again.length;
  } finally {
    tasksAgain.dispose();
  }
  const general = await RemoteSegmenter.create(
    {
      ...onnxBase,
      modelUrl: `${assets}selfie_segmentation.onnx`,
      modelName: 'selfie_segmentation.onnx',
      width: 256,
      height: 256,
    },
    converted.wasmModule,
  );
  const person: Record<string, number> = {};
  const background: Record<string, number> = {};
  try {
    const first = bitmaps[0] as ImageBitmap;
    const mask = await maskOf(general, resized(first, 256, 256), 0);
    for (const r of regions) {
      // Region in model pixels (the model sees the whole frame squeezed to 256x256).
      const x0 = Math.floor((r.x0 / width) * 256);
      const x1 = Math.ceil((r.x1 / width) * 256);
      const y0 = Math.floor((r.y0 / height) * 256);
      const y1 = Math.ceil((r.y1 / height) * 256);
      let sum = 0;
      let n = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) {
          sum += mask[y * 256 + x] ?? 0;
          n++;
        }
      (r.label === 'person' ? person : background)[r.name] = n ? sum / n : 0;
    }
  } finally {
    general.dispose();
  }
  for (const b of bitmaps) b.close();
  const reuse = {
    tasksCompiled: tasks.wasmModule !== null && !tasks.wasmReused,
    tasksReused: tasksAgain.wasmReused,
    tasksMad,
    onnxCompiled: converted.wasmModule !== null && !converted.wasmReused,
    onnxReused: general.wasmReused,
  };
  return { frames, general: { person, background }, reuse };
}

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

export interface BadModelResult {
  codes: Record<string, string>;
  before: ProcessorStats;
  after: ProcessorStats;
}

/** Bad models given to a running pipeline: typed errors, and the current engine keeps serving. */
export async function runBadModels(
  models: Record<string, { bytes: number[]; format: 'onnx' | 'tflite' }>,
): Promise<BadModelResult> {
  const cam = await camera();
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    background: { kind: 'color', color: '#00ff00' },
  });
  await vb.start(cam);
  await sleep(1000);
  const before = vb.stats();
  const codes: Record<string, string> = {};
  for (const [name, m] of Object.entries(models)) {
    const url = URL.createObjectURL(new Blob([new Uint8Array(m.bytes)]));
    try {
      await vb.update({
        model: {
          url,
          format: m.format,
          labels: ['background', 'person'],
          foreground: ['person'],
          inputWidth: 256,
          inputHeight: 144,
        },
      });
      codes[name] = 'resolved';
    } catch (error) {
      codes[name] = (error as { code?: string }).code ?? String(error);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  try {
    await vb.update({
      model: {
        url: 'x.onnx',
        labels: ['a', 'b'],
        foreground: ['horse'],
        inputWidth: 8,
        inputHeight: 8,
      },
    });
    codes.unknownLabel = 'resolved';
  } catch (error) {
    codes.unknownLabel = (error as { code?: string }).code ?? String(error);
  }
  await sleep(1000);
  const after = vb.stats();
  await vb.stop();
  cam.stop();
  return { codes, before, after };
}

export interface CustomModelResult {
  /** Share of each stripe's interior kept as the camera drew it (class kept) or shown as the background colour. */
  kept: Record<string, number>;
  replaced: Record<string, number>;
  frames: number;
  stats: ProcessorStats;
}

/**
 * A camera of three colour stripes (a = red, b = green, c = blue) and a model that labels pixels
 * by their strongest channel; `foreground` picks the stripes to keep.
 */
export async function runCustomModel(
  modelBytes: number[],
  foreground: string[],
  width: number,
  height: number,
  delegate: 'auto' | 'CPU' | 'GPU' = 'auto',
): Promise<CustomModelResult> {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const stripes: Array<[string, string]> = [
    ['a', '#e01010'],
    ['b', '#10e010'],
    ['c', '#1010e0'],
  ];
  let tick = 0;
  const draw = () => {
    stripes.forEach(([, colour], i) => {
      ctx.fillStyle = colour;
      ctx.fillRect((i * canvas.width) / 3, 0, canvas.width / 3, canvas.height);
    });
    // A moving dot keeps frames coming (captureStream only sends changed canvases).
    ctx.fillStyle = '#e01010';
    ctx.fillRect((tick++ * 7) % 200, 340, 4, 4);
  };
  draw();
  const timer = setInterval(draw, 33);
  const track = canvas.captureStream(30).getVideoTracks()[0] as MediaStreamTrack;
  const url = URL.createObjectURL(new Blob([new Uint8Array(modelBytes)]));
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    segmenterDelegate: delegate,
    background: { kind: 'color', color: '#ff00ff' },
    model: {
      url,
      format: 'onnx',
      labels: ['a', 'b', 'c'],
      foreground,
      inputWidth: width,
      inputHeight: height,
      onnx: { layout: 'nhwc', output: 'categories' },
    },
  });
  const out = await vb.start(track);
  // Stripe interiors, away from the edges where mask upsampling blends neighbours.
  const regions: Region[] = stripes.map(([name], i) => ({
    name,
    label: 'person',
    x0: Math.round(((i + 0.2) * 640) / 3),
    x1: Math.round(((i + 0.8) * 640) / 3),
    y0: 40,
    y1: 300,
  }));
  const sums = {
    kept: { a: 0, b: 0, c: 0 } as Record<string, number>,
    replaced: { a: 0, b: 0, c: 0 } as Record<string, number>,
  };
  let frames = 0;
  let seen = 0;
  const colours = Object.fromEntries(
    stripes.map(([n, c]) => [
      n,
      [
        Number.parseInt(c.slice(1, 3), 16),
        Number.parseInt(c.slice(3, 5), 16),
        Number.parseInt(c.slice(5, 7), 16),
      ] as [number, number, number],
    ]),
  );
  const tap = tapTrack(out, regions, (_ts, crops) => {
    if (++seen < 10) return;
    frames++;
    for (const [name] of stripes) {
      const crop = crops.get(name) as ImageData;
      sums.kept[name] =
        (sums.kept[name] ?? 0) + fractionNear(crop, colours[name] as [number, number, number], 24);
      sums.replaced[name] = (sums.replaced[name] ?? 0) + fractionNear(crop, [255, 0, 255], 24);
    }
  });
  const deadline = performance.now() + 20_000;
  while (frames < 30 && performance.now() < deadline) await sleep(50);
  await tap.stop();
  const stats = vb.stats();
  await vb.stop();
  clearInterval(timer);
  track.stop();
  URL.revokeObjectURL(url);
  const avg = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, frames ? v / frames : 0]));
  return { kept: avg(sums.kept), replaced: avg(sums.replaced), frames, stats };
}

/** Diagnostics: output frame gaps at `fast` while another engine loads in the background. */
export async function gapsWhileLoading(
  kind: 'mediapipe-cpu' | 'mediapipe-gpu' | 'ort-wasm' | 'none',
): Promise<{ before: number; during: number; loadMs: number }> {
  const cam = await camera();
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    segmenterDelegate: 'CPU',
    background: { kind: 'color', color: '#00ff00' },
  });
  const out = await vb.start(cam);
  let last = 0;
  let maxGap = 0;
  const tap = tapTrack(out, [], () => {
    const now = performance.now();
    if (last) maxGap = Math.max(maxGap, now - last);
    last = now;
  });
  await sleep(2500);
  const before = maxGap;
  maxGap = 0;
  const t0 = performance.now();
  let seg: RemoteSegmenter | null = null;
  if (kind.startsWith('mediapipe')) {
    seg = await RemoteSegmenter.create({
      engine: 'mediapipe',
      modelUrl: `${assets}selfie_segmenter_landscape.tflite`,
      modelName: 'x',
      wasmBaseUrl: `${assets}wasm`,
      width: 256,
      height: 144,
      delegate: kind === 'mediapipe-gpu' ? 'GPU' : 'CPU',
      foreground: [],
    });
  } else if (kind === 'ort-wasm') {
    seg = await RemoteSegmenter.create({
      engine: 'onnxruntime',
      modelUrl: `${assets}selfie_segmentation.onnx`,
      modelName: 'x',
      wasmBaseUrl: `${assets}ort/`,
      width: 256,
      height: 256,
      backend: 'wasm',
      layout: 'nhwc',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      output: 'probability',
      foreground: [],
      threads: 1,
    });
  } else await sleep(3000);
  const loadMs = performance.now() - t0;
  await sleep(500);
  const during = maxGap;
  seg?.dispose();
  await tap.stop();
  await vb.stop();
  cam.stop();
  return { before, during, loadMs };
}

export interface TrialResult {
  first: ProcessorStats;
  second: ProcessorStats;
  remembered: Record<string, string>;
  /** ms from start() resolving to the first output frame, first run. */
  firstFrameMs: number;
  /** Longest output arrival gap during the first run's measurement. */
  maxGapMs: number;
}

/**
 * Backend measurement at start (forced on, as software GL would skip it): the first run measures
 * tasks-vision CPU against GPU and keeps the faster; the second start remembers it.
 */
export async function runBackendTrial(): Promise<TrialResult> {
  localStorage.removeItem('virtual-background:backends');
  const options: VirtualBackgroundOptions = {
    quality: 'fast',
    adaptive: false,
    backendTrial: 'always',
    background: { kind: 'color', color: '#00ff00' },
  };
  const cam = await camera();
  const vb = await createVirtualBackground(options);
  const out = await vb.start(cam);
  const started = performance.now();
  let firstFrameMs = -1;
  let last = 0;
  let maxGapMs = 0;
  const tap = tapTrack(out, [], () => {
    const now = performance.now();
    if (firstFrameMs < 0) firstFrameMs = now - started;
    else maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  });
  const deadline = performance.now() + 40_000;
  while (vb.stats().backendChoice !== 'measured' && performance.now() < deadline) await sleep(200);
  await sleep(1500);
  const first = vb.stats();
  await tap.stop();
  await vb.stop();
  const remembered = JSON.parse(localStorage.getItem('virtual-background:backends') ?? '{}');
  const vb2 = await createVirtualBackground(options);
  await vb2.start(cam);
  await sleep(4000);
  const second = vb2.stats();
  await vb2.stop();
  cam.stop();
  return { first, second, remembered, firstFrameMs, maxGapMs };
}
