/**
 * Scores each output picture against the true mask of the frame it was made from (score.ts) and
 * keeps the per-frame records, and a PNG strip (frame | true mask | recovered mask | output) of a
 * few frames spread over the scenario for a person to look at.
 */
import { context2d, type Position, SCORE_FACTOR } from './clips';
import {
  downscale,
  type FrameScore,
  flicker,
  halo,
  recoverAlpha,
  scoreFrame,
  shapeDefects,
} from './score';

export interface FrameRecord extends FrameScore {
  position: number;
  clip: string;
  segment: number;
  /** Frame index within its segment: 0 is the first frame after a cut. */
  index: number;
  haloMean: number;
  haloWithin: number;
  haloP95: number;
  /** haloWithin 1, 2, … pixels outside the true mask. */
  haloWithinByRing: Array<number | null>;
  /**
   * The halo the mask makes, apart from the output's pixel format: haloWithin over the band pixels
   * that the true mask itself shows as green through that format (all of them for an RGB output;
   * for a 4:2:0 one, not those sharing a chroma sample with the person), their share of the band,
   * and haloP95 over them.
   */
  haloFormatWithin: number;
  haloFormatShare: number;
  haloFormatP95: number;
  flicker: number | null;
  /** Pixels at the scoring size: kept chunks touching no part of the person, holes inside it. */
  floating: number;
  holes: number;
  /** The largest single floating chunk and the largest single hole (pixels at the scoring size). */
  largestFloating: number;
  largestHole: number;
}

/** Output pixel formats whose chroma is shared by 2x2 pixels. */
const CHROMA_420: readonly string[] = ['I420', 'I420A', 'NV12'];

export class Scorer {
  readonly frames: FrameRecord[] = [];
  private previous: { alpha: Float32Array; position: Position } | null = null;
  private readonly stripCtx: OffscreenCanvasRenderingContext2D | null;
  private stripRowsDone = 0;
  private readonly stripAt: number[];
  private readonly ctx: OffscreenCanvasRenderingContext2D;

  constructor(
    private readonly positions: Position[],
    private readonly width: number,
    private readonly height: number,
    stripRows: number,
  ) {
    this.ctx = context2d(width, height);
    // Spread over the scenario, a few frames into a segment (past the cut's own frames).
    this.stripAt = Array.from({ length: stripRows }, (_, i) =>
      Math.floor(((i + 0.5) * positions.length) / Math.max(1, stripRows)),
    );
    this.stripCtx = stripRows > 0 ? context2d((width / 2) * 4, (height / 2) * stripRows) : null;
  }

  /** Scores an output picture (any drawable the size of the clip) made from scenario `position`. */
  score(picture: CanvasImageSource, position: number): void {
    const at = this.positions[position];
    if (!at) return;
    const { width, height } = this;
    this.ctx.drawImage(picture, 0, 0, width, height);
    const output = this.ctx.getImageData(0, 0, width, height).data;
    const recovered = recoverAlpha(at.frame.rgba, output, width, height);
    const alpha = downscale(recovered.alpha, width, height, SCORE_FACTOR);
    const prevPos = position > 0 ? this.positions[position - 1] : undefined;
    const previousTruth = at.index > 0 && prevPos ? prevPos.frame.grid : null;
    const s = scoreFrame(alpha, at.frame.grid, previousTruth);
    const h = halo(at.frame.rgba, output, at.frame.band);
    const subsampled =
      typeof VideoFrame !== 'undefined' &&
      picture instanceof VideoFrame &&
      CHROMA_420.includes(picture.format ?? '');
    const hf = subsampled
      ? halo(at.frame.rgba, output, at.frame.band, at.frame.greenThrough420)
      : h;
    const defects = shapeDefects(alpha, at.frame.grid);
    const last = this.previous;
    const f =
      last && last.position.segment === at.segment
        ? flicker(alpha, last.alpha, at.frame.grid, last.position.frame.grid)
        : null;
    this.frames.push({
      ...s,
      position,
      clip: at.frame.clip,
      segment: at.segment,
      index: at.index,
      haloMean: h.meanDistance,
      haloWithin: h.withinTolerance,
      haloP95: h.p95Distance,
      haloWithinByRing: h.withinByRing,
      haloFormatWithin: hf.withinTolerance,
      haloFormatShare: h.pixels === 0 ? 1 : hf.pixels / h.pixels,
      haloFormatP95: hf.p95Distance,
      flicker: f,
      ...defects,
    });
    this.previous = { alpha, position: at };
    this.addToStrip(position, at, alpha, output);
  }

  private addToStrip(
    position: number,
    at: Position,
    alpha: Float32Array,
    output: Uint8ClampedArray,
  ): void {
    const row = this.stripRowsDone;
    const target = this.stripAt[row];
    if (!this.stripCtx || target === undefined || position < target) return;
    this.stripRowsDone++;
    const w = this.width / 2;
    const h = this.height / 2;
    const tile = (rgba: Uint8ClampedArray, full: boolean) => {
      const img = new ImageData(w, h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = (y * w + x) * 4;
          const i = full ? (2 * y * this.width + 2 * x) * 4 : o;
          img.data[o] = rgba[i] as number;
          img.data[o + 1] = rgba[i + 1] as number;
          img.data[o + 2] = rgba[i + 2] as number;
          img.data[o + 3] = 255;
        }
      }
      return img;
    };
    const grey = (values: (i: number) => number) => {
      const rgba = new Uint8ClampedArray(w * h * 4);
      for (let i = 0; i < w * h; i++) {
        const v = values(i);
        // Ambiguous pixels (input near green) in magenta: the scorer did not judge them.
        const nan = Number.isNaN(v);
        rgba[i * 4] = nan ? 255 : v * 255;
        rgba[i * 4 + 1] = nan ? 0 : v * 255;
        rgba[i * 4 + 2] = nan ? 255 : v * 255;
      }
      return tile(rgba, false);
    };
    const y = row * h;
    this.stripCtx.putImageData(tile(at.frame.rgba, true), 0, y);
    this.stripCtx.putImageData(
      grey((i) => at.frame.grid.truthSoft[i] as number),
      w,
      y,
    );
    this.stripCtx.putImageData(
      grey((i) => alpha[i] as number),
      2 * w,
      y,
    );
    this.stripCtx.putImageData(tile(output, true), 3 * w, y);
    void position;
  }

  async strip(): Promise<string | null> {
    if (!this.stripCtx || this.stripRowsDone === 0) return null;
    const blob = await (this.stripCtx.canvas as OffscreenCanvas).convertToBlob({
      type: 'image/png',
    });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }
}
