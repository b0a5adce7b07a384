import { describe, expect, it } from 'vitest';
import {
  downscale,
  flicker,
  GREEN,
  halo,
  haloBand,
  morph,
  recoverAlpha,
  scoreFrame,
  scoreGrid,
  shapeDefects,
} from '../../eval/score';

const W = 64;
const H = 36;

/** A mask with a w x h rectangle of person at (x, y). */
function rect(x: number, y: number, w: number, h: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) m[j * W + i] = 1;
  return m;
}

/** A picture: reddish person on a grey-blue room (both far from green). */
function picture(mask: Uint8Array): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(W * H * 4);
  for (let p = 0; p < mask.length; p++) {
    const person = mask[p] === 1;
    rgba.set(person ? [200, 90, 70, 255] : [90, 100, 160, 255], p * 4);
  }
  return rgba;
}

/** Composites `input` over green with `alpha` per pixel, as a processor would. */
function composite(input: Uint8ClampedArray, alpha: (p: number) => number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(input.length);
  for (let p = 0; p < W * H; p++) {
    const a = alpha(p);
    for (let c = 0; c < 3; c++) {
      out[p * 4 + c] = a * (input[p * 4 + c] as number) + (1 - a) * (GREEN[c] as number);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

describe('eval scoring from output pixels', () => {
  const truth = rect(20, 6, 16, 24);
  const input = picture(truth);
  const grid = scoreGrid(truth, W, H, 2, 2);

  it('recovers the alpha a frame was composited with, soft values included', () => {
    const out = composite(input, (p) => (truth[p] ? 1 : p % 7 === 0 ? 0.5 : 0));
    const { alpha } = recoverAlpha(input, out, W, H);
    expect(alpha[6 * W + 20]).toBeCloseTo(1, 2);
    expect(alpha[0]).toBeCloseTo(0.5, 1); // p = 0 is a multiple of 7
    expect(alpha[1]).toBeCloseTo(0, 2);
  });

  it('leaves input pixels near green out (they say nothing about the mask)', () => {
    const greenish = input.slice();
    greenish.set([20, 230, 30, 255], 0);
    const { alpha } = recoverAlpha(
      greenish,
      composite(greenish, () => 0),
      W,
      H,
    );
    expect(Number.isNaN(alpha[0])).toBe(true);
    expect(Number.isNaN(downscale(alpha, W, H, 2)[0])).toBe(false); // 3 of 4 known
  });

  it('scores the true mask as perfect and a mask drawn a frame late as matching the previous truth', () => {
    const perfect = recoverAlpha(
      input,
      composite(input, (p) => truth[p] as number),
      W,
      H,
    );
    const s = scoreFrame(downscale(perfect.alpha, W, H, 2), grid, null);
    expect(s.iou).toBe(1);
    expect(s.boundary).toBe(1);
    expect(s.mae).toBeCloseTo(0, 5);
    expect(s.iouPrevious).toBeNull();

    // The person moved 6 pixels right; the output still shows where it was.
    const now = rect(26, 6, 16, 24);
    const nowInput = picture(now);
    const late = recoverAlpha(
      nowInput,
      composite(nowInput, (p) => truth[p] as number),
      W,
      H,
    );
    const lateScore = scoreFrame(downscale(late.alpha, W, H, 2), scoreGrid(now, W, H, 2, 2), grid);
    expect(lateScore.iou).toBeLessThan(0.8);
    expect(lateScore.iouPrevious).toBeGreaterThan(lateScore.iou);
    expect(lateScore.boundary).toBeLessThan(0.8);
  });

  it('measures a halo: the old room showing in a band outside the person', () => {
    const band = haloBand(truth, W, H, 3);
    const clean = halo(
      input,
      composite(input, (p) => truth[p] as number),
      band,
    );
    expect(clean.withinTolerance).toBe(1);
    expect(clean.meanDistance).toBe(0);
    const grown = morph(truth, W, H, 2);
    const haloed = halo(
      input,
      composite(input, (p) => grown[p] as number),
      band,
    );
    expect(haloed.withinTolerance).toBeGreaterThan(0.2);
    expect(haloed.withinTolerance).toBeLessThan(0.8);
    expect(haloed.meanDistance).toBeGreaterThan(50);
  });

  it('counts flicker only where the truth did not change', () => {
    const a = downscale(
      recoverAlpha(
        input,
        composite(input, (p) => truth[p] as number),
        W,
        H,
      ).alpha,
      W,
      H,
      2,
    );
    expect(flicker(a, a, grid, grid)).toBe(0);
    const noisy = a.map((v, i) => (i % 2 === 0 ? Math.abs(v - 0.2) : v));
    expect(flicker(noisy, a, grid, grid)).toBeCloseTo(0.1, 2);
  });

  it('grows and shrinks masks by whole pixels', () => {
    const dot = rect(30, 18, 1, 1);
    expect(morph(dot, W, H, 2).reduce((s, v) => s + v, 0)).toBe(25);
    expect(morph(rect(10, 10, 5, 5), W, H, -2).reduce((s, v) => s + v, 0)).toBe(1);
  });
});

describe('shape defects', () => {
  it('counts a kept chunk away from the person and a hole inside it', () => {
    const truth = rect(20, 4, 20, 28);
    const grid = scoreGrid(truth, W, H, 1, 2);
    const alpha = new Float32Array(W * H);
    for (let p = 0; p < alpha.length; p++) alpha[p] = truth[p] as number;
    expect(shapeDefects(alpha, grid)).toEqual({ floating: 0, holes: 0 });
    for (let y = 2; y < 6; y++) for (let x = 50; x < 55; x++) alpha[y * W + x] = 1; // 20 px chunk
    for (let y = 14; y < 17; y++) for (let x = 28; x < 31; x++) alpha[y * W + x] = 0; // 9 px hole
    expect(shapeDefects(alpha, grid)).toEqual({ floating: 20, holes: 9 });
  });
});
