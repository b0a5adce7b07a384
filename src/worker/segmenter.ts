/**
 * The segmentation engines (MediaPipe tasks-vision, onnxruntime-web) and what the pipeline sees of
 * them. Each engine instance lives in its own segmenter worker (segmenter-worker.ts), so a slow or
 * loading engine never blocks compositing; the pipeline talks to it through RemoteSegmenter.
 */

import type { FusionRule } from '../levels';

/** What one engine instance runs: enough to create it from scratch in a fresh worker. */
export type EngineSpec = MediaPipeSpec | OnnxSpec;

interface CommonSpec {
  /** Absolute URL of the model file. */
  modelUrl: string;
  /** Short name for stats and logs (the file name). */
  modelName: string;
  /** Model input size; the pipeline's downscale stage renders exactly this. */
  width: number;
  height: number;
  /**
   * Clean the mask's shapes before it is sent (mask-cleanup.ts): the levels' landscape model only
   * (LevelModel.cleanShapes; `accurate`'s fused model cleans its own answers); never a custom
   * model's class selection, where small kept regions may be what the app asked for.
   */
  cleanShapes: boolean;
}

export interface MediaPipeSpec extends CommonSpec {
  engine: 'mediapipe';
  /** tasks-vision's module loader (vision_wasm_module_internal.js) and its wasm. */
  wasm: { loader: string; binary: string };
  delegate: 'CPU' | 'GPU';
  /**
   * Confidence-mask indices that count as foreground (summed). Empty: the selfie models' rule
   * (the last mask of a multi-mask model, the only one otherwise).
   */
  foreground: number[];
}

export interface OnnxSpec extends CommonSpec {
  engine: 'onnxruntime';
  /** onnxruntime-web's wasm glue (ort-wasm-simd-threaded.jsep.mjs) and its wasm. */
  wasm: { mjs: string; wasm: string };
  backend: 'wasm' | 'webgpu';
  layout: 'nhwc' | 'nchw';
  /** Per channel (RGB): value fed = (pixel / 255 - mean) / std. */
  mean: [number, number, number];
  std: [number, number, number];
  /**
   * `probability`: one channel, person probability 0..1. `logits`: one channel, sigmoid applied
   * here. `categories`: one channel per class (scores or logits; softmax over classes), summed over
   * `foreground`.
   */
  output: 'probability' | 'logits' | 'categories';
  /** Class indices that count as foreground (`categories` only). */
  foreground: number[];
  /** onnxruntime-web wasm threads (1 unless the page is cross-origin isolated). */
  threads: number;
  /** A second model beside this one (LevelModel.fusion in src/levels.ts). */
  fusion?: {
    companion: {
      modelUrl: string;
      modelName: string;
      width: number;
      height: number;
      layout: 'nhwc' | 'nchw';
      mean: [number, number, number];
      std: [number, number, number];
      output: 'probability' | 'logits';
    };
    rule: FusionRule;
  };
}

export interface SegmenterInfo {
  engine: 'mediapipe' | 'onnxruntime';
  backend: string; // 'cpu' | 'gpu' | 'wasm' | 'webgpu'
  model: string;
  inputWidth: number;
  inputHeight: number;
}

/**
 * One engine instance inside a segmenter worker. `segment` may be synchronous underneath
 * (tasks-vision) or not (onnxruntime-web); either way its worker is the only caller, one call at
 * a time.
 */
export interface SegmentationEngine {
  readonly info: SegmenterInfo;
  /**
   * Foreground confidence for `image` (model-size RGBA, top row first): inputWidth*inputHeight
   * floats in 0..1, top row first, written into `out`.
   */
  segment(
    image: ImageData,
    timestampMs: number,
    out: Float32Array,
    /**
     * The picture's true aspect (width/height) in the frame: a crop or the whole frame may
     * reach the model squashed. Only the fused engine uses it.
     */
    aspect?: number,
  ): Promise<void> | void;
  /** Releases the model, its wasm heap and any GL context it made. Safe to call twice. */
  dispose(): void;
}

export function infoOf(spec: EngineSpec): SegmenterInfo {
  return {
    engine: spec.engine,
    backend: spec.engine === 'mediapipe' ? (spec.delegate === 'GPU' ? 'gpu' : 'cpu') : spec.backend,
    model: spec.modelName,
    inputWidth: spec.width,
    inputHeight: spec.height,
  };
}
