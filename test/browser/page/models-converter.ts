/**
 * The model converter checked against tasks-vision: the same network run by both engines on the
 * same inputs must give the same masks, each engine's compiled wasm must be reusable by a second
 * worker, and the general model's mask must fall on the labelled regions.
 */

import { FULL_FRAME } from '../../../src/worker/person-crop';
import { RemoteSegmenter } from '../../../src/worker/remote-segmenter';
import type { Region } from './crops';
import { camera } from './inputs';
import { assets } from './util';

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
  const result = await engine.request(image.data, ts * 1000, 1, FULL_FRAME);
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
    wasm: {
      loader: `${assets}wasm/vision_wasm_module_internal.js`,
      binary: `${assets}wasm/vision_wasm_module_internal.wasm`,
    },
    width: 256,
    height: 144,
    delegate: 'CPU' as const,
    foreground: [],
    // Raw model output: these compare engines, not the shape clean-up.
    cleanShapes: false,
  };
  const tasks = await RemoteSegmenter.create(tasksSpec);
  const onnxBase = {
    engine: 'onnxruntime' as const,
    wasm: {
      mjs: `${assets}ort/ort-wasm-simd-threaded.jsep.mjs`,
      wasm: `${assets}ort/ort-wasm-simd-threaded.jsep.wasm`,
    },
    backend: 'wasm' as const,
    layout: 'nhwc' as const,
    mean: [0, 0, 0] as [number, number, number],
    std: [1, 1, 1] as [number, number, number],
    output: 'probability' as const,
    foreground: [],
    // Raw model output: these compare engines, not the shape clean-up.
    cleanShapes: false,
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
