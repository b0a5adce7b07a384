/**
 * Two person models fused: the `accurate` level. The pipeline sends a square crop around the
 * person; the general model (256x256) segments it as it is. While the picture is still, the
 * landscape model (256x144) also sees it, letterboxed (the square shrunk to the model's height in
 * the middle, its edge columns repeated out to the sides, as a 16:9 camera would have shown the
 * room), and the two confidences are averaged. On the eval's portraits, offline, the general
 * model alone scored IoU 0.71, the landscape model on the whole frame 0.73 and the average 0.76:
 * the general model loses a dancer's fringed dress and keeps a wall patch that the landscape
 * model gets right (docs/quality.md, fourth round). Both run in this segmenter worker.
 */
import type { SegmentationEngine, SegmenterInfo } from './segmenter';

export interface FusionGeometry {
  /** The square picture the pipeline sends, and the primary model's input. */
  width: number;
  height: number;
  /** The companion's input (wider than tall): the picture letterboxed into it. */
  companion: { width: number; height: number };
}

/**
 * Resampling weights along one axis: for each output position, the source positions it reads and
 * their weights (bilinear at each of `offsets` inside the output pixel's footprint, averaged).
 * Built once per geometry so the per-frame loops are plain multiply-adds.
 */
export interface AxisTaps {
  taps: number;
  index: Int32Array;
  weight: Float32Array;
}

export function axisTaps(source: number, target: number, offsets: readonly number[]): AxisTaps {
  const taps = offsets.length * 2;
  const index = new Int32Array(target * taps);
  const weight = new Float32Array(target * taps);
  const scale = source / target;
  for (let t = 0; t < target; t++) {
    offsets.forEach((offset, k) => {
      const at = Math.min(Math.max((t + offset) * scale - 0.5, 0), source - 1);
      const i0 = Math.floor(at);
      const a = at - i0;
      const j = t * taps + k * 2;
      index[j] = i0;
      index[j + 1] = Math.min(i0 + 1, source - 1);
      weight[j] = (1 - a) / offsets.length;
      weight[j + 1] = a / offsets.length;
    });
  }
  return { taps, index, weight };
}

/** Two taps inside each output pixel: the shrink is about 1.8x, plain bilinear would alias. */
const SHRINK_OFFSETS = [0.25, 0.75] as const;
/** Plain bilinear: the mask is upsampled. */
const GROW_OFFSETS = [0.5] as const;
/** The primary's weight in the average on an unsquashed picture. */
const PRIMARY_WEIGHT = 0.5;
/**
 * Squash (the picture's true aspect against the one sent, either way) from which the primary
 * does not count: the pipeline sends the whole 16:9 frame squashed into the square after a cut,
 * and the general model then scored 0.36 on a portrait where the landscape model on the
 * unsquashed frame scored 0.77 (offline, the eval's frames). Below it (a crop clamped at the
 * frame's edge, a little wider than tall) the primary serves as on a square: running both models
 * there too made every request of the eval's moving clips twice as dear (23 fps out of 24 became
 * 13 of 14).
 */
const SQUASH_NONE = 1.6;

/** The primary's weight for a picture squashed by `squash` (>= 1). */
export function primaryWeight(squash: number): number {
  return squash < SQUASH_NONE ? PRIMARY_WEIGHT : 0;
}

/** How wide a picture of true aspect `aspect` is shown in the companion's input. */
function letterboxWidth(g: FusionGeometry, aspect: number): number {
  return Math.min(g.companion.width, Math.max(1, Math.round(aspect * g.companion.height)));
}

/**
 * Builds the tables for pictures of true aspect `aspect` (width/height in the frame) once;
 * `letterbox` and `fuse` then run per frame.
 */
