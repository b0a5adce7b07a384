/**
 * Scoring an output frame against the true mask, from pixels only: every processor composites onto
 * pure green, and the mask it drew is recovered from how far each output pixel moved from green
 * towards the input pixel. Plain arrays, no DOM, so the page runs it per frame and the unit tests
 * run it in Node on pictures whose answer is known.
 */

/** The replaced colour every processor is given. */
export const GREEN: readonly [number, number, number] = [0, 255, 0];

/**
 * Input pixels closer than this to green (RGB distance) say nothing about the mask: the output is
 * green-ish whether the person is kept or not. They are left out of every measure.
 */
const AMBIGUOUS_DISTANCE = 60;

export interface Recovered {
  width: number;
  height: number;
  /** Per pixel, 0 = background (green) … 1 = the input pixel; NaN where ambiguous. */
  alpha: Float32Array;
}

/**
 * The alpha each output pixel was composited with: out = a·in + (1 − a)·green, solved by least
 * squares along the input's direction from green. RGBA arrays of the same size.
 */
export function recoverAlpha(
  input: Uint8ClampedArray,
  output: Uint8ClampedArray,
  width: number,
  height: number,
): Recovered {
  const alpha = new Float32Array(width * height);
  const [gr, gg, gb] = GREEN;
  for (let p = 0, i = 0; p < alpha.length; p++, i += 4) {
    const dr = (input[i] as number) - gr;
    const dg = (input[i + 1] as number) - gg;
    const db = (input[i + 2] as number) - gb;
    const n = dr * dr + dg * dg + db * db;
    if (n < AMBIGUOUS_DISTANCE * AMBIGUOUS_DISTANCE) {
      alpha[p] = Number.NaN;
      continue;
    }
    const or = (output[i] as number) - gr;
    const og = (output[i + 1] as number) - gg;
    const ob = (output[i + 2] as number) - gb;
    const a = (or * dr + og * dg + ob * db) / n;
    alpha[p] = Math.min(1, Math.max(0, a));
  }
  return { width, height, alpha };
}

/** Box-averages by an integer factor; NaN (ambiguous) pixels are left out, a block of only NaN stays NaN. */
export function downscale(
  values: Float32Array,
  width: number,
  height: number,
  factor: number,
): Float32Array {
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      let n = 0;
      for (let dy = 0; dy < factor; dy++) {
        for (let dx = 0; dx < factor; dx++) {
          const v = values[(y * factor + dy) * width + x * factor + dx] as number;
          if (Number.isNaN(v)) continue;
          sum += v;
          n++;
        }
      }
      out[y * w + x] = n > 0 ? sum / n : Number.NaN;
    }
  }
  return out;
}

/** A binary mask grown (r > 0) or shrunk (r < 0) by |r| pixels in the chessboard metric. */
export function morph(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r === 0) return mask.slice();
  const grow = r > 0;
  const k = Math.abs(r);
  // Separable: rows, then columns.
  const pass = (src: Uint8Array, horizontal: boolean) => {
    const dst = new Uint8Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v = grow ? 0 : 1;
        for (let d = -k; d <= k; d++) {
          const xx = horizontal ? x + d : x;
          const yy = horizontal ? y : y + d;
          // Outside the picture counts as background: shrinking eats in from the border.
          const s =
            xx < 0 || yy < 0 || xx >= width || yy >= height ? 0 : (src[yy * width + xx] as number);
          if (grow ? s === 1 : s === 0) {
            v = grow ? 1 : 0;
            break;
          }
        }
        dst[y * width + x] = v;
      }
    }
    return dst;
  };
  return pass(pass(mask, true), false);
}

export function binarise(values: Float32Array, threshold = 0.5): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) >= threshold ? 1 : 0;
  return out;
}

/** IoU of alpha ≥ 0.5 against the truth, over the pixels whose alpha is known. */
export function iou(alpha: Float32Array, truth: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i] as number;
    if (Number.isNaN(a)) continue;
    const p = a >= 0.5;
    const t = truth[i] === 1;
    if (p && t) inter++;
    if (p || t) union++;
  }
  return union === 0 ? 1 : inter / union;
}

export interface FrameScore {
  iou: number;
  /** IoU against the previous source frame's truth (null on a segment's first frame). */
  iouPrevious: number | null;
  /** Share of pixels within `band` of the true edge classified right. */
  boundary: number;
  /** Mean |alpha − truth| with the soft (area-averaged) truth. */
  mae: number;
}

export interface ScoreGrid {
  width: number;
  height: number;
  /** Soft truth at this size (area average of the full-size mask). */
  truthSoft: Float32Array;
  truth: Uint8Array;
  /** Pixels within the boundary band of the truth. */
  band: Uint8Array;
}

