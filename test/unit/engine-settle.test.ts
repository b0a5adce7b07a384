import { describe, expect, it } from 'vitest';
import {
  inferenceSettled,
  maySettleRequest,
  SETTLE_MIN_SAMPLES,
} from '../../src/worker/engine-settle';

// onnxruntime's first inferences after its first load on the 2-core machine (ms, in order), while
// V8 tiered its wasm up: 60–80 ms at first, 20 ms once the optimised code was in.
const FIRST_USE = [67, 78, 62, 34, 50, 37, 41, 52, 45, 31, 24, 18, 20, 19, 23, 22, 28, 22];

describe('inferenceSettled', () => {
  it('waits while a fresh engine still speeds up', () => {
    for (let n = 1; n <= 15; n++) expect(inferenceSettled(FIRST_USE.slice(0, n))).toBe(false);
  });

  it('settles once the recent times sit near the best', () => {
    expect(inferenceSettled(FIRST_USE.slice(0, 16))).toBe(true);
    expect(inferenceSettled(FIRST_USE)).toBe(true);
  });

  it('an engine that is warm already (its wasm reused) settles within a few inferences', () => {
    expect(inferenceSettled([20, 24, 23, 22, 21].slice(0, SETTLE_MIN_SAMPLES - 1))).toBe(false);
    expect(inferenceSettled([20, 24, 23, 22, 21, 22])).toBe(true);
    // A clearly better time restarts the wait: four more inferences have to come in after it.
    const warm = [25, 22, 28, 19, 24, 23, 22, 21];
    expect(inferenceSettled(warm.slice(0, 7))).toBe(false);
    expect(inferenceSettled(warm)).toBe(true);
    // A slightly better one (noise) does not.
    expect(inferenceSettled([20, 24, 23, 22, 19, 22])).toBe(true);
  });

  it('one slow sample in the window does not hold it back; two do', () => {
    expect(inferenceSettled([20, 21, 22, 22, 60, 21])).toBe(true);
    expect(inferenceSettled([20, 21, 22, 22, 60, 61])).toBe(false);
  });
});

describe('maySettleRequest', () => {
  it('keeps a settling engine busy at most half the time', () => {
    expect(maySettleRequest(1000, 950, 30)).toBe(false);
    expect(maySettleRequest(1000, 940, 30)).toBe(true);
    expect(maySettleRequest(1000, Number.NEGATIVE_INFINITY, 30)).toBe(true);
  });
});