export function fusionKernels(g: FusionGeometry, aspect = g.width / g.height) {
  const { width: w, height: h } = g;
  const { width: cw, height: ch } = g.companion;
  // The picture is shown at its true aspect, `inner` wide in the companion's middle, `left`
  // columns in.
  const inner = letterboxWidth(g, aspect);
  const left = Math.floor((cw - inner) / 2);
  const shrinkX = axisTaps(w, inner, SHRINK_OFFSETS);
  const shrinkY = axisTaps(h, ch, SHRINK_OFFSETS);
  const growX = axisTaps(inner, w, GROW_OFFSETS);
  const growY = axisTaps(ch, h, GROW_OFFSETS);
  const columns = new Float32Array(inner * h * 3);
  const grownRows = new Float32Array(w * ch);

  return {
    /**
     * `rgba` (picture size) into `out` (companion size, RGBA): shrunk into the middle, the
     * outermost shrunk columns repeated to the sides.
     */
    letterbox(rgba: Uint8ClampedArray, out: Uint8ClampedArray): void {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < inner; x++) {
          let r = 0;
          let gg = 0;
          let b = 0;
          for (let k = 0; k < shrinkX.taps; k++) {
            const j = x * shrinkX.taps + k;
            const wt = shrinkX.weight[j] as number;
            const src = (y * w + (shrinkX.index[j] as number)) * 4;
            r += (rgba[src] as number) * wt;
            gg += (rgba[src + 1] as number) * wt;
            b += (rgba[src + 2] as number) * wt;
          }
          const o = (y * inner + x) * 3;
          columns[o] = r;
          columns[o + 1] = gg;
          columns[o + 2] = b;
        }
      }
      for (let y = 0; y < ch; y++) {
        for (let x = 0; x < cw; x++) {
          const column = Math.min(Math.max(x - left, 0), inner - 1);
          let r = 0;
          let gg = 0;
          let b = 0;
          for (let k = 0; k < shrinkY.taps; k++) {
            const j = y * shrinkY.taps + k;
            const wt = shrinkY.weight[j] as number;
            const src = ((shrinkY.index[j] as number) * inner + column) * 3;
            r += (columns[src] as number) * wt;
            gg += (columns[src + 1] as number) * wt;
            b += (columns[src + 2] as number) * wt;
          }
          const o = (y * cw + x) * 4;
          out[o] = r;
          out[o + 1] = gg;
          out[o + 2] = b;
          out[o + 3] = 255;
        }
      }
    },
    /**
     * `primary` (picture size) and the middle of `companion`, grown back to picture size,
     * averaged with `weight` on the primary (0: the companion alone, `primary` unread).
     */
    fuse(primary: Float32Array, companion: Float32Array, out: Float32Array, weight: number): void {
      for (let y = 0; y < ch; y++) {
        for (let x = 0; x < w; x++) {
          let v = 0;
          for (let k = 0; k < growX.taps; k++) {
            const j = x * growX.taps + k;
            const column = left + (growX.index[j] as number);
            v += (companion[y * cw + column] as number) * (growX.weight[j] as number);
          }
          grownRows[y * w + x] = v;
        }
      }
      for (let y = 0; y < h; y++) {
        const j = y * growY.taps;
        const r0 = (growY.index[j] as number) * w;
        const r1 = (growY.index[j + 1] as number) * w;
        const w0 = growY.weight[j] as number;
        const w1 = growY.weight[j + 1] as number;
        for (let x = 0; x < w; x++) {
          const c = (grownRows[r0 + x] as number) * w0 + (grownRows[r1 + x] as number) * w1;
          const i = y * w + x;
          out[i] = weight > 0 ? c + weight * ((primary[i] as number) - c) : c;
        }
      }
    },
  };
}

export type FusionKernels = ReturnType<typeof fusionKernels>;

/**
 * fusionKernels per picture aspect, kept by letterbox width: a crop's aspect moves a little from
 * frame to frame, and every aspect of one width gives the same tables.
 */
export function kernelCache(g: FusionGeometry): (aspect: number) => FusionKernels {
  const kernels = new Map<number, FusionKernels>();
  return (aspect) => {
    const inner = letterboxWidth(g, aspect);
    let k = kernels.get(inner);
    if (!k) {
      if (kernels.size >= 8) kernels.clear();
      k = fusionKernels(g, aspect);
      kernels.set(inner, k);
    }
    return k;
  };
}

/** Sampled pixels per stillness check. */
const STILL_SAMPLES = 4096;
/** A sample moved when its green changed by more than this (of 255): above sensor noise. */
const STILL_PIXEL_CHANGE = 24;
/**
 * Still: at most this share of the samples moved since the anchor. Motion before a plain wall
 * changes few samples (only the person's outline): on the eval's shapes clip, a person swaying
 * 6 px before a wall, 3% let the fused mask of one position serve the next and the rim of wall
 * in the 6-px band grew (0.94 of it green against 0.97); at 1%, 0.95.
 */
const STILL_SHARE = 0.01;
/**
 * A still picture's fused mask serves this many requests before both models run again (about a
 * third of a second at 30 fps). After 4 the eval's portraits came out at 0.71 of the camera's rate
 * in one run; after 8, 0.94-0.99 in three.
 */
const STILL_REUSE = 8;

/**
 * Whether a picture looks like the anchor: the last one both models' answers were made from, so
 * that a slow drift under the threshold from one request to the next still counts once it adds up.
 */
export class StillWatch {
  private anchor: Uint8Array | null = null;

  private sample(rgba: Uint8ClampedArray): Uint8Array {
    const texels = rgba.length >> 2;
    const step = Math.max(1, Math.floor(texels / STILL_SAMPLES));
    const count = Math.floor(texels / step);
    const samples = new Uint8Array(count);
    for (let i = 0; i < count; i++) samples[i] = rgba[i * step * 4 + 1] as number;
    return samples;
  }

