/**
 * Where the model looks: the part of the frame a crop level sends to the segmenter, chosen from the
 * last mask's person box. A person who fills a quarter of a 16:9 frame gets about 4x the model
 * pixels a full-frame squash gives them, in the model's own aspect instead of a squashed one (a
 * 256x256 model on a 16:9 frame otherwise sees everyone 78% too thin). Pure functions: the pipeline
 * keeps the current crop on the engine slot (EngineSlot.crop).
 */

/** A rectangle in frame uv (0..1 both ways, the same axes the GL passes sample the frame with). */
export interface CropRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export const FULL_FRAME: Readonly<CropRect> = Object.freeze({ x: 0, y: 0, w: 1, h: 1 });

/** Confidence above this counts as person when the box is measured. */
const PERSON = 0.5;
/** Around the person box: this share of its size on every side, for motion and for context. */
const MARGIN = 0.2;
/** Plus this share of the frame: a small far-away person still gets some surroundings. */
const MARGIN_FRAME = 0.04;
/**
 * Never zoom in further than this share of the frame's height: past ~3x the model loses the
 * context it was trained with, and a person walking in from the side would be missed for longer.
 */
const MIN_HEIGHT = 0.35;
/** A side of the box this close to a crop side that is not the frame's means the person is cut. */
const TOUCH = 0.01;
/** How far a cut side moves out at once (share of the frame). */
const REACH = 0.25;

export function isFullFrame(c: CropRect): boolean {
  return c.x <= 0 && c.y <= 0 && c.w >= 1 && c.h >= 1;
}

/**
 * The bounding box of the person in `mask` (width*height confidences, row 0 = top, covering
 * `crop` of the frame), in frame uv; null when no texel is person.
 */
export function personBox(
  mask: Float32Array,
  width: number,
  height: number,
  crop: CropRect,
): CropRect | null {
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if ((mask[row + x] ?? 0) > PERSON) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first < 0) continue;
    if (first < minX) minX = first;
    if (last > maxX) maxX = last;
    if (y < minY) minY = y;
    maxY = y;
  }
  if (maxX < 0) return null;
  return {
    x: crop.x + (minX / width) * crop.w,
    y: crop.y + (minY / height) * crop.h,
    w: ((maxX + 1 - minX) / width) * crop.w,
    h: ((maxY + 1 - minY) / height) * crop.h,
  };
}

/**
 * The crop for the next frame, given the person box found in the last mask (null: nobody, so the
 * whole frame), the crop that mask was made from, the frame's and the model's size. Keeps
 * `previous` while it still frames the person well, so the model does not see a slightly different
 * zoom every frame (that would show as edge shimmer).
 */
export function nextCrop(
  box: CropRect | null,
  from: CropRect,
  previous: CropRect,
  frame: { width: number; height: number },
  model: { width: number; height: number },
): CropRect {
  if (!box) return { ...FULL_FRAME };
  // A person cut off by the crop they were seen through is larger than the box says: reach out
  // on that side (only where the crop is not already at the frame's edge).
  let left = box.x;
  let top = box.y;
  let right = box.x + box.w;
  let bottom = box.y + box.h;
  if (left - from.x < TOUCH * from.w && from.x > 0) left = Math.max(0, left - REACH);
  if (top - from.y < TOUCH * from.h && from.y > 0) top = Math.max(0, top - REACH);
  if (from.x + from.w - right < TOUCH * from.w && from.x + from.w < 1)
    right = Math.min(1, right + REACH);
  if (from.y + from.h - bottom < TOUCH * from.h && from.y + from.h < 1)
    bottom = Math.min(1, bottom + REACH);

  // In pixels, so the model's aspect is a true aspect.
  const W = frame.width;
  const H = frame.height;
  const bw = (right - left) * W;
  const bh = (bottom - top) * H;
  let w = bw * (1 + 2 * MARGIN) + 2 * MARGIN_FRAME * W;
  let h = bh * (1 + 2 * MARGIN) + 2 * MARGIN_FRAME * H;
  const aspect = model.width / model.height;
  if (w / h < aspect) w = h * aspect;
  else h = w / aspect;
  if (h < MIN_HEIGHT * H) {
    h = MIN_HEIGHT * H;
    w = h * aspect;
  }
  // Larger than the frame on one side: the frame's side, and the aspect gives (a little squash
  // beats padding the model's input with pixels that are not in the picture).
  w = Math.min(w, W);
  h = Math.min(h, H);
  const cx = ((left + right) / 2) * W;
  const cy = ((top + bottom) / 2) * H;
  const ideal: CropRect = {
    x: clamp(cx - w / 2, 0, W - w) / W,
    y: clamp(cy - h / 2, 0, H - h) / H,
    w: w / W,
    h: h / H,
  };
  // Hysteresis: the previous crop stays while it holds the person with half the margin and is
  // not much larger than the ideal one.
  const holds =
    contains(previous, inflate(box, MARGIN / 2)) &&
    previous.w * previous.h <= 1.5 * ideal.w * ideal.h;
  return holds ? { ...previous } : ideal;
}

