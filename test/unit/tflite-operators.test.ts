/**
 * One test per converter operator: a one-operator TFLite model built from scratch
 * (tools/tflite-to-onnx/testing/tflite-builder.ts), converted, run in onnxruntime-web on seeded
 * random input and compared with the reference interpreter (tools/tflite-to-onnx/reference.ts).
 * The whole-model tests in tflite-to-onnx.test.ts only see the settings MediaPipe's two files
 * use; these reach the others (VALID, dilations, groups, multipliers, every resize mode, every
 * fused activation) and point at the operator that broke.
 *
 * Adding an operator: add its cases to CASES; the registry test below fails until you do.
 */
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { ConversionError, convertTfliteToOnnx, readTfliteModel } from '../../tools/tflite-to-onnx';
import { OPERATORS } from '../../tools/tflite-to-onnx/operators/registry';
import { runReference } from '../../tools/tflite-to-onnx/reference';
import {
  arithmeticOptions,
  buildTfliteModel,
  concatenationOptions,
  conv2DOptions,
  depthwiseConv2DOptions,
  type ModelSpec,
  type OptionsSpec,
  pool2DOptions,
  reducerOptions,
  resizeBilinearOptions,
  type TensorSpec,
  toHalf,
  transposeConvBiasOptions,
} from '../../tools/tflite-to-onnx/testing/tflite-builder';
import {
  Builtin,
  BuiltinOptionsType,
  builtinName,
  TensorType,
} from '../../tools/tflite-to-onnx/tflite-schema';

ort.env.wasm.numThreads = 1;