  /** Whether `rgba` matches the anchor (false when there is none). */
  still(rgba: Uint8ClampedArray): boolean {
    const anchor = this.anchor;
    const samples = this.sample(rgba);
    if (anchor?.length !== samples.length) return false;
    let moved = 0;
    for (let i = 0; i < samples.length; i++) {
      if (Math.abs((samples[i] as number) - (anchor[i] as number)) > STILL_PIXEL_CHANGE) moved++;
    }
    return moved <= STILL_SHARE * samples.length;
  }

  /** The models ran on `rgba`: it is the picture later ones are compared with. */
  setAnchor(rgba: Uint8ClampedArray): void {
    this.anchor = this.sample(rgba);
  }
}

/** How each request was answered, for tests and measurements. */
export interface FusionCounts {
  /** The general model alone: the picture moved. */
  single: number;
  /** Both models (or the landscape model alone on a squashed picture). */
  fused: number;
  /** A still picture: the last fused mask again, no model run. */
  reused: number;
}

export interface FusedEngineOptions {
  /** Counted per request, for tests and measurements. */
  counts?: FusionCounts;
  /**
   * Hole filling for the answers that involve the general model: a card in the wall's colour
   * held to the chest came out as a 137-px hole in one frame of the shapes clip
   * (test/browser/shapes.spec.ts); dropping its floating regions too cost it IoU.
   */
  holes?: MaskShapes | null;
  /**
   * The full shape clean-up for answers the companion gave alone (a squashed picture): the
   * landscape model's own rule, which dropped its floating chunks at `fast` with IoU unchanged. A
   * webcam's head and shoulders fill its width, the crop around them is clamped to the frame's
   * height and reaches the model squashed: on the demo's astronaut photo a speck of the wall above
   * her shoulder was kept that `fast` drops.
   */
  companionShapes?: MaskShapes | null;
}

/** A shape clean-up (mask-cleanup.ts), in place. */
export interface MaskShapes {
  apply(mask: Float32Array): unknown;
}

/**
 * `primary` on every picture that moved; on a still one (or a squashed one) `companion` too,
 * letterboxed at the picture's true aspect, the two averaged; a still picture's fused mask
 * answers the next few requests while nothing moves. Owns both engines.
 *
 * Cost: both models on every request of a still picture cost about 1.6x the general model alone,
 * and on this project's 2-core machine the consumer test's app at `accurate` was stepped down to
 * `balanced` by adaptive quality. A still picture's mask does not change; answering it from the
 * last fused one leaves the CPU to compositing.
 */
export function fusedEngine(
  primary: SegmentationEngine,
  companion: SegmentationEngine,
  g: FusionGeometry,
  options: FusedEngineOptions = {},
): SegmentationEngine {
  const counts = options.counts ?? { fused: 0, single: 0, reused: 0 };
  const letterboxed = new ImageData(g.companion.width, g.companion.height);
  const kernelsFor = kernelCache(g);
  const watch = new StillWatch();
  const companionMask = new Float32Array(g.companion.width * g.companion.height);
  // The last fused answer (cleaned), for the letterbox width it was made at.
  const lastFused = new Float32Array(g.width * g.height);
  let lastFusedInner = -1;
  let reuses = 0;
  const info: SegmenterInfo = {
    ...primary.info,
    model: `${primary.info.model} + ${companion.info.model}`,
  };
  const sentAspect = g.width / g.height;
  let disposed = false;
  return {
    info,
    async segment(
      image: ImageData,
      timestampMs: number,
      out: Float32Array,
      aspect = sentAspect,
    ): Promise<void> {
      const squash = Math.max(aspect / sentAspect, sentAspect / aspect);
      const weight = primaryWeight(squash);
      const inner = letterboxWidth(g, aspect);
      const still = watch.still(image.data);
      if (still && inner === lastFusedInner && reuses < STILL_REUSE) {
        out.set(lastFused);
        reuses++;
        counts.reused++;
        return;
      }
      watch.setAnchor(image.data);
      reuses = 0;
      if (weight > 0) await primary.segment(image, timestampMs, out);
      if (weight > 0 && !still) {
        options.holes?.apply(out);
        lastFusedInner = -1;
        counts.single++;
        return;
      }
      const k = kernelsFor(aspect);
      k.letterbox(image.data, letterboxed.data);
      await companion.segment(letterboxed, timestampMs, companionMask);
      k.fuse(out, companionMask, out, weight);
      (weight > 0 ? options.holes : options.companionShapes)?.apply(out);
      lastFused.set(out);
      lastFusedInner = inner;
      counts.fused++;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      primary.dispose();
      companion.dispose();
    },
  };
}
