/**
 * The pipeline worker's handle on one segmenter worker: owns that worker and the buffers that go
 * back and forth (two frame buffers, two mask buffers: no allocation per frame once warm).
 */
import { deserializeError, VirtualBackgroundError } from '../errors';
import type { CropRect } from './person-crop';
import type { EngineSpec, SegmenterInfo } from './segmenter';
import type { FromSegmenter, ToSegmenter } from './segmenter-protocol';

export interface MaskResult {
  /** width*height foreground confidences; owned by the RemoteSegmenter, give it back with recycle(). */
  mask: Float32Array;
  /** Capture timestamp (µs) of the frame the mask was computed from. */
  timestampUs: number;
  /** The part of the frame the mask covers: the crop the frame was sent through. */
  crop: CropRect;
  inferenceMs: number;
}

interface Pending {
  timestampUs: number;
  crop: CropRect;
  timer: ReturnType<typeof setTimeout>;
  resolve(result: MaskResult): void;
  reject(error: Error): void;
}

const LOAD_TIMEOUT_MS = 60_000;
/**
 * A request unanswered for STALL_ANSWERS times the slowest answer so far (before the first: its
 * load, which ran a warm-up inference), and never under STALL_MS, means the worker is gone: a
 * worker that crashes or is killed for memory fires no event here. Scaled by the engine's own
 * pace because engines differ by 100x: the landscape model answers in 10–50 ms here, WebGPU on
 * SwiftShader in 1.6–8.8 s.
 */
const STALL_MS = 4000;
const STALL_ANSWERS = 5;

