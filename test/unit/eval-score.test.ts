import { describe, expect, it } from 'vitest';
import { buildScenario, type ManifestClip, type SourceFrame } from '../../eval/clips';
import type { EvalRequest } from '../../eval/page';
import {
  downscale,
  flicker,
  GREEN,
  halo,
  haloBand,
  morph,
  nearGreen,
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
    expect(shapeDefects(alpha, grid)).toEqual({
      floating: 0,
      holes: 0,
      largestFloating: 0,
      largestHole: 0,
    });
    for (let y = 2; y < 6; y++) for (let x = 50; x < 55; x++) alpha[y * W + x] = 1; // 20 px chunk
    for (let y = 14; y < 17; y++) for (let x = 28; x < 31; x++) alpha[y * W + x] = 0; // 9 px hole
    expect(shapeDefects(alpha, grid)).toEqual({
      floating: 20,
      holes: 9,
      largestFloating: 20,
      largestHole: 9,
    });
  });

  it('tells one large chunk or hole from the same area in pieces', () => {
    const truth = rect(20, 4, 20, 28);
    const grid = scoreGrid(truth, W, H, 1, 2);
    const alpha = new Float32Array(W * H);
    for (let p = 0; p < alpha.length; p++) alpha[p] = truth[p] as number;
    for (let y = 2; y < 6; y++) for (let x = 50; x < 55; x++) alpha[y * W + x] = 1; // 20 px chunk
    for (let y = 20; y < 22; y++) for (let x = 50; x < 53; x++) alpha[y * W + x] = 1; // 6 px chunk
    // A chunk touching the person is part of her outline, not floating.
    for (let x = 40; x < 44; x++) alpha[10 * W + x] = 1;
    for (let y = 8; y < 11; y++) for (let x = 26; x < 29; x++) alpha[y * W + x] = 0; // 9 px hole
    for (let y = 20; y < 22; y++) for (let x = 26; x < 28; x++) alpha[y * W + x] = 0; // 4 px hole
    alpha[26 * W + 30] = 0; // a 1 px speck: under the 4 px floor for a hole
    expect(shapeDefects(alpha, grid)).toEqual({
      floating: 26,
      holes: 13,
      largestFloating: 20,
      largestHole: 9,
    });
  });

  it('does not count background drawn outside the shrunk truth as a hole (an edge error)', () => {
    const truth = rect(20, 4, 20, 28);
    const grid = scoreGrid(truth, W, H, 1, 2);
    const alpha = new Float32Array(W * H);
    // The mask drawn 2 pixels narrower all round: edge error, nothing inside the shrunk truth lost.
    const narrower = rect(22, 6, 16, 24);
    for (let p = 0; p < alpha.length; p++) alpha[p] = narrower[p] as number;
    expect(shapeDefects(alpha, grid).largestHole).toBe(0);
  });
});

