import { describe, expect, it } from 'vitest';
import {
  applyMat3,
  invert3,
  type Mat3,
  normalizeMatrix,
  type YuvConversion,
  yuvConversion,
} from '../../src/gl/color-space';

const MATRICES: YuvConversion['matrix'][] = ['smpte170m', 'bt709', 'bt2020-ncl'];

function toYuv(c: YuvConversion, rgb: readonly number[]): number[] {
  const v = applyMat3(c.toYuv, rgb);
  return v.map((x, i) => x + (c.offset[i] ?? 0));
}

function toRgb(c: YuvConversion, yuv: readonly number[]): number[] {
  return applyMat3(
    c.toRgb,
    yuv.map((x, i) => x - (c.offset[i] ?? 0)),
  );
}

function expectVec(actual: readonly number[], expected: readonly number[], digits = 9): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((v, i) => {
    expect(actual[i]).toBeCloseTo(v, digits);
  });
}

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('yuvConversion', () => {
  it('defaults to limited-range smpte170m', () => {
    const c = yuvConversion();
    expect(c.matrix).toBe('smpte170m');
    expect(c.fullRange).toBe(false);
  });

  describe.each(MATRICES)('%s', (matrix) => {
    it('limited range: white -> Y 235, Cb = Cr = 128; black -> Y 16', () => {
      const c = yuvConversion(matrix, false);
      expectVec(toYuv(c, [1, 1, 1]), [235 / 255, 128 / 255, 128 / 255]);
      expectVec(toYuv(c, [0, 0, 0]), [16 / 255, 128 / 255, 128 / 255]);
      expectVec(c.offset, [16 / 255, 128 / 255, 128 / 255]);
    });

    it('full range: white -> Y 1, black -> Y 0, chroma centred at 128', () => {
      const c = yuvConversion(matrix, true);
      expectVec(toYuv(c, [1, 1, 1]), [1, 128 / 255, 128 / 255]);
      expectVec(toYuv(c, [0, 0, 0]), [0, 128 / 255, 128 / 255]);
      expectVec(c.offset, [0, 128 / 255, 128 / 255]);
    });

    it('limited range: pure blue has Cb at 240, pure red has Cr at 240', () => {
      const c = yuvConversion(matrix, false);
      expect(toYuv(c, [0, 0, 1])[1]).toBeCloseTo(240 / 255, 9);
      expect(toYuv(c, [1, 0, 0])[2]).toBeCloseTo(240 / 255, 9);
      // And their opposites sit at 16.
      expect(toYuv(c, [1, 1, 0])[1]).toBeCloseTo(16 / 255, 9);
      expect(toYuv(c, [0, 1, 1])[2]).toBeCloseTo(16 / 255, 9);
    });

    it.each([false, true])('toRgb inverts toYuv (fullRange %s)', (fullRange) => {
      const c = yuvConversion(matrix, fullRange);
      const random = rng(fullRange ? 7 : 3);
      for (let n = 0; n < 200; n++) {
        const rgb = [random(), random(), random()];
        const yuv = toYuv(c, rgb);
        const back = toRgb(c, yuv);
        back.forEach((v, i) => {
          expect(Math.abs(v - (rgb[i] ?? 0))).toBeLessThan(1e-6);
        });
      }
    });

    it('toRgb * toYuv is the identity', () => {
      const c = yuvConversion(matrix, false);
      for (const e of [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]) {
        expectVec(applyMat3(c.toRgb, applyMat3(c.toYuv, e)), e);
      }
    });
  });

  it('uses the standard luma weights (column-major, first row = Y)', () => {
    // Y row of the full-range matrix is (Kr, Kg, Kb); column-major puts it at 0, 3, 6.
    const expected: Record<YuvConversion['matrix'], [number, number]> = {
      smpte170m: [0.299, 0.114],
      bt709: [0.2126, 0.0722],
      'bt2020-ncl': [0.2627, 0.0593],
    };
    for (const m of MATRICES) {
      const [kr, kb] = expected[m];
      const t = yuvConversion(m, true).toYuv;
      expectVec([t[0], t[3], t[6]], [kr, 1 - kr - kb, kb]);
    }
  });

  it('the three matrices differ', () => {
    const green = [0, 1, 0];
    const ys = MATRICES.map((m) => toYuv(yuvConversion(m, true), green)[0] ?? 0);
    expect(new Set(ys.map((y) => y.toFixed(6))).size).toBe(3);
  });
});

describe('invert3', () => {
  it('inverts a row-major matrix', () => {
    const m = [2, 0, 1, 1, 3, 2, 1, 1, 2];
    const inv = invert3(m);
    // Row-major product m * inv must be the identity.
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += (m[r * 3 + k] ?? 0) * (inv[k * 3 + c] ?? 0);
        expect(s).toBeCloseTo(r === c ? 1 : 0, 12);
      }
    }
  });

  it('inverts a non-symmetric matrix (catches a transposed adjugate)', () => {
    const m = [1, 2, 3, 0, 1, 4, 5, 6, 0];
    expectVec(invert3(m), [-24, 18, 5, 20, -15, -4, -5, 4, 1]);
  });

  it('throws on a singular matrix', () => {
    expect(() => invert3([1, 2, 3, 2, 4, 6, 0, 1, 0])).toThrow(/singular/);
    expect(() => invert3([0, 0, 0, 0, 0, 0, 0, 0, 0])).toThrow();
  });
});

describe('applyMat3', () => {
  it('treats the matrix as column-major', () => {
    // Columns (1,2,3), (4,5,6), (7,8,9): M * (1,0,0) is the first column.
    const m: Mat3 = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    expectVec(applyMat3(m, [1, 0, 0]), [1, 2, 3]);
    expectVec(applyMat3(m, [0, 1, 0]), [4, 5, 6]);
    expectVec(applyMat3(m, [1, 1, 1]), [12, 15, 18]);
  });
});

describe('normalizeMatrix', () => {
  it('keeps the matrices it implements', () => {
    expect(normalizeMatrix('bt709')).toBe('bt709');
    expect(normalizeMatrix('bt2020-ncl')).toBe('bt2020-ncl');
    expect(normalizeMatrix('smpte170m')).toBe('smpte170m');
  });

  it('maps bt470bg (same coefficients as BT.601) to smpte170m', () => {
    expect(normalizeMatrix('bt470bg')).toBe('smpte170m');
  });

  it('falls back to smpte170m for unknown, null and undefined', () => {
    expect(normalizeMatrix('rgb')).toBe('smpte170m');
    expect(normalizeMatrix('something-new')).toBe('smpte170m');
    expect(normalizeMatrix(null)).toBe('smpte170m');
    expect(normalizeMatrix(undefined)).toBe('smpte170m');
  });
});