/** Seeded uniform values in [lo, hi), so a failure reproduces. */
function random(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

const count = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
/** A constant of random values, seeded by its name so cases do not share weights. */
const weights = (name: string, shape: number[]): TensorSpec => ({
  name,
  shape,
  data: random(
    count(shape),
    [...name].reduce((h, ch) => h * 31 + ch.charCodeAt(0), 7),
  ),
});
const runtime = (name: string, shape: number[]): TensorSpec => ({ name, shape });

interface OperatorCase {
  name: string;
  /** The registry key this case exercises (builtin code or custom code). */
  op: number | string;
  model: ModelSpec;
  /** ONNX op types the lowering is expected to emit (besides the boundary Transposes). */
  onnx: string[];
  /** Range of the random graph inputs; activations want both sides of their kinks. */
  range?: [number, number];
}

/** Model with one operator: `inputs` in order (run-time ones become graph inputs), output `y`. */
function oneOp(
  op: number | string,
  inputs: TensorSpec[],
  output: number[],
  extra: { options?: OptionsSpec; customOptions?: Uint8Array } = {},
): ModelSpec {
  return {
    tensors: [...inputs, { name: 'y', shape: output }],
    inputs: inputs.flatMap((t, i) => (t.data === undefined ? [i] : [])),
    outputs: [inputs.length],
    operators: [{ op, inputs: inputs.map((_, i) => i), outputs: [inputs.length], ...extra }],
  };
}

const unary = (op: number, onnx: string[]): OperatorCase => ({
  name: builtinName(op),
  op,
  model: oneOp(op, [runtime('x', [1, 5, 6, 3])], [1, 5, 6, 3]),
  onnx,
  range: [-8, 8],
});

const CASES: OperatorCase[] = [
  {
    // 8 rows at stride 2 pad 0 before, 1 after: TFLite's odd pixel goes last.
    name: 'CONV_2D 3x3 stride 2 SAME, bias, fused RELU6',
    op: Builtin.conv2D,
    model: oneOp(
      Builtin.conv2D,
      [runtime('x', [1, 8, 7, 4]), weights('w', [5, 3, 3, 4]), weights('b', [5])],
      [1, 4, 4, 5],
      { options: conv2DOptions({ stride: [2, 2], activation: 'relu6' }) },
    ),
    onnx: ['Conv', 'Clip'],
    range: [-3, 3],
  },
  {
    name: 'CONV_2D VALID dilation 2, no bias, fused TANH',
    op: Builtin.conv2D,
    model: oneOp(
      Builtin.conv2D,
      [runtime('x', [1, 9, 9, 3]), weights('w', [4, 3, 3, 3])],
      [1, 5, 5, 4],
      {
        options: conv2DOptions({ padding: 'valid', dilation: [2, 2], activation: 'tanh' }),
      },
    ),
    onnx: ['Conv', 'Tanh'],
  },
  {
    name: 'CONV_2D grouped (2 groups) 1x1, fused RELU_N1_TO_1',
    op: Builtin.conv2D,
    model: oneOp(
      Builtin.conv2D,
      [runtime('x', [1, 6, 6, 4]), weights('w', [6, 1, 1, 2]), weights('b', [6])],
      [1, 6, 6, 6],
      { options: conv2DOptions({ activation: 'reluN1To1' }) },
    ),
    onnx: ['Conv', 'Clip'],
  },
  {
    name: 'DEPTHWISE_CONV_2D multiplier 2 stride 2x1 SAME, fused RELU',
    op: Builtin.depthwiseConv2D,
    model: oneOp(
      Builtin.depthwiseConv2D,
      [runtime('x', [1, 8, 8, 3]), weights('w', [1, 3, 3, 6]), weights('b', [6])],
      [1, 4, 8, 6],
      { options: depthwiseConv2DOptions({ multiplier: 2, stride: [2, 1], activation: 'relu' }) },
    ),
    onnx: ['Conv', 'Relu'],
  },
  {
    name: 'DEPTHWISE_CONV_2D 5x5 stride 2 VALID',
    op: Builtin.depthwiseConv2D,
    model: oneOp(
      Builtin.depthwiseConv2D,
      [runtime('x', [1, 11, 10, 4]), weights('w', [1, 5, 5, 4]), weights('b', [4])],
      [1, 4, 3, 4],
      { options: depthwiseConv2DOptions({ multiplier: 1, padding: 'valid', stride: [2, 2] }) },
    ),
    onnx: ['Conv'],
  },
  {
    name: 'AVERAGE_POOL_2D 3x3 stride 2 SAME (edge windows count in-bounds pixels only)',
    op: Builtin.averagePool2D,
    model: oneOp(Builtin.averagePool2D, [runtime('x', [1, 7, 8, 3])], [1, 4, 4, 3], {
      options: pool2DOptions({ filter: [3, 3], stride: [2, 2], activation: 'relu6' }),
    }),
    onnx: ['AveragePool', 'Clip'],
    range: [-2, 8],
  },
  {
    name: 'AVERAGE_POOL_2D over the whole map',
    op: Builtin.averagePool2D,
    model: oneOp(Builtin.averagePool2D, [runtime('x', [1, 5, 6, 4])], [1, 1, 1, 4], {
      options: pool2DOptions({ filter: [5, 6], padding: 'valid' }),
    }),
    onnx: ['GlobalAveragePool'],
  },
  {
    name: 'MEAN over H,W keep_dims',
    op: Builtin.mean,
    model: oneOp(
      Builtin.mean,
      [runtime('x', [1, 6, 5, 4]), { name: 'axes', shape: [2], data: Int32Array.of(1, 2) }],
      [1, 1, 1, 4],
      { options: reducerOptions(true) },
    ),
    onnx: ['GlobalAveragePool'],
  },
  {
    name: 'ADD of two run-time tensors, fused RELU',
    op: Builtin.add,
    model: oneOp(
      Builtin.add,
      [runtime('a', [1, 4, 5, 3]), runtime('b', [1, 4, 5, 3])],
      [1, 4, 5, 3],
      {
        options: arithmeticOptions(BuiltinOptionsType.add, 'relu'),
      },
    ),
    onnx: ['Add', 'Relu'],
  },
  {
    // DeepLabV3's ASPP: branches joined along channels.
    name: 'CONCATENATION of three tensors along channels (axis -1)',
    op: Builtin.concatenation,
    model: oneOp(
      Builtin.concatenation,
      [runtime('a', [1, 4, 5, 3]), runtime('b', [1, 4, 5, 2]), runtime('c', [1, 4, 5, 4])],
      [1, 4, 5, 9],
      { options: concatenationOptions(-1) },
    ),
    onnx: ['Concat'],
  },
  {
    name: 'CONCATENATION along width (axis 2), fused RELU',
    op: Builtin.concatenation,
    model: oneOp(
      Builtin.concatenation,
      [runtime('a', [1, 3, 2, 4]), runtime('b', [1, 3, 5, 4])],
      [1, 3, 7, 4],
      { options: concatenationOptions(2, 'relu') },
    ),
    onnx: ['Concat', 'Relu'],
  },
  {
    name: 'ADD of a per-channel constant',
    op: Builtin.add,
    model: oneOp(Builtin.add, [runtime('x', [1, 4, 5, 3]), weights('c', [3])], [1, 4, 5, 3]),
    onnx: ['Add'],
  },
  {
    name: 'MUL by a run-time [1,1,1,C] gate (squeeze-and-excite)',
    op: Builtin.mul,
    model: oneOp(
      Builtin.mul,
      [runtime('x', [1, 4, 5, 3]), runtime('g', [1, 1, 1, 3])],
      [1, 4, 5, 3],
      {
        options: arithmeticOptions(BuiltinOptionsType.mul),
      },
    ),
    onnx: ['Mul'],
  },
  {
    name: 'MUL by a rank-3 [H,W,1] constant',
    op: Builtin.mul,
    model: oneOp(Builtin.mul, [weights('c', [4, 5, 1]), runtime('x', [1, 4, 5, 3])], [1, 4, 5, 3]),
    onnx: ['Mul'],
  },
  unary(Builtin.relu, ['Relu']),
  unary(Builtin.relu6, ['Clip']),
  unary(Builtin.logistic, ['Sigmoid']),
  unary(Builtin.hardSwish, ['HardSigmoid', 'Mul']),
  ...(
    [
      ['asymmetric', {}, [1, 4, 6, 2], [7, 9]],
      ['align_corners', { alignCorners: true }, [1, 5, 7, 2], [10, 14]],
      ['half_pixel_centers', { halfPixelCenters: true }, [1, 5, 7, 2], [10, 14]],
      ['half_pixel_centers, downscale', { halfPixelCenters: true }, [1, 9, 8, 2], [4, 5]],
    ] as const
  ).map(
    ([mode, opts, shape, [h, w]]): OperatorCase => ({
      name: `RESIZE_BILINEAR ${mode} ${shape[1]}x${shape[2]} -> ${h}x${w}`,
      op: Builtin.resizeBilinear,
      model: oneOp(
        Builtin.resizeBilinear,
        [runtime('x', [...shape]), { name: 'size', shape: [2], data: Int32Array.of(h, w) }],
        [1, h, w, 2],
        { options: resizeBilinearOptions(opts) },
      ),
      onnx: ['Resize'],
    }),
  ),
  {
    name: 'DEQUANTIZE float16 weights, folded into the CONV_2D that reads them',
    op: Builtin.dequantize,
    model: {
      tensors: [
        runtime('x', [1, 4, 4, 3]),
        {
          name: 'w16',
          shape: [2, 1, 1, 3],
          type: TensorType.float16,
          data: Uint16Array.from(random(6, 99), toHalf),
        },
        runtime('w', [2, 1, 1, 3]),
        runtime('y', [1, 4, 4, 2]),
      ],
      inputs: [0],
      outputs: [3],
      operators: [
        { op: Builtin.dequantize, inputs: [1], outputs: [2] },
        // -1: the optional bias left out, as TFLite writes it.
        { op: Builtin.conv2D, inputs: [0, 2, -1], outputs: [3], options: conv2DOptions() },
      ],
    },
    onnx: ['Conv'],
  },
  ...(
    [
      ['SAME', 'same', [1, 8, 9, 2]],
      ['VALID', 'valid', [1, 9, 11, 2]],
    ] as const
  ).map(
    ([label, padding, output]): OperatorCase => ({
      name: `Convolution2DTransposeBias 3x3 stride 2 ${label}`,
      op: 'Convolution2DTransposeBias',
      model: oneOp(
        'Convolution2DTransposeBias',
        [runtime('x', [1, 4, 5, 3]), weights('w', [2, 3, 3, 3]), weights('b', [2])],
        [...output],
        { customOptions: transposeConvBiasOptions(padding, [2, 2]) },
      ),
      onnx: ['ConvTranspose'],
    }),
  ),
];

/** Largest |onnx - reference| per case, printed after the run when TFLITE_OPERATOR_DIFFS is set. */
const differences = new Map<string, number>();

async function maxDifference(c: OperatorCase): Promise<number> {
  const bytes = buildTfliteModel(c.model);
  const model = readTfliteModel(bytes);
  const sg = model.subgraphs[0]!;
  const feeds: Record<string, Float32Array> = {};
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [k, i] of sg.inputs.entries()) {
    const t = sg.tensors[i]!;
    const [lo, hi] = c.range ?? [-1, 1];
    feeds[t.name] = random(count(t.shape), 1000 + k, lo, hi);
    ortFeeds[t.name] = new ort.Tensor('float32', feeds[t.name]!, t.shape);
  }
  const reference = runReference(model, feeds);
  const result = convertTfliteToOnnx(bytes);
  for (const op of c.onnx) expect(Object.keys(result.onnxOperators)).toContain(op);
  const session = await ort.InferenceSession.create(result.onnx);
  let outputs: Record<string, ort.Tensor>;
  try {
    outputs = await session.run(ortFeeds);
  } finally {
    await session.release();
  }
  let worst = 0;
  for (const i of sg.outputs) {
    const t = sg.tensors[i]!;
    const expected = reference.get(t.name)!;
    // The declared shape is what the converter checked; the reference computes its own.
    expect(expected.shape, `${t.name}: reference shape`).toEqual(t.shape);
    const actual = outputs[t.name]!;
    expect(actual.dims).toEqual(t.shape);
    const data = actual.data as Float32Array;
    for (let k = 0; k < expected.data.length; k++) {
      worst = Math.max(worst, Math.abs((data[k] ?? Number.NaN) - (expected.data[k] ?? 0)));
    }
  }
  return worst;
}