function inflate(b: CropRect, share: number): CropRect {
  const dx = b.w * share;
  const dy = b.h * share;
  const x = Math.max(0, b.x - dx);
  const y = Math.max(0, b.y - dy);
  return { x, y, w: Math.min(1, b.x + b.w + dx) - x, h: Math.min(1, b.y + b.h + dy) - y };
}

function contains(outer: CropRect, inner: CropRect): boolean {
  const eps = 1e-6;
  return (
    inner.x >= outer.x - eps &&
    inner.y >= outer.y - eps &&
    inner.x + inner.w <= outer.x + outer.w + eps &&
    inner.y + inner.h <= outer.y + outer.h + eps
  );
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), Math.max(lo, hi));
}

/** Sampled pixels per check: enough for a stable share, cheap beside the readback itself. */
const SCENE_SAMPLES = 2048;
/** A sample changed when its green moved by more than this (of 255): above noise and gentle motion. */
const SCENE_PIXEL_CHANGE = 48;
/**
 * A cut: more than this share of the samples changed. Measured on the eval's clips at 256x144:
 * from one frame to the next (or the one after) of a moving clip at most 0.21 changed; across the
 * cuts between its clips and between its portraits 0.40-0.59. At 0.5 most of those cuts went
 * unnoticed and their first frame was drawn with the last scene's silhouette.
 */
const SCENE_CUT_SHARE = 0.3;

/**
 * Notices a cut (someone else, somewhere else, or a person who stood up) in what is sent to the
 * segmenter. No earlier mask fits the new scene, so that frame waits for its own (held-frame.ts);
 * and a crop chosen from the last person would cut the new one off until it had followed them, so
 * a crop level sends that frame whole. Compares each request's pixels with the previous request's
 * through the same crop.
 */
export class SceneWatch {
  private samples: Uint8Array | null = null;
  private crop: CropRect | null = null;

  /** Whether `pixels` (RGBA, seen through `crop`) look like a different scene from the last call's. */
  cut(pixels: Uint8ClampedArray, crop: CropRect): boolean {
    const texels = pixels.length >> 2;
    const step = Math.max(1, Math.floor(texels / SCENE_SAMPLES));
    const count = Math.floor(texels / step);
    const previous = this.samples;
    const comparable =
      previous !== null && previous.length === count && this.crop !== null && same(this.crop, crop);
    const next = previous?.length === count ? previous : new Uint8Array(count);
    let changed = 0;
    for (let i = 0; i < count; i++) {
      const g = pixels[i * step * 4 + 1] ?? 0;
      if (comparable && Math.abs(g - (next[i] ?? 0)) > SCENE_PIXEL_CHANGE) changed++;
      next[i] = g;
    }
    this.samples = next;
    this.crop = { ...crop };
    return comparable && changed > SCENE_CUT_SHARE * count;
  }
}

function same(a: CropRect, b: CropRect): boolean {
  return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;
}
