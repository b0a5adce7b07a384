/**
 * Engine slots: one segmenter worker with the GL stages sized for its model (downscale to the
 * model's input, mask stage at its output), which live and die together. The factory owns what
 * outlives a slot: each engine's compiled wasm, and the downscale stage the warm-up drew with until
 * the first slot of its size takes it.
 */
import { VirtualBackgroundError } from '../errors';
import { createDownscaleStage, type DownscaleStage } from '../gl/downscale-stage';
import type { RenderTarget } from '../gl/gl-utils';
import { createMaskStage, type MaskStage } from '../gl/mask-stage';
import type { Picture } from '../gl/picture';
import type { LevelConfig } from '../levels';
import { type MaskResult, RemoteSegmenter } from './remote-segmenter';
import type { EngineSpec } from './segmenter';

export interface EngineSlot {
  segmenter: RemoteSegmenter;
  /** Where the next frame is shrunk to the model's input. */
  downscale: DownscaleStage;
  /**
   * The other downscale stage (made on first use): it holds the previous frame's small picture
   * while that frame waits for its mask and the next one is shrunk (swapDownscale).
   */
  spare: DownscaleStage | null;
  mask: MaskStage;
  /** The newest mask that arrived and is not applied yet. */
  ready: MaskResult | null;
  /** When this slot's segmenter was last asked for a mask and has not answered yet. */
  request: Promise<void> | null;
}

/** The frame just shrunk keeps its stage; the next frame gets the other one. */
export function swapDownscale(gl: WebGL2RenderingContext, slot: EngineSlot): void {
  const next = slot.spare ?? createDownscaleStage(gl, slot.downscale.width, slot.downscale.height);
  slot.spare = slot.downscale;
  slot.downscale = next;
}

/** Folds the newest arrived mask of `slot` into its mask stage. Whether there was one. */
export function applyReady(
  slot: EngineSlot,
  picture: Picture,
  small: RenderTarget,
  settings: LevelConfig['mask'],
): boolean {
  const result = slot.ready;
  if (!result) return false;
  slot.ready = null;
  slot.mask.update(result.mask, picture, small, settings);
  slot.segmenter.recycle(result);
  return true;
}

export class EngineFactory {
  /**
   * Each engine's compiled wasm, kept from its first worker: a level switch that brings the engine
   * back instantiates it instead of compiling 13–28 MB of wasm on the cores compositing needs.
   */
  private readonly wasmModules = new Map<string, WebAssembly.Module>();
  /** The downscale stage warmUp() drew with, until the first engine slot of its size takes it. */
  private spareDownscale: DownscaleStage | null = null;
  private disposed = false;

  constructor(private readonly gl: WebGL2RenderingContext) {}

  async newSegmenter(spec: EngineSpec): Promise<RemoteSegmenter> {
    const key = `${spec.engine} ${spec.wasmBaseUrl}`;
    const segmenter = await RemoteSegmenter.create(spec, this.wasmModules.get(key) ?? null);
    if (segmenter.wasmModule && !this.wasmModules.has(key) && !this.disposed) {
      this.wasmModules.set(key, segmenter.wasmModule);
    }
    return segmenter;
  }

  /** Rejects with a typed error; nothing is left running then (nor after dispose()). */
  async createSlot(spec: EngineSpec): Promise<EngineSlot> {
    const segmenter = await this.newSegmenter(spec);
    if (this.disposed) {
      segmenter.dispose();
      throw new VirtualBackgroundError('invalid-state', 'stopped while the model loaded');
    }
    // The stage warmUp() drew with, if it fits: a new one would start cold (its program too,
    // had no one else held it).
    const spare = this.spareDownscale;
    const reuse = spare?.width === spec.width && spare.height === spec.height;
    if (reuse) this.spareDownscale = null;
    return {
      segmenter,
      downscale: reuse ? spare : createDownscaleStage(this.gl, spec.width, spec.height),
      spare: null,
      mask: createMaskStage(this.gl, spec.width, spec.height),
      ready: null,
      request: null,
    };
  }

  /** Keeps `downscale` (the warm-up's, already compiled) for the first slot of its size. */
  keepSpare(downscale: DownscaleStage): void {
    this.spareDownscale?.dispose();
    this.spareDownscale = downscale;
  }

  disposeSlot(slot: EngineSlot | null): void {
    if (!slot) return;
    slot.segmenter.dispose();
    slot.mask.dispose();
    slot.downscale.dispose();
    slot.spare?.dispose();
  }

  dispose(): void {
    this.disposed = true;
    this.wasmModules.clear();
    this.spareDownscale?.dispose();
    this.spareDownscale = null;
  }
}
