/** Public types of the API contract in ../shared/DESIGN.md. These names are fixed. */

export type Quality = 'fast' | 'balanced' | 'accurate';

export type Background =
  | { kind: 'none' } // pass the camera through untouched
  | { kind: 'blur'; radius?: number } // radius in output pixels at 720p
  | { kind: 'color'; color: string } // any CSS colour
  | { kind: 'image'; source: string | Blob | ImageBitmap } // cover-fit, never stretched
  | { kind: 'video'; source: string | Blob }; // looped, muted

/** How a frame gets into GL and back out. `auto` measures both on the first frames and keeps the cheaper. */
export type FramePath = 'auto' | 'texture' | 'planes';

export interface VirtualBackgroundOptions {
  quality?: Quality; // default 'balanced'
  background?: Background; // default { kind: 'blur' }
  assetBaseUrl?: string; // where models and wasm are served; the default works in this repo's dev server and build
  /** Input path into GL: `texture` = texImage2D(VideoFrame), `planes` = copyTo() + R8 plane uploads. */
  inputPath?: FramePath;
  /** Output path: `texture` = new VideoFrame(canvas), `planes` = readPixels of I420 planes packed on the GPU. */
  outputPath?: FramePath;
  /** tasks-vision delegate; `auto` picks CPU on software GL (SwiftShader) and GPU otherwise. */
  segmenterDelegate?: 'auto' | 'CPU' | 'GPU';
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
  /** Frames that went out showing the background only because no mask existed yet. */
  framesWithoutMask: number;
  /** Frames composited with the previous mask because segmenting every frame did not fit the budget. */
  framesReused: number;
  /** The scheduler's current cadence: the segmenter runs on one frame in this many. */
  segmentEvery: number;
}

export interface VirtualBackground extends EventTarget {
  // events: 'error' (ErrorEvent-like with a typed error), 'stats'
  start(track: MediaStreamTrack): Promise<MediaStreamTrack>; // resolves with the output track
  update(options: Partial<VirtualBackgroundOptions>): Promise<void>; // live, no gap in the output
  stats(): ProcessorStats;
  stop(): Promise<void>; // output track ends; every resource released
}
