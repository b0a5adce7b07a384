import { describe, expect, it } from 'vitest';
import { backgroundSize, MAX_BACKGROUND_SIDE } from '../../src/background-source';

describe('backgroundSize', () => {
  it('keeps pictures within the limit as they are', () => {
    expect(backgroundSize(1920, 1080)).toEqual({ width: 1920, height: 1080 });
    expect(backgroundSize(MAX_BACKGROUND_SIDE, 100)).toEqual({
      width: MAX_BACKGROUND_SIDE,
      height: 100,
    });
  });

  it('scales larger ones down to the limit on their longest side, aspect kept', () => {
    expect(backgroundSize(6000, 4000)).toEqual({ width: 4096, height: 2731 });
    expect(backgroundSize(3000, 9000)).toEqual({ width: 1365, height: 4096 });
    // A sliver stays at least a pixel tall.
    expect(backgroundSize(100_000, 2)).toEqual({ width: 4096, height: 1 });
  });
});