/** The truth at the scoring size (full size / factor), with its edge band of ±bandRadius pixels. */
export function scoreGrid(
  mask: Uint8Array,
  width: number,
  height: number,
  factor: number,
  bandRadius: number,
): ScoreGrid {
  const full = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) full[i] = mask[i] as number;
  const truthSoft = downscale(full, width, height, factor);
  const w = Math.floor(width / factor);
  const h = Math.floor(height / factor);
  const truth = binarise(truthSoft);
  const outer = morph(truth, w, h, bandRadius);
  const inner = morph(truth, w, h, -bandRadius);
  const band = new Uint8Array(truth.length);
  for (let i = 0; i < band.length; i++) band[i] = outer[i] !== inner[i] ? 1 : 0;
  return { width: w, height: h, truthSoft, truth, band };
}

export function scoreFrame(
  alpha: Float32Array,
  grid: ScoreGrid,
  previous: ScoreGrid | null,
): FrameScore {
  let bandRight = 0;
  let bandN = 0;
  let absSum = 0;
  let n = 0;
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i] as number;
    if (Number.isNaN(a)) continue;
    absSum += Math.abs(a - (grid.truthSoft[i] as number));
    n++;
    if (grid.band[i] === 1) {
      bandN++;
      if (a >= 0.5 === (grid.truth[i] === 1)) bandRight++;
    }
  }
  return {
    iou: iou(alpha, grid.truth),
    iouPrevious: previous ? iou(alpha, previous.truth) : null,
    boundary: bandN === 0 ? 1 : bandRight / bandN,
    mae: n === 0 ? 0 : absSum / n,
  };
}

/**
 * Mean |Δalpha| between two output frames over the pixels whose truth is the same in both: change
 * the picture did not ask for.
 */
export function flicker(
  alpha: Float32Array,
  previousAlpha: Float32Array,
  grid: ScoreGrid,
  previous: ScoreGrid,
): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < alpha.length; i++) {
    if (grid.truth[i] !== previous.truth[i]) continue;
    const a = alpha[i] as number;
    const b = previousAlpha[i] as number;
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    sum += Math.abs(a - b);
    n++;
  }
  return n === 0 ? null : sum / n;
}

/** How far from green (largest channel difference, 0–255) an output pixel may be and count as green. */
export const HALO_TOLERANCE = 30;

export interface Halo {
  /** Band pixels judged (ambiguous ones and those left out by `only` are not). */
  pixels: number;
  /** Mean over the band of the largest channel difference from green (0–255). */
  meanDistance: number;
  /** Share of the band within HALO_TOLERANCE of green on every channel. */
  withinTolerance: number;
  /**
   * The 95th percentile of that difference over the band: at most HALO_TOLERANCE exactly when 95%
   * or more of the band is within it, and how far off the worst twentieth is when it is not.
   */
  p95Distance: number;
  /**
   * withinTolerance per ring: [0] for the pixels 1 pixel outside the true mask, [1] for 2, … (null
   * for a ring with no judged pixel). Says whether a halo is a soft edge (the inner rings) or a
   * mask drawn too wide (all of them).
   */
  withinByRing: Array<number | null>;
}

/**
 * The band from 1 to `bandWidth` pixels outside the true mask (full size, chessboard distance),
 * where a halo shows: each pixel holds its distance from the mask (1..bandWidth), 0 = not in it.
 */
export function haloBand(
  mask: Uint8Array,
  width: number,
  height: number,
  bandWidth = 6,
): Uint8Array {
  const band = new Uint8Array(mask.length);
  let inside = mask;
  for (let ring = 1; ring <= bandWidth; ring++) {
    const grown = morph(inside, width, height, 1);
    for (let i = 0; i < band.length; i++) if (grown[i] === 1 && inside[i] === 0) band[i] = ring;
    inside = grown;
  }
  return band;
}

/** Per pixel of an RGBA picture, 1 where it is within HALO_TOLERANCE of green on every channel. */
export function nearGreen(rgba: Uint8ClampedArray): Uint8Array {
  const [gr, gg, gb] = GREEN;
  const out = new Uint8Array(rgba.length / 4);
  for (let p = 0, i = 0; p < out.length; p++, i += 4) {
    const d = Math.max(
      Math.abs((rgba[i] as number) - gr),
      Math.abs((rgba[i + 1] as number) - gg),
      Math.abs((rgba[i + 2] as number) - gb),
    );
    out[p] = d <= HALO_TOLERANCE ? 1 : 0;
  }
  return out;
}

/**
 * How much of the old background shows just outside the person: in the halo band, how far the
 * output is from the green it should be. Ambiguous input pixels (already near green) are left out,
 * and so are pixels where `only` (when given) is 0: those the output format cannot show as green.
 */
