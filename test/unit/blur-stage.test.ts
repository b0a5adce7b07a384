import { describe, expect, it } from 'vitest';
import { blurPlan, gaussianWeights, linearTaps, MAX_TAPS } from '../../src/gl/blur-stage';

/** Sum over both sides: w[0] once, every other weight twice. */
function twoSided(w: number[]): number {
  return w.reduce((a, b, i) => a + (i === 0 ? b : 2 * b), 0);
}

describe('gaussianWeights', () => {
  it.each([
    [0.5, 2],
    [1, 3],
    [3, 8],
    [6.4, 16],
    [12.8, 32],
  ])('sigma %s, %i taps: taps+1 weights summing to 1 over both sides', (sigma, taps) => {
    const w = gaussianWeights(sigma, taps);
    expect(w).toHaveLength(taps + 1);
    expect(twoSided(w)).toBeCloseTo(1, 12);
  });

  it('decreases strictly away from the centre and stays positive', () => {
    const w = gaussianWeights(4, 10);
    for (let i = 1; i < w.length; i++) {
      expect(w[i]).toBeGreaterThan(0);
      expect(w[i]).toBeLessThan(w[i - 1] ?? 0);
    }
  });

  it('follows the Gaussian shape: w[i]/w[0] = exp(-i²/2σ²)', () => {
    const sigma = 3;
    const w = gaussianWeights(sigma, 8);
    for (let i = 1; i < w.length; i++) {
      expect((w[i] ?? 0) / (w[0] ?? 1)).toBeCloseTo(Math.exp(-(i * i) / (2 * sigma * sigma)), 12);
    }
  });

  it('is wider for a larger sigma', () => {
    expect(gaussianWeights(6, 10)[0]).toBeLessThan(gaussianWeights(2, 10)[0] ?? 0);
  });
});

describe('linearTaps', () => {
  it.each([1, 2, 3, 7, 8, 16, 31, 32])(
    'preserves total weight and first moment (%i taps)',
    (taps) => {
      const w = gaussianWeights(Math.max(taps / 2.5, 0.5), taps);
      const { weights, offsets } = linearTaps(w);
      expect(weights).toHaveLength(offsets.length + 1);
      expect(offsets).toHaveLength(Math.ceil(taps / 2));
      expect(weights[0]).toBe(w[0]);
      expect(twoSided(weights)).toBeCloseTo(twoSided(w), 12);
      // First moment of one side: Σ i·w[i] over texels = Σ offset·weight over taps.
      const original = w.reduce((a, v, i) => a + i * v, 0);
      const folded = offsets.reduce((a, o, k) => a + o * (weights[k + 1] ?? 0), 0);
      expect(folded).toBeCloseTo(original, 12);
      // Each tap sits between the two texels it replaces.
      offsets.forEach((o, k) => {
        expect(o).toBeGreaterThanOrEqual(2 * k + 1 - 1e-9);
        expect(o).toBeLessThanOrEqual(2 * k + 2 + 1e-9);
      });
    },
  );

  it('folds pairs (1,2), (3,4) with the weighted-mean offset', () => {
    const { weights, offsets } = linearTaps([0.4, 0.2, 0.1, 0.05]);
    expect(weights).toHaveLength(3);
    expect(weights[0]).toBeCloseTo(0.4, 12);
    expect(weights[1]).toBeCloseTo(0.3, 12);
    expect(weights[2]).toBeCloseTo(0.05, 12);
    expect(offsets[0]).toBeCloseTo((1 * 0.2 + 2 * 0.1) / 0.3, 12);
    // A lone last texel keeps its own offset.
    expect(offsets[1]).toBeCloseTo(3, 12);
  });

  it('puts a zero-weight pair at its first texel instead of dividing by zero', () => {
    const { weights, offsets } = linearTaps([1, 0, 0]);
    expect(weights).toEqual([1, 0]);
    expect(offsets).toEqual([1]);
  });
});

describe('blurPlan', () => {
  it('scales the 720p radius to the blur resolution', () => {
    // radius 14 at 720p, blurring a 144-row picture: 14 * 144/720 = 2.8 px, sigma = r/2.
    const p = blurPlan(14, 720, 144);
    expect(p.sigma).toBeCloseTo(1.4, 12);
    expect(p.taps).toBe(Math.ceil(1.4 * 2.5));
  });

  it('scales with frameHeight/720 and blurHeight/frameHeight', () => {
    // At 1080p a radius means 1.5x as many output pixels; the blur picture of a 1080p frame at
    // 1/5 scale has 216 rows, so in blur pixels: 14 * 1.5 * 216/1080.
    const p = blurPlan(14, 1080, 216);
    expect(p.sigma).toBeCloseTo((14 * 1.5 * (216 / 1080)) / 2, 12);
    // The same blur picture size gives the same sigma whatever the frame height.
    expect(blurPlan(20, 480, 144).sigma).toBeCloseTo(blurPlan(20, 1080, 144).sigma, 12);
    // Twice the blur resolution, twice the sigma.
    expect(blurPlan(20, 720, 288).sigma).toBeCloseTo(2 * blurPlan(20, 720, 144).sigma, 12);
  });

  it('is proportional to the radius', () => {
    expect(blurPlan(40, 720, 144).sigma).toBeCloseTo(2 * blurPlan(20, 720, 144).sigma, 12);
  });

  it('keeps sigma at least 0.5 so a zero radius still has a valid kernel', () => {
    const p = blurPlan(0, 720, 144);
    expect(p.sigma).toBe(0.5);
    expect(p.taps).toBeGreaterThanOrEqual(1);
  });

  it('caps taps at MAX_TAPS', () => {
    const p = blurPlan(64, 720, 720);
    expect(p.sigma).toBeCloseTo(32, 12);
    expect(p.taps).toBe(MAX_TAPS);
    expect(blurPlan(1e6, 1080, 1080).taps).toBe(MAX_TAPS);
  });

  it('gives ceil(2.5 sigma) taps below the cap', () => {
    for (const radius of [1, 5, 14, 30, 64]) {
      const p = blurPlan(radius, 720, 144);
      expect(p.taps).toBe(Math.min(Math.ceil(p.sigma * 2.5), MAX_TAPS));
      expect(p.taps).toBeGreaterThanOrEqual(1);
    }
  });
});
