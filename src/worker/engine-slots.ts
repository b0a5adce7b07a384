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
import { type CropRect, FULL_FRAME, SceneWatch } from './person-crop';
import { type MaskResult, RemoteSegmenter } from './remote-segmenter';
import type { EngineSpec } from './segmenter';

export interface EngineSlot {
  segmenter: RemoteSegmenter;
  /** Where the next frame is shrunk to the model's input. */
  downscale: DownscaleStage;
  /**
   * The other downscale stages (made on first use), newest last: the previous frame's small
   * picture waits there with its frame for its mask while the next one is shrunk, and the one
   * before stays for a mask that comes a frame late, to be moved from its picture (swapDownscale).
   */
  spares: DownscaleStage[];
  /** Which frame each stage shows, through which crop (for a late mask's own picture). */
  shows: Map<DownscaleStage, { timestamp: number; crop: CropRect }>;
  /** Where the person is in the newest mask (frame uv), or null: where follow() looks. */
  box: CropRect | null;
  mask: MaskStage;
  /** The newest mask that arrived and is not applied yet. */
  ready: MaskResult | null;
  /** When this slot's segmenter was last asked for a mask and has not answered yet. */
  request: Promise<void> | null;
  /** Where a crop level sends the next frame: around the person in the newest mask (person-crop). */
  crop: CropRect;
  /** Notices a cut, when the crop from the last person no longer applies. */
  scene: SceneWatch;
}

/** Stages per slot: the frame being shrunk, the frame held for its mask, the frame before. */
const DOWNSCALE_RING = 3;

/**
 * The frame just shrunk (at `timestamp`, through `crop`) keeps its stage; the next frame gets the
 * oldest one.
 */
export function swapDownscale(
  gl: WebGL2RenderingContext,
  slot: EngineSlot,
  timestamp: number,
  crop: CropRect,
): void {
  slot.shows.set(slot.downscale, { timestamp, crop });
  const next =
    slot.spares.length < DOWNSCALE_RING - 1
      ? createDownscaleStage(gl, slot.downscale.width, slot.downscale.height)
      : (slot.spares.shift() as DownscaleStage);
  slot.shows.delete(next);
  slot.spares.push(slot.downscale);
  slot.downscale = next;
}

/** The small picture of the frame at `timestamp`, if a stage still holds it. */
function shownAt(
  slot: EngineSlot,
  timestamp: number,
): { small: RenderTarget; crop: CropRect } | null {
  for (const stage of slot.spares) {
    const shown = slot.shows.get(stage);
    if (shown?.timestamp === timestamp) return { small: stage.target, crop: shown.crop };
  }
  return null;
}

/** Folds the newest arrived mask of `slot` into its mask stage. Whether there was one. */
export function applyReady(
  slot: EngineSlot,
  picture: Picture,
  drawn: { small: RenderTarget; crop: CropRect; timestamp: number },
  settings: LevelConfig['mask'],
): boolean {
  const result = slot.ready;
  let applied = false;
  if (result) {
    slot.ready = null;
    // A late mask goes in with its own frame's picture, so follow() can move it from there.
    const own = result.timestampUs === drawn.timestamp ? drawn : shownAt(slot, result.timestampUs);
    slot.mask.update(
      {
        confidence: result.mask,
        crop: result.crop,
        small: (own ?? drawn).small,
        smallCrop: (own ?? drawn).crop,
        timestamp: own ? result.timestampUs : drawn.timestamp,
        frame: picture,
      },
      settings,
    );
    slot.segmenter.recycle(result);
    applied = true;
  }
  // A mask made from an earlier frame (late, or reused): moved with the person to this one.
  if (slot.box) slot.mask.follow(drawn.small, drawn.crop, drawn.timestamp, slot.box);
  return applied;
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
    const key = `${spec.engine} ${spec.engine === 'mediapipe' ? spec.wasm.binary : spec.wasm.wasm}`;
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
      spares: [],
      shows: new Map(),
      box: null,
      mask: createMaskStage(this.gl, spec.width, spec.height),
      ready: null,
      request: null,
      crop: { ...FULL_FRAME },
      scene: new SceneWatch(),
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
    for (const stage of slot.spares) stage.dispose();
  }

  dispose(): void {
    this.disposed = true;
    this.wasmModules.clear();
    this.spareDownscale?.dispose();
    this.spareDownscale = null;
  }
}
