/** Public types of the API contract (docs/architecture.md). These names are fixed. */

export type Quality = 'fast' | 'balanced' | 'accurate';

export type Background =
  | { kind: 'none' } // pass the camera through untouched
  | { kind: 'blur'; radius?: number } // radius in output pixels at 720p
  | { kind: 'color'; color: string } // any CSS colour
  | { kind: 'image'; source: string | Blob | ImageBitmap } // cover-fit, never stretched
  | { kind: 'video'; source: string | Blob }; // looped, muted

/**
 * How the engine's backend was picked: `forced` by segmenterDelegate, `remembered` from an earlier
 * measurement on this device, `measured` against the other backend in this session, or the
 * `default` first guess (no other backend to measure, or not measured yet).
 */
export type BackendChoice = 'forced' | 'remembered' | 'measured' | 'default';

/** How a frame gets into GL and back out. `auto` measures both on the first frames and keeps the cheaper. */
export type FramePath = 'auto' | 'texture' | 'planes';

/**
 * A segmentation model of your own instead of the built-in selfie models (all levels use it; the
 * levels still differ in mask refinement). Any model with per-class outputs works, e.g.
 * DeepLabV3: `labels` in output order, `foreground` the ones to keep (`['person', 'dog']` keeps
 * people and dogs and drops `horse`).
 */
export interface CustomModel {
  /** A tasks-vision-compatible segmentation `.tflite` (with metadata), or an `.onnx` model. */
  url: string;
  /** Default: from the URL's extension. */
  format?: 'tflite' | 'onnx';
  /** Class labels, in the order of the model's output channels (tflite: its confidence masks). */
  labels: string[];
  /** Labels that count as foreground; every one must be in `labels`. */
  foreground: string[];
  /** The model's input size: frames are downscaled to exactly this. */
  inputWidth: number;
  inputHeight: number;
  /** ONNX models only: how to feed and read it. */
  onnx?: {
    /** Input tensor layout, RGB float. Default 'nhwc'. */
    layout?: 'nhwc' | 'nchw';
    /** Input value = (pixel / 255 - mean) / std per RGB channel. Default mean 0, std 1. */
    mean?: [number, number, number];
    std?: [number, number, number];
    /**
     * `categories` (default): one output channel per label, scores or logits (softmax over
     * classes). `probability`/`logits`: one channel of foreground probability / logit.
     */
    output?: 'categories' | 'probability' | 'logits';
  };
}

/**
 * A built-in multi-class model by name. `deeplabv3`: DeepLabV3 (MobileNetV2, Pascal VOC, 257x257,
 * shipped with the library): the listed classes are kept, everything else is replaced. Labels:
 * background, aeroplane, bicycle, bird, boat, bottle, bus, car, cat, chair, cow, diningtable,
 * dog, horse, motorbike, person, pottedplant, sheep, sofa, train, tvmonitor.
 */
export interface ModelPreset {
  preset: 'deeplabv3';
  /** Labels to keep, e.g. `['person', 'dog']`; an unknown label is an `invalid-option` error. */
  foreground: string[];
}

