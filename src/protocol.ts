/** Messages between the main-thread processor and its worker. Frames never cross here: streams do. */
import type { AssetUrls } from './asset-urls';
import type { SerializedError } from './errors';
import type { LevelModel } from './levels';
import type { FramePath, ProcessorStats, Quality, SimulatedFault } from './types';

/** Stats before any frame has flowed. */
export function emptyStats(quality: Quality): ProcessorStats {
  return {
    quality,
    engine: 'none',
    backend: 'none',
    framesIn: 0,
    framesOut: 0,
    framesSegmented: 0,
    framesDropped: 0,
    fpsIn: 0,
    fpsOut: 0,
    latencyMs: { p50: 0, p95: 0 },
    segmentMs: { p50: 0, p95: 0 },
    composeMs: { p50: 0, p95: 0 },
    inputPath: 'pending',
    outputPath: 'pending',
    framesOpen: 0,
    glObjects: 0,
    framesWithoutMask: 0,
    framesReused: 0,
    framesRepeated: 0,
    segmentEvery: 1,
    model: 'none',
    backendChoice: 'default',
  };
}

/** A background ready for the worker: decoded, parsed and transferable. */
export type BackgroundPayload =
  | { kind: 'none' }
  | { kind: 'blur'; radius: number }
  | { kind: 'color'; rgba: [number, number, number, number] }
  | { kind: 'image'; bitmap: ImageBitmap }
  | { kind: 'video'; frames: ReadableStream<VideoFrame> };

export interface WorkerSettings {
  quality: Quality;
  /** Where each runtime asset is fetched from (asset-urls.ts), resolved on the main thread. */
  assets: AssetUrls;
  inputPath: FramePath;
  outputPath: FramePath;
  segmenterDelegate: 'auto' | 'CPU' | 'GPU';
  /** Backends measured fastest on this device earlier (engine|model|renderer → backend). */
  backendMemory: Record<string, string>;
  backendTrial: 'auto' | 'always' | 'never';
  statsIntervalMs: number;
  /** Test hook: segmentation made this many times slower (a wait), to exercise scheduling. */
  segmentationSlowdown: number;
  adaptive: boolean;
  /** A custom model for every level, or null for the built-in ones. */
  model: LevelModel | null;
}

/**
 * Where frames come from and go to. `streams`: transferred breakout-box streams. `canvas`: frames
 * arrive one by one as 'frame' messages and each output picture goes back as an ImageBitmap, which
 * the page shows in the canvas its output track captures (element-transport.ts).
 */
export type WorkerIo =
  | {
      kind: 'streams';
      readable: ReadableStream<VideoFrame>;
      /** To the output worker (output-worker.ts), which writes the output track: `{ frame }` messages. */
      output: MessagePort;
    }
  /** Frames come as 'frame' messages; each picture goes back as an ImageBitmap in 'frame-done'. */
  | { kind: 'canvas' };

/** The faults made inside the pipeline worker (SimulatedFault, testing only). */
export type WorkerFault = Exclude<SimulatedFault, 'pipeline-crash'>;

export type ToWorker =
  | {
      type: 'start';
      io: WorkerIo;
      settings: WorkerSettings;
      background: BackgroundPayload;
      frameRate: number;
    }
  | {
      type: 'update';
      id: number;
      quality?: Quality;
      background?: BackgroundPayload;
      adaptive?: boolean;
      segmentationSlowdown?: number;
      /** Present to change the model: a custom one, or null for the built-in ones. */
      model?: LevelModel | null;
    }
  | { type: 'frame'; frame: VideoFrame }
  /** streams io: read camera frames from here from now on (another camera, same output). */
  | { type: 'input'; readable: ReadableStream<VideoFrame>; frameRate: number }
  | { type: 'fault'; fault: WorkerFault }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; stats: ProcessorStats }
  /** Applied: frames with a capture timestamp after `afterTimestamp` (µs) use the new settings. */
  | { type: 'updated'; id: number; afterTimestamp: number | null; stats: ProcessorStats }
  | { type: 'update-failed'; id: number; error: SerializedError }
  | { type: 'stats'; stats: ProcessorStats }
  /** canvas io: the last 'frame' is done with, the page may send the next. */
  | { type: 'frame-done'; bitmap: ImageBitmap | null }
  /** Adaptive quality moved the level (the user's choice stays the ceiling). */
  | {
      type: 'quality';
      quality: Quality;
      requested: Quality;
      reason: 'overloaded' | 'headroom' | 'engine-failed';
    }
  /** A backend won a measurement on this device: the page remembers it for later starts. */
  | { type: 'backend'; key: string; backend: string; measuredMs: Record<string, number> }
  | { type: 'error'; error: SerializedError; fatal: boolean }
  /** The camera's stream ended (its track ended or was stopped) and no other input is waiting. */
  | { type: 'input-ended' }
  /** Sent every second from a timer of its own: the page takes silence for a dead worker. */
  | { type: 'alive' }
  | { type: 'stopped'; stats: ProcessorStats };

/** Page → output worker. */
export type ToOutputWorker =
  | { type: 'open'; writable: WritableStream<VideoFrame>; frameRate: number }
  /** Frames arrive through this port from now on; an earlier port is closed. */
  | { type: 'source'; port: MessagePort }
  /** Repeat the last frame at the camera's rate until the next frame arrives (a pipeline restart). */
  | { type: 'repeat'; on: boolean }
  /** Another camera (setInput()): its frame rate paces the repeats from now on. */
  | { type: 'rate'; frameRate: number }
  /** End the output track. */
  | { type: 'close' };

/** Counts: frames written from pipelines, and repeats of the last one. */
export type FromOutputWorker =
  | { type: 'closed'; written: number; repeated: number }
  | { type: 'counts'; written: number; repeated: number };

export function transferablesOf(background: BackgroundPayload): Transferable[] {
  if (background.kind === 'image') return [background.bitmap];
  if (background.kind === 'video') return [background.frames];
  return [];
}
