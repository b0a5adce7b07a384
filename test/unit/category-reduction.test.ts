import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { categoryReductionModel } from '../../src/worker/onnx-segmenter';

ort.env.wasm.numThreads = 1;

/** Reference: softmax over classes, summed over `foreground`, pixel by pixel. */
function expected(scores: number[][], foreground: number[]): number[] {
  return scores.map((s) => {
    const max = Math.max(...s);
    const e = s.map((v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    return foreground.reduce((a, c) => a + (e[c] ?? 0), 0) / total;
  });
}

describe('categoryReductionModel', () => {
  // 3 pixels (width 3, height 1), 4 classes each.
  const perPixel = [
    [2, 0, -1, 5],
    [0, 0, 0, 0],
    [-3, 4, 1, 0.5],
  ];
  const foreground = [0, 3];

  it('nhwc: softmax over the last axis, foreground classes summed', async () => {
    const session = await ort.InferenceSession.create(
      categoryReductionModel(3, 1, 4, [foreground], 'nhwc'),
    );
    const data = Float32Array.from(perPixel.flat());
    const out = await session.run({ scores: new ort.Tensor('float32', data, [1, 1, 3, 4]) });
    const got = Array.from(out.group0?.data as Float32Array);
    expect(out.group0?.dims).toEqual([1, 1, 3]);
    for (const [i, v] of expected(perPixel, foreground).entries()) expect(got[i]).toBeCloseTo(v, 5);
    await session.release();
  });

  it('nchw: softmax over the channel axis', async () => {
    const session = await ort.InferenceSession.create(
      categoryReductionModel(3, 1, 4, [foreground], 'nchw'),
    );
    // Planar: class c's row of 3 pixels, then the next class.
    const planar = [0, 1, 2, 3].flatMap((c) => perPixel.map((p) => p[c] ?? 0));
    const out = await session.run({
      scores: new ort.Tensor('float32', Float32Array.from(planar), [1, 4, 1, 3]),
    });
    const got = Array.from(out.group0?.data as Float32Array);
    for (const [i, v] of expected(perPixel, foreground).entries()) expect(got[i]).toBeCloseTo(v, 5);
    await session.release();
  });

  it('several groups: one output each, in order', async () => {
    const groups = [[1], [0, 2, 3]];
    const session = await ort.InferenceSession.create(
      categoryReductionModel(3, 1, 4, groups, 'nhwc'),
    );
    const out = await session.run({
      scores: new ort.Tensor('float32', Float32Array.from(perPixel.flat()), [1, 1, 3, 4]),
    });
    for (const [g, group] of groups.entries()) {
      const got = Array.from(out[`group${g}`]?.data as Float32Array);
      for (const [i, v] of expected(perPixel, group).entries()) expect(got[i]).toBeCloseTo(v, 5);
    }
    await session.release();
  });
});