describe('halo band by ring', () => {
  const truth = rect(20, 6, 16, 24);
  const input = picture(truth);

  it('labels each band pixel with its distance outside the mask', () => {
    const band = haloBand(truth, W, H, 6);
    expect(band[6 * W + 20]).toBe(0); // inside the person
    expect(band[6 * W + 19]).toBe(1);
    expect(band[6 * W + 14]).toBe(6);
    expect(band[6 * W + 13]).toBe(0); // 7 pixels out: past the band
    expect(band[0 * W + 14]).toBe(6); // chessboard: 6 left and 6 up is 6 away
    expect(band[12 * W + 36 + 2]).toBe(3);
  });

  it('gives the 95th percentile and the share within 30 levels ring by ring', () => {
    const band = haloBand(truth, W, H, 6);
    const clean = halo(
      input,
      composite(input, (p) => truth[p] as number),
      band,
    );
    expect(clean.p95Distance).toBe(0);
    expect(clean.withinByRing).toEqual([1, 1, 1, 1, 1, 1]);
    // A mask 2 pixels too wide: the two inner rings show the room, the outer four are green.
    const grown = morph(truth, W, H, 2);
    const wide = halo(
      input,
      composite(input, (p) => grown[p] as number),
      band,
    );
    expect(wide.withinByRing).toEqual([0, 0, 1, 1, 1, 1]);
    // The room is (90, 100, 160): 160 levels from green at most (on the blue channel).
    expect(wide.p95Distance).toBe(160);
    const count = (f: (r: number) => boolean) => band.reduce((n, r) => n + (f(r) ? 1 : 0), 0);
    expect(wide.withinTolerance).toBeCloseTo(count((r) => r > 2) / count((r) => r > 0), 6);
    // A soft edge (alpha 0.15 one pixel out): 0.15 x 160 = 24 levels, within tolerance.
    const ring1 = haloBand(truth, W, H, 1);
    const soft = halo(
      input,
      composite(input, (p) => (truth[p] ? 1 : ring1[p] ? 0.15 : 0)),
      band,
    );
    expect(soft.withinByRing).toEqual([1, 1, 1, 1, 1, 1]);
    expect(soft.p95Distance).toBeLessThanOrEqual(30);
  });

  it('leaves out the band pixels the output format cannot show green, and only those', () => {
    const band = haloBand(truth, W, H, 6);
    // A format that bleeds her colour one pixel out on her left side, whatever the mask (as 4:2:0
    // chroma does): the true mask composited through it is the reference.
    const bleed = (out: Uint8ClampedArray) => {
      for (let y = 6; y < 30; y++) out.set([60, 215, 40], (y * W + 19) * 4);
      return out;
    };
    const reference = bleed(composite(input, (p) => truth[p] as number));
    const reachable = nearGreen(reference);
    expect(reachable[6 * W + 19]).toBe(0);
    expect(reachable[6 * W + 18]).toBe(1);
    const all = halo(input, reference, band);
    const judged = halo(input, reference, band, reachable);
    expect(all.withinTolerance).toBeLessThan(1);
    expect(judged.withinTolerance).toBe(1);
    expect(all.pixels - judged.pixels).toBe(24);
    // A mask too wide still shows on the pixels that are judged.
    const grown = morph(truth, W, H, 2);
    const wide = halo(input, bleed(composite(input, (p) => grown[p] as number)), band, reachable);
    expect(wide.withinByRing[1]).toBe(0);
  });

  it('reads 95% within tolerance and a p95 of at most 30 as the same bar', () => {
    const band = haloBand(truth, W, H, 6);
    const bandPixels = band.reduce((n, r) => n + (r > 0 ? 1 : 0), 0);
    // Keep the room (alpha 1) on the first k band pixels in scan order, green elsewhere.
    const keep = (k: number) => {
      let seen = 0;
      const alpha = new Float32Array(W * H);
      for (let p = 0; p < alpha.length; p++) {
        alpha[p] = truth[p] === 1 || (band[p] !== 0 && seen++ < k) ? 1 : 0;
      }
      return halo(
        input,
        composite(input, (p) => alpha[p] as number),
        band,
      );
    };
    const at = Math.floor(0.05 * bandPixels);
    expect(keep(at).withinTolerance).toBeGreaterThanOrEqual(0.95);
    expect(keep(at).p95Distance).toBeLessThanOrEqual(30);
    expect(keep(at + 2).withinTolerance).toBeLessThan(0.95);
    expect(keep(at + 2).p95Distance).toBeGreaterThan(30);
  });
});

describe('scenarios', () => {
  const clip = (name: string, kind: ManifestClip['kind'], n: number): ManifestClip => ({
    name,
    kind,
    frames: Array.from({ length: n }, (_, i) => ({ image: `${name}/${i}`, mask: `${name}/${i}` })),
  });
  const manifest = [
    clip('walk', 'moving', 3),
    clip('still', 'portrait', 1),
    clip('shapes', 'shapes', 4),
  ];
  const loaded = new Map<string, SourceFrame[]>(
    manifest.map((c) => [
      c.name,
      c.frames.map((_, i) => ({ clip: `${c.name}#${i}` }) as unknown as SourceFrame),
    ]),
  );
  const request = (scenario: EvalRequest['scenario'], passes: number) =>
    ({ processor: 'ours', scenario, passes, fps: 30, stripRows: 0 }) as EvalRequest;

  it('plays the shapes loop as one segment, with no cut between passes', () => {
    const positions = buildScenario(request('shapes', 3), manifest, loaded);
    expect(positions).toHaveLength(12);
    expect(new Set(positions.map((p) => p.segment))).toEqual(new Set([0]));
    expect(positions.map((p) => p.index)).toEqual([...Array(12).keys()]);
    expect(positions.slice(3, 6).map((p) => p.frame.clip)).toEqual([
      'shapes#3',
      'shapes#0',
      'shapes#1',
    ]);
  });

  it('keeps the shapes clip out of the moving and portrait scenarios', () => {
    const moving = buildScenario(request('moving', 2), manifest, loaded);
    expect(moving.map((p) => p.frame.clip)).toEqual([
      'walk#0',
      'walk#1',
      'walk#2',
      'walk#0',
      'walk#1',
      'walk#2',
    ]);
    expect(moving.map((p) => p.segment)).toEqual([0, 0, 0, 1, 1, 1]);
    const portraits = buildScenario(request('portraits', 1), manifest, loaded);
    expect(portraits).toHaveLength(20);
    expect(new Set(portraits.map((p) => p.frame.clip))).toEqual(new Set(['still#0']));
  });
});
