/**
 * YCbCr ↔ RGB matrices for the colour spaces camera frames arrive in. All values are in GL's
 * normalised units (byte / 255). Matrices are returned column-major, as uniformMatrix3fv wants them.
 */

export type Mat3 = [number, number, number, number, number, number, number, number, number];
export type Vec3 = [number, number, number];

export interface YuvConversion {
  /** rgb = toRgb * (yuv - offset) */
  toRgb: Mat3;
  /** yuv = toYuv * rgb + offset */
  toYuv: Mat3;
  offset: Vec3;
  matrix: 'bt709' | 'smpte170m' | 'bt2020-ncl';
  fullRange: boolean;
}

const KR_KB: Record<YuvConversion['matrix'], [number, number]> = {
  bt709: [0.2126, 0.0722],
  smpte170m: [0.299, 0.114],
  'bt2020-ncl': [0.2627, 0.0593],
};

/** Row-major 3x3 inverse. */
export function invert3(m: readonly number[]): number[] {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0, i = 0] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new Error('singular colour matrix');
  const inv = [
    A,
    -(b * i - c * h),
    b * f - c * e,
    B,
    a * i - c * g,
    -(a * f - c * d),
    C,
    -(a * h - b * g),
    a * e - b * d,
  ];
  return inv.map((v) => v / det);
}

function transpose(m: readonly number[]): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]] as Mat3;
}

/** Maps a VideoColorSpace matrix name onto the three sets of coefficients we implement. */
export function normalizeMatrix(matrix: string | null | undefined): YuvConversion['matrix'] {
  switch (matrix) {
    case 'bt709':
      return 'bt709';
    case 'bt2020-ncl':
      return 'bt2020-ncl';
    case 'smpte170m':
    case 'bt470bg':
      return 'smpte170m';
    default:
      // Chrome tags most webcam I420 as smpte170m; untagged SD video is BT.601 by convention.
      return 'smpte170m';
  }
}

export function yuvConversion(
  matrix: YuvConversion['matrix'] = 'smpte170m',
  fullRange = false,
): YuvConversion {
  const [kr, kb] = KR_KB[matrix];
  const kg = 1 - kr - kb;
  const sy = fullRange ? 1 : 219 / 255;
  const sc = fullRange ? 1 : 224 / 255;
  const rowMajor = [
    kr * sy,
    kg * sy,
    kb * sy,
    (sc * -kr) / (2 * (1 - kb)),
    (sc * -kg) / (2 * (1 - kb)),
    (sc * (1 - kb)) / (2 * (1 - kb)),
    (sc * (1 - kr)) / (2 * (1 - kr)),
    (sc * -kg) / (2 * (1 - kr)),
    (sc * -kb) / (2 * (1 - kr)),
  ];
  const offset: Vec3 = [fullRange ? 0 : 16 / 255, 128 / 255, 128 / 255];
  return {
    toYuv: transpose(rowMajor),
    toRgb: transpose(invert3(rowMajor)),
    offset,
    matrix,
    fullRange,
  };
}

/** Applies a column-major matrix, for tests and CPU-side checks. */
export function applyMat3(m: Mat3, v: readonly number[]): Vec3 {
  const [x = 0, y = 0, z = 0] = v;
  return [
    m[0] * x + m[3] * y + m[6] * z,
    m[1] * x + m[4] * y + m[7] * z,
    m[2] * x + m[5] * y + m[8] * z,
  ];
}
