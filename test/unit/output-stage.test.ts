import { describe, expect, it } from 'vitest';
import { canPackI420 } from '../../src/gl/output-stage';

describe('canPackI420', () => {
  it.each([
    [1280, 720, true],
    [640, 360, true],
    [1920, 1080, true],
    [640, 480, true],
    [320, 240, true],
    [8, 4, true],
    [1282, 720, false],
    [1280, 722, false],
    [1284, 720, false], // chroma row of 642 bytes is not whole RGBA texels
    [1280, 718, false],
    [1276, 720, false],
    [854, 480, false],
    [1280, 721, false],
  ])('%ix%i -> %s', (w, h, expected) => {
    expect(canPackI420(w, h)).toBe(expected);
  });
});