export interface VirtualBackgroundOptions {
  quality?: Quality; // default 'balanced'
  background?: Background; // default { kind: 'blur' }
  assetBaseUrl?: string; // where models and wasm are served; the default works in this repo's dev server and build
  /** Input path into GL: `texture` = texImage2D(VideoFrame), `planes` = copyTo() + R8 plane uploads. */
  inputPath?: FramePath;
  /** Output path: `texture` = new VideoFrame(canvas), `planes` = readPixels of I420 planes packed on the GPU. */
  outputPath?: FramePath;
  /**
   * Segmenter backend: `CPU` = tasks-vision CPU delegate / onnxruntime-web wasm, `GPU` =
   * tasks-vision GPU delegate / onnxruntime-web WebGPU. `auto` (default) starts with a guess (CPU
   * on software GL), measures the other one while running and keeps the faster, remembered per
   * device (localStorage) so later starts skip the measurement.
   */
  segmenterDelegate?: 'auto' | 'CPU' | 'GPU';
  /**
   * Whether `segmenterDelegate: 'auto'` measures the other backend at start. `auto` (default):
   * only on hardware GL; on software GL (SwiftShader, llvmpipe) the GPU backends are emulated on
   * the CPU and never win, and loading one compiles shaders in the browser's shared GPU process,
   * which stalls the output for a moment. `always` measures anyway; `never` keeps the first guess.
   */
  backendTrial?: 'auto' | 'always' | 'never';
  /** Interval between `stats` events, ms. Default 1000. */
  statsIntervalMs?: number;
  /**
   * How frames reach the worker and come back. `streams`: MediaStreamTrackProcessor/Generator
   * (Chrome). `element`: a <video> with requestVideoFrameCallback in, canvas.captureStream() out,
   * for browsers without MediaStreamTrackGenerator (Firefox). `auto` (default) picks streams where
   * they exist.
   */
  transport?: 'auto' | 'streams' | 'element';
  /** Testing only: makes segmentation this many times slower (≥ 1), to exercise frame scheduling. Live. */
  segmentationSlowdown?: number;
  /**
   * Step the quality level down when it cannot hold the camera's frame rate and back up (never
   * above `quality`) when there is room; a 'qualitychange' event tells. Default true.
   */
  adaptive?: boolean;
  /**
   * A multi-class model instead of the built-in person models: a preset (`{ preset: 'deeplabv3',
   * foreground: ['person', 'dog'] }`) or a model of your own; `null` (in update()) goes back to
   * the built-in ones. It switches live like a level.
   */
  model?: CustomModel | ModelPreset | null;
}

export interface ProcessorStats {
  quality: Quality;
  engine: string;
  backend: string; // e.g. 'mediapipe', 'cpu' | 'gpu' | 'wasm' | 'webgpu'
  framesIn: number;
  framesOut: number;
  framesSegmented: number;
  framesDropped: number;
  fpsIn: number;
  fpsOut: number;
  latencyMs: { p50: number; p95: number }; // frame in → frame out
  segmentMs: { p50: number; p95: number };
  composeMs: { p50: number; p95: number };
  /** Extra detail beyond the contract. */
  inputPath: 'texture' | 'planes' | 'passthrough' | 'pending';
  outputPath: 'texture' | 'planes' | 'passthrough' | 'pending';
  /** VideoFrames the worker owns right now (input, background video, output); 0 after stop(). */
  framesOpen: number;
  /** GL objects (textures, framebuffers, programs, buffers…) alive in the pipeline's context; 0 after stop(). */
  glObjects: number;
  /** Frames that went out showing the background only because no mask existed yet. */
  framesWithoutMask: number;
  /** Frames composited with an earlier frame's mask because no newer one was ready (the segmenter was busy). */
  framesReused: number;
  /**
   * Output frames that repeated the last picture because none came for a while (a restart, a
   * stalled camera or pipeline): the call carries a still, never the raw camera. 0 on the element
   * transport.
   */
  framesRepeated: number;
  /** Output frames per fresh mask over the last two seconds (1 = a new mask for every frame). */
  segmentEvery: number;
  /** The model file the engine runs. */
  model: string;
  backendChoice: BackendChoice;
}

export interface VirtualBackground extends EventTarget {
  // events: 'error' (ErrorEvent-like with a typed error), 'stats'; also 'updated',
  // 'qualitychange', 'statechange', 'recovered', 'ended' (docs/api.md)
  start(track: MediaStreamTrack): Promise<MediaStreamTrack>; // resolves with the output track
  update(options: Partial<VirtualBackgroundOptions>): Promise<void>; // live, no gap in the output
  stats(): ProcessorStats;
  stop(): Promise<void>; // output track ends; every resource released
  /** Another camera into the same output track (an addition to the contract, docs/api.md). */
  setInput(track: MediaStreamTrack): Promise<void>;
}

/**
 * Testing only (VirtualBackgroundProcessor.simulateFault): faults a long call meets, made on
 * demand. `pipeline-crash`: the pipeline worker terminated without a word (the processor's
 * watchdog must find out). `context-lost`: WEBGL_lose_context on the pipeline's context.
 * `segmenter-crash`: the serving engine's worker ends itself. `segmenter-throws`: the serving
 * engine fails every request from then on.
 */
export type SimulatedFault =
  | 'pipeline-crash'
  | 'context-lost'
  | 'segmenter-crash'
  | 'segmenter-throws';
