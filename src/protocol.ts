/** Messages between the main-thread processor and its worker. Frames never cross here: streams do. */
import type { SerializedError } from './errors';
import type { FramePath, ProcessorStats, Quality } from './types';

/** A background ready for the worker: decoded, parsed and transferable. */
export type BackgroundPayload =
  | { kind: 'none' }
  | { kind: 'blur'; radius: number }
  | { kind: 'color'; rgba: [number, number, number, number] }
  | { kind: 'image'; bitmap: ImageBitmap }
  | { kind: 'video'; frames: ReadableStream<VideoFrame> };

export interface WorkerSettings {
  quality: Quality;
  assetBaseUrl: string;
  inputPath: FramePath;
  outputPath: FramePath;
  segmenterDelegate: 'auto' | 'CPU' | 'GPU';
  statsIntervalMs: number;
}

export type ToWorker =
  | {
      type: 'start';
      readable: ReadableStream<VideoFrame>;
      writable: WritableStream<VideoFrame>;
      settings: WorkerSettings;
      background: BackgroundPayload;
      frameRate: number;
    }
  | { type: 'update'; id: number; quality?: Quality; background?: BackgroundPayload }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; stats: ProcessorStats }
  | { type: 'updated'; id: number }
  | { type: 'update-failed'; id: number; error: SerializedError }
  | { type: 'stats'; stats: ProcessorStats }
  | { type: 'error'; error: SerializedError; fatal: boolean }
  | { type: 'stopped'; stats: ProcessorStats };

export function transferablesOf(background: BackgroundPayload): Transferable[] {
  if (background.kind === 'image') return [background.bitmap];
  if (background.kind === 'video') return [background.frames];
  return [];
}