describe('tflite-to-onnx, one operator at a time, against the reference interpreter', () => {
  afterAll(() => {
    if (process.env.TFLITE_OPERATOR_DIFFS) console.table(Object.fromEntries(differences));
  });

  it.each(CASES)('$name', async (c) => {
    const worst = await maxDifference(c);
    differences.set(c.name, worst);
    expect(worst, `max |onnx - reference| = ${worst.toExponential(2)}`).toBeLessThan(1e-5);
  });

  it('has a case for every operator in the registry', () => {
    const tested = new Set(CASES.map((c) => c.op));
    const missing = [
      ...[...OPERATORS.builtin.keys()].filter((code) => !tested.has(code)).map(builtinName),
      ...[...OPERATORS.custom.keys()].filter((name) => !tested.has(name)),
    ];
    expect(missing, 'registered operators without a case in CASES').toEqual([]);
  });

  it.each([
    [Builtin.softmax, 'unsupported TFLite operator SOFTMAX (builtin code 25) in subgraph 0, op #0'],
    ['FancyOp', 'unsupported TFLite custom operator "FancyOp" in subgraph 0, op #0'],
  ] as const)('refuses an operator missing from the registry (%s)', (op, message) => {
    const bytes = buildTfliteModel(oneOp(op, [runtime('x', [1, 2, 2, 1])], [1, 2, 2, 1]));
    let error: unknown;
    try {
      convertTfliteToOnnx(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConversionError);
    expect((error as ConversionError).code).toBe('unsupported-operator');
    expect((error as ConversionError).message).toBe(message);
  });
});
