/** Messages between the pipeline worker and one segmenter worker (one engine instance each). */
import type { SerializedError } from '../errors';
import type { EngineSpec, SegmenterInfo } from './segmenter';

export type ToSegmenter =
  | {
      type: 'load';
      spec: EngineSpec;
      /** The engine's wasm, compiled by an earlier worker: instantiated instead of compiled again. */
      wasmModule: WebAssembly.Module | null;
    }
  | {
      type: 'segment';
      id: number;
      /** Model-size RGBA, transferred; it comes back with the answer for reuse. */
      pixels: ArrayBuffer;
      timestampMs: number;
      /** The picture's true aspect (width/height) in the frame, before it was fitted to the model. */
      aspect: number;
      /** Test hook: wait so the call takes this many times as long. */
      slowdown: number;
      /** A spent mask buffer to fill (transferred back for reuse), or null to allocate one. */
      mask: ArrayBuffer | null;
    }
  /**
   * Testing only: `crash` ends the worker on the spot without a word (as a crashed one would);
   * `throw` makes every later request fail inside the engine.
   */
  | { type: 'fault'; fault: 'crash' | 'throw' }
  | { type: 'dispose' };

export type FromSegmenter =
  | {
      type: 'loaded';
      info: SegmenterInfo;
      loadMs: number;
      /** The wasm module this engine runs, for the next worker of the same engine to reuse. */
      wasmModule: WebAssembly.Module | null;
      /** Whether the engine runs the module it was handed rather than one it compiled. */
      wasmReused: boolean;
    }
  | { type: 'load-failed'; error: SerializedError }
  | {
      type: 'mask';
      id: number;
      /** width*height float32 foreground confidences, top row first. */
      mask: ArrayBuffer;
      pixels: ArrayBuffer;
      /** Time inside the engine, slow-down included. */
      inferenceMs: number;
    }
  | { type: 'segment-failed'; id: number; error: SerializedError; pixels: ArrayBuffer }
  | { type: 'disposed' };