export class RemoteSegmenter {
  private readonly freePixels: ArrayBuffer[] = [];
  private readonly freeMasks: ArrayBuffer[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  /** The worker stopped answering or failed to run: every request fails at once from then on. */
  dead = false;
  /** The slowest answer so far, ms (slow-down included). */
  private slowestMs = 0;

  private constructor(
    private readonly worker: Worker,
    readonly spec: EngineSpec,
    readonly info: SegmenterInfo,
    readonly loadMs: number,
    /** The engine's compiled wasm, for the next worker of the same engine (see segmenter-worker.ts). */
    readonly wasmModule: WebAssembly.Module | null,
    /** Whether this worker instantiated the module it was handed instead of compiling its own. */
    readonly wasmReused: boolean,
  ) {
    worker.addEventListener('message', (event: MessageEvent<FromSegmenter>) =>
      this.onMessage(event.data),
    );
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.dead = true;
      this.failAll(
        new VirtualBackgroundError('segmentation-failed', `segmenter worker: ${event.message}`),
      );
    });
  }

  /** Starts a worker, loads and warms the engine there. Rejects with a typed error; leaves nothing running then. */
  static async create(
    spec: EngineSpec,
    wasmModule: WebAssembly.Module | null = null,
  ): Promise<RemoteSegmenter> {
    const worker = new Worker(new URL('./segmenter-worker.ts', import.meta.url), {
      type: 'module',
      name: `vb-segmenter-${spec.engine}`,
    });
    try {
      const loaded = await new Promise<Extract<FromSegmenter, { type: 'loaded' }>>(
        (resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(
                new VirtualBackgroundError(
                  'model-load-failed',
                  `${spec.modelName} did not load within ${LOAD_TIMEOUT_MS / 1000} s`,
                ),
              ),
            LOAD_TIMEOUT_MS,
          );
          worker.addEventListener('message', (event: MessageEvent<FromSegmenter>) => {
            const m = event.data;
            if (m.type === 'loaded') {
              clearTimeout(timer);
              resolve(m);
            } else if (m.type === 'load-failed') {
              clearTimeout(timer);
              reject(deserializeError(m.error));
            }
          });
          worker.addEventListener('error', (event) => {
            event.preventDefault();
            clearTimeout(timer);
            reject(
              new VirtualBackgroundError(
                'pipeline-failed',
                `segmenter worker failed to start: ${event.message}`,
              ),
            );
          });
          const message: ToSegmenter = { type: 'load', spec, wasmModule };
          worker.postMessage(message);
        },
      );
      return new RemoteSegmenter(
        worker,
        spec,
        loaded.info,
        loaded.loadMs,
        loaded.wasmModule,
        loaded.wasmReused,
      );
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  /** Whether a request is in flight. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  /**
   * Requests sent and not answered: the pipeline sends a frame while the previous one is still
   * being segmented (at most one waits behind it), so the engine starts on it the moment it is free.
   */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends a copy of `pixels` (model-size RGBA, showing `crop` of a frame of `frameAspect`). Rejects
   * with a typed error; the caller keeps its last mask then.
   */
  request(
    pixels: Uint8ClampedArray,
    timestampUs: number,
    slowdown: number,
    crop: CropRect,
    frameAspect = this.spec.width / this.spec.height,
  ): Promise<MaskResult> {
    if (this.disposed)
      return Promise.reject(new VirtualBackgroundError('invalid-state', 'segmenter disposed'));
    if (this.dead) {
      return Promise.reject(
        new VirtualBackgroundError('segmentation-failed', `${this.spec.modelName}: worker gone`),
      );
    }
    const id = this.nextId++;
    const buffer = this.freePixels.pop() ?? new ArrayBuffer(pixels.byteLength);
    new Uint8ClampedArray(buffer).set(pixels);
    const mask = this.freeMasks.pop() ?? null;
    const message: ToSegmenter = {
      type: 'segment',
      id,
      pixels: buffer,
      timestampMs: timestampUs / 1000,
      aspect: (crop.w / crop.h) * frameAspect,
      slowdown,
      mask,
    };
    return new Promise<MaskResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.dead = true;
        this.failAll(
          new VirtualBackgroundError(
            'segmentation-failed',
            `${this.spec.modelName}: the segmenter worker stopped answering`,
          ),
        );
      }, this.stallLimitMs(slowdown));
      this.pending.set(id, { timestampUs, crop: { ...crop }, timer, resolve, reject });
      this.worker.postMessage(message, mask ? [buffer, mask] : [buffer]);
    });
  }

  /** How long a request may go unanswered before the worker counts as gone. */
  private stallLimitMs(slowdown: number): number {
    const pace = this.slowestMs > 0 ? this.slowestMs : this.loadMs * Math.max(1, slowdown);
    return Math.max(STALL_MS, STALL_ANSWERS * pace);
  }

  /** Hands a result's mask buffer back for the next request. */
  recycle(result: MaskResult): void {
    if (this.freeMasks.length < 2) this.freeMasks.push(result.mask.buffer as ArrayBuffer);
  }

  private onMessage(m: FromSegmenter): void {
    if (m.type !== 'mask' && m.type !== 'segment-failed') return;
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    if (this.freePixels.length < 2) this.freePixels.push(m.pixels);
    if (!p) return;
    clearTimeout(p.timer);
    if (m.type === 'mask') this.slowestMs = Math.max(this.slowestMs, m.inferenceMs);
    if (m.type === 'mask') {
      p.resolve({
        mask: new Float32Array(m.mask),
        timestampUs: p.timestampUs,
        crop: p.crop,
        inferenceMs: m.inferenceMs,
      });
    } else {
      p.reject(deserializeError(m.error));
    }
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
  }

  /** Testing only: the engine's worker crashes, or its engine fails every request from now on. */
  simulateFault(fault: 'crash' | 'throw'): void {
    const message: ToSegmenter = { type: 'fault', fault };
    this.worker.postMessage(message);
  }

  /** Releases the engine in its worker, then the worker. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.failAll(new VirtualBackgroundError('invalid-state', 'segmenter disposed'));
    const worker = this.worker;
    // The engine frees its wasm heap and GL context on 'dispose'; terminate() is the backstop for
    // an engine stuck in a long call.
    const timer = setTimeout(() => worker.terminate(), 2000);
    worker.addEventListener('message', (event: MessageEvent<FromSegmenter>) => {
      if (event.data.type !== 'disposed') return;
      clearTimeout(timer);
      worker.terminate();
    });
    const message: ToSegmenter = { type: 'dispose' };
    worker.postMessage(message);
  }
}