export function halo(
  input: Uint8ClampedArray,
  output: Uint8ClampedArray,
  band: Uint8Array,
  only?: Uint8Array,
): Halo {
  const [gr, gg, gb] = GREEN;
  // Distances are whole levels: a histogram gives the percentile without sorting the band.
  const histogram = new Uint32Array(256);
  const rings: Array<{ within: number; n: number }> = [];
  let sum = 0;
  let within = 0;
  let n = 0;
  for (let p = 0, i = 0; p < band.length; p++, i += 4) {
    const ring = band[p] as number;
    if (ring === 0 || only?.[p] === 0) continue;
    const dr = (input[i] as number) - gr;
    const dg = (input[i + 1] as number) - gg;
    const db = (input[i + 2] as number) - gb;
    if (dr * dr + dg * dg + db * db < AMBIGUOUS_DISTANCE * AMBIGUOUS_DISTANCE) continue;
    const d = Math.max(
      Math.abs((output[i] as number) - gr),
      Math.abs((output[i + 1] as number) - gg),
      Math.abs((output[i + 2] as number) - gb),
    );
    sum += d;
    const bin = Math.min(255, Math.round(d));
    histogram[bin] = (histogram[bin] as number) + 1;
    while (rings.length < ring) rings.push({ within: 0, n: 0 });
    const r = rings[ring - 1] as { within: number; n: number };
    r.n++;
    if (d <= HALO_TOLERANCE) {
      within++;
      r.within++;
    }
    n++;
  }
  if (n === 0) {
    return { pixels: 0, meanDistance: 0, withinTolerance: 1, p95Distance: 0, withinByRing: [] };
  }
  let p95Distance = 0;
  for (let seen = 0; p95Distance < 255; p95Distance++) {
    seen += histogram[p95Distance] as number;
    if (seen >= 0.95 * n) break;
  }
  return {
    pixels: n,
    meanDistance: sum / n,
    withinTolerance: within / n,
    p95Distance,
    withinByRing: rings.map((r) => (r.n === 0 ? null : r.within / r.n)),
  };
}

export interface ShapeDefects {
  /** Pixels of kept regions that touch no part of the true person: chunks of room floating beside it. */
  floating: number;
  /** Pixels inside the person (its truth shrunk by 2 pixels) drawn as background, in regions of 4 or more. */
  holes: number;
  /**
   * The largest single floating region and the largest single hole region (pixels): one chunk a
   * person notices is worse than the same area in specks, which the totals cannot tell apart.
   */
  largestFloating: number;
  largestHole: number;
}

/**
 * Floating chunks and holes, at the scoring size: what a person sees as "a piece of the flag next
 * to her" or "a hole in the helmet", which IoU folds in with edge errors. Regions are 4-connected
 * and made of judged pixels only (ambiguous ones, near green, split them).
 */
export function shapeDefects(alpha: Float32Array, grid: ScoreGrid): ShapeDefects {
  const { width, height, truth } = grid;
  const kept = new Uint8Array(alpha.length);
  for (let i = 0; i < alpha.length; i++) kept[i] = (alpha[i] as number) >= 0.5 ? 1 : 0;
  const inner = morph(truth, width, height, -2);
  let floating = 0;
  let holes = 0;
  let largestFloating = 0;
  let largestHole = 0;
  const seen = new Uint8Array(alpha.length);
  const queue = new Int32Array(alpha.length);
  const region = (seed: number, member: (p: number) => boolean) => {
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    seen[seed] = 1;
    while (head < tail) {
      const p = queue[head++] as number;
      const x = p % width;
      for (const q of [p - 1, p + 1, p - width, p + width]) {
        if (q < 0 || q >= alpha.length || seen[q] === 1) continue;
        if ((q === p - 1 && x === 0) || (q === p + 1 && x === width - 1)) continue;
        if (!member(q)) continue;
        seen[q] = 1;
        queue[tail++] = q;
      }
    }
    return queue.subarray(0, tail);
  };
  for (let p = 0; p < alpha.length; p++) {
    if (seen[p] === 1 || Number.isNaN(alpha[p] as number)) continue;
    if (kept[p] === 1) {
      const pixels = region(p, (q) => kept[q] === 1 && !Number.isNaN(alpha[q] as number));
      if (!pixels.some((q) => truth[q] === 1)) {
        floating += pixels.length;
        largestFloating = Math.max(largestFloating, pixels.length);
      }
    } else if (inner[p] === 1) {
      const pixels = region(
        p,
        (q) => kept[q] === 0 && inner[q] === 1 && !Number.isNaN(alpha[q] as number),
      );
      if (pixels.length >= 4) {
        holes += pixels.length;
        largestHole = Math.max(largestHole, pixels.length);
      }
    }
  }
  return { floating, holes, largestFloating, largestHole };
}
