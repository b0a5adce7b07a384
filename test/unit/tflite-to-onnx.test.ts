import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertSource, readSources } from '../../tools/materialize-models';
import {
  attr,
  buildOnnxModel,
  ConversionError,
  type ConversionResult,
  convertTfliteToOnnx,
  FlatBufferBytes,
  readTfliteModel,
  tflitePadding,
} from '../../tools/tflite-to-onnx';
import { runReference } from '../../tools/tflite-to-onnx/reference';
import { stableRegions, windowAt } from '../fixtures/camera-fixture';

// One wasm thread: Node has no cross-origin isolation to share memory, and it keeps timings steady.
ort.env.wasm.numThreads = 1;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const legacyDir = join(root, 'node_modules', '@mediapipe', 'selfie_segmentation');

interface Case {
  file: string;
  width: number;
  height: number;
  output: string;
  /** The final LOGISTIC's input, compared with the reference before the sigmoid saturates it. */
  logits: string;
  pool: 'AVERAGE_POOL_2D' | 'MEAN';
}

const CASES: Case[] = [
  {
    file: 'selfie_segmentation.tflite',
    width: 256,
    height: 256,
    output: 'activation_10',
    logits: 'segment',
    pool: 'AVERAGE_POOL_2D',
  },
  {
    file: 'selfie_segmentation_landscape.tflite',
    width: 256,
    height: 144,
    output: 'segment_back',
    logits: 'conv2d_transpose',
    pool: 'MEAN',
  },
];

/** Every op type the converter may emit: all have wasm and WebGPU (JSEP) kernels at opset 17. */
const PORTABLE_OPS = new Set([
  'Transpose',
  'Conv',
  'ConvTranspose',
  'HardSigmoid',
  'Mul',
  'Add',
  'Relu',
  'Clip',
  'Tanh',
  'Sigmoid',
  'GlobalAveragePool',
  'AveragePool',
  'ReduceMean',
  'Resize',
]);

const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The fixture photo as the network sees it: frame 0's 16:9 window of test/fixtures/astronaut.png
 * (the camera clip's first frame, without noise), box-filtered to width x height, RGB / 255.
 */
function fixtureInput(width: number, height: number): Float32Array {
  const png = PNG.sync.read(readFileSync(join(root, 'test', 'fixtures', 'astronaut.png')));
  const win = windowAt(0, 90);
  const sx = (win.x1 - win.x0) / width;
  const sy = (win.y1 - win.y0) / height;
  const out = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const x0 = win.x0 + x * sx;
      const y0 = win.y0 + y * sy;
      const sum = [0, 0, 0];
      let n = 0;
      for (let py = Math.floor(y0); py < Math.ceil(y0 + sy); py++) {
        for (let px = Math.floor(x0); px < Math.ceil(x0 + sx); px++) {
          const p = (Math.min(py, png.height - 1) * png.width + Math.min(px, png.width - 1)) * 4;
          for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (png.data[p + c] ?? 0);
          n++;
        }
      }
      for (let c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = (sum[c] ?? 0) / n / 255;
    }
  }
  return out;
}

async function run(
  onnx: Uint8Array,
  input: Float32Array,
  c: Case,
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    return await session.run({
      input_1: new ort.Tensor('float32', input, [1, c.height, c.width, 3]),
    });
  } finally {
    await session.release();
  }
}

function conversionError(fn: () => unknown): ConversionError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConversionError) return error;
    throw new Error(`expected a ConversionError, got ${String(error)}`);
  }
  throw new Error('expected a ConversionError, conversion succeeded');
}

describe('tflite-to-onnx on the MediaPipe selfie models', () => {
  const converted = new Map<string, ConversionResult>();
  const outputs = new Map<string, Record<string, ort.Tensor>>();
  const inputs = new Map<string, Float32Array>();

  beforeAll(async () => {
    for (const c of CASES) {
      const result = convertTfliteToOnnx(read(join(legacyDir, c.file)), {
        debugOutputs: [c.logits],
      });
      converted.set(c.file, result);
      const input = fixtureInput(c.width, c.height);
      inputs.set(c.file, input);
      outputs.set(c.file, await run(result.onnx, input, c));
    }
  }, 30_000);

  it.each(CASES)('$file keeps TFLite’s interface and emits portable ops only', (c) => {
    const result = converted.get(c.file)!;
    expect(result.inputs).toEqual([{ name: 'input_1', shape: [1, c.height, c.width, 3] }]);
    expect(result.outputs).toEqual([{ name: c.output, shape: [1, c.height, c.width, 1] }]);
    expect(result.tfliteOperators).toEqual({
      DEQUANTIZE: 110,
      CONV_2D: 43,
      RELU: 22,
      ADD: 14,
      HARD_SWISH: 11,
      DEPTHWISE_CONV_2D: 11,
      LOGISTIC: 11,
      [c.pool]: 10,
      MUL: 10,
      RESIZE_BILINEAR: 3,
      Convolution2DTransposeBias: 1,
    });
    for (const op of Object.keys(result.onnxOperators)) expect(PORTABLE_OPS).toContain(op);
    // One Transpose in, one out, one for the debug output this suite asked for.
    expect(result.onnxOperators.Transpose).toBe(3);
  });

  it.each(CASES)('$file runs in onnxruntime-web: NHWC output in [0, 1]', (c) => {
    const y = outputs.get(c.file)![c.output]!;
    expect(y.dims).toEqual([1, c.height, c.width, 1]);
    const data = y.data as Float32Array;
    expect(data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
  });

  it.each(CASES)('$file: person regions of the fixture > 0.9, background < 0.1', (c) => {
    const data = outputs.get(c.file)![c.output]!.data as Float32Array;
    const regions = stableRegions(90, c.width, c.height);
    expect(regions.filter((r) => r.label === 'person').length).toBeGreaterThanOrEqual(3);
    expect(regions.filter((r) => r.label === 'background').length).toBeGreaterThanOrEqual(3);
    for (const r of regions) {
      let sum = 0;
      for (let y = r.y0; y < r.y1; y++) {
        for (let x = r.x0; x < r.x1; x++) sum += data[y * c.width + x] ?? 0;
      }
      const mean = sum / ((r.x1 - r.x0) * (r.y1 - r.y0));
      // The output is the person probability, whatever the landscape tensor's name says.
      if (r.label === 'person') expect(mean, r.name).toBeGreaterThan(0.9);
      else expect(mean, r.name).toBeLessThan(0.1);
    }
  });

  it.each(CASES)(
    '$file agrees with the NHWC reference interpreter',
    (c) => {
      const reference = runReference(readTfliteModel(read(join(legacyDir, c.file))), {
        input_1: inputs.get(c.file)!,
      });
      const out = outputs.get(c.file)!;
      for (const [name, onnxName, tolerance] of [
        [c.logits, `debug/${c.logits}`, 1e-5],
        // Probabilities: near 0.5 the sigmoid turns 1e-6 relative logit noise into ~1e-4.
        [c.output, c.output, 1e-3],
      ] as const) {
        const expected = reference.get(name)!.data;
        const actual = out[onnxName]!.data as Float32Array;
        expect(actual.length).toBe(expected.length);
        let scale = 1;
        let worst = 0;
        for (let i = 0; i < expected.length; i++) {
          scale = Math.max(scale, Math.abs(expected[i] ?? 0));
          worst = Math.max(worst, Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)));
        }
        expect(worst / scale, name).toBeLessThan(tolerance);
      }
    },
    30_000,
  );
});

describe('tflite-to-onnx: determinism and the tasks file', () => {
  it('gives the same bytes every run, and the hashes sources.json pins', async () => {
    const bytes = read(join(legacyDir, 'selfie_segmentation.tflite'));
    expect(sha(convertTfliteToOnnx(bytes).onnx)).toBe(sha(convertTfliteToOnnx(bytes).onnx));
    const sources = await readSources();
    const legacy = sources.models.filter((m) => m.format === 'tflite-legacy');
    expect(legacy.map((m) => m.convert?.file).sort()).toEqual([
      'deeplabv3_257.onnx',
      'selfie_segmentation.onnx',
      'selfie_segmentation_landscape.onnx',
    ]);
    for (const entry of legacy) {
      const source = read(
        entry.repoPath !== undefined
          ? join(root, entry.repoPath)
          : join(root, 'node_modules', entry.package ?? '', entry.path ?? ''),
      );
      expect(sha(source)).toBe(entry.sha256);
      // convertSource throws if the output's sha256 differs from the pin.
      expect(convertSource(entry, source).sha256).toBe(entry.convert?.sha256);
    }
  }, 15_000);

  it('converts the tasks landscape file (same network + metadata) to the identical model', () => {
    const tasks = read(
      join(
        root,
        'node_modules/@twilio/video-processors/dist/build/selfie_segmentation_landscape.tflite',
      ),
    );
    const legacy = read(join(legacyDir, 'selfie_segmentation_landscape.tflite'));
    expect(sha(convertTfliteToOnnx(tasks).onnx)).toBe(sha(convertTfliteToOnnx(legacy).onnx));
  });

  it('the tasks metadata asks for RGB / 255, the normalisation recorded for the legacy models', async () => {
    const model = readTfliteModel(
      read(
        join(
          root,
          'node_modules/@twilio/video-processors/dist/build/selfie_segmentation_landscape.tflite',
        ),
      ),
    );
    const entry = model.metadata.find((m) => m.name === 'TFLITE_METADATA');
    expect(entry).toBeDefined();
    // metadata_schema.fbs: ModelMetadata.subgraph_metadata = 3; SubGraphMetadata.input_tensor_metadata = 2;
    // TensorMetadata.process_units = 4; ProcessUnit {options_type = 0, options = 1};
    // NormalizationOptions {mean = 0, std = 1}; ProcessUnitOptions.NormalizationOptions = 1.
    const meta = new FlatBufferBytes(model.buffers[entry!.buffer]!).root('M001', 'metadata');
    const tensor = meta.tables(3, () => 'subgraph')[0]!.tables(2, () => 'input')[0]!;
    const unit = tensor.tables(4, () => 'process unit')[0]!;
    expect(unit.u8(0, 0)).toBe(1);
    const norm = unit.table(1, 'normalization')!;
    const sources = await readSources();
    // The selfie models, the same network as the tasks file; DeepLabV3 has its own (-1..1).
    for (const m of sources.models.filter((s) => s.convert?.outputKind === 'person-probability')) {
      expect(m.convert?.normalization.mean).toEqual(norm.f32Vector(0).flatMap((v) => [v, v, v]));
      expect(m.convert?.normalization.std).toEqual(norm.f32Vector(1).flatMap((v) => [v, v, v]));
    }
  });
});

describe('tflite-to-onnx: refusals', () => {
  const landscape = read(join(legacyDir, 'selfie_segmentation_landscape.tflite'));

  it('names an unsupported builtin operator', () => {
    const bytes = landscape.slice();
    const model = new FlatBufferBytes(bytes).root('TFL3', 'model');
    // Turn LOGISTIC (14) into SOFTMAX (25) in the operator code table, both code fields.
    const logistic = model.tables(1, () => 'code').find((t) => t.i8(0, 0) === 14)!;
    bytes[logistic.fieldPosition(0)] = 25;
    const wide = logistic.fieldPosition(3);
    if (wide !== 0) new DataView(bytes.buffer).setInt32(wide, 25, true);
    const error = conversionError(() => convertTfliteToOnnx(bytes));
    expect(error.code).toBe('unsupported-operator');
    expect(error.message).toBe(
      'unsupported TFLite operator SOFTMAX (builtin code 25) in subgraph 0, op #20',
    );
  });

  it('names an unsupported custom operator', () => {
    const bytes = landscape.slice();
    const name = new TextEncoder().encode('Convolution2DTransposeBias');
    const at = Buffer.from(bytes).indexOf(Buffer.from(name));
    bytes[at + name.length - 1] = 'X'.charCodeAt(0);
    const error = conversionError(() => convertTfliteToOnnx(bytes));
    expect(error.code).toBe('unsupported-operator');
    expect(error.message).toBe(
      'unsupported TFLite custom operator "Convolution2DTransposeBiaX" in subgraph 0, op #244',
    );
  });

  it('reports a wrong file identifier', () => {
    const bytes = landscape.slice();
    bytes.set(new TextEncoder().encode('ONNX'), 4);
    const error = conversionError(() => convertTfliteToOnnx(bytes));
    expect(error.code).toBe('corrupt-model');
    expect(error.message).toContain('bad file identifier "ONNX", expected "TFL3"');
  });

  it.each([0, 7, 64, 4096, 100_000, 249_000])('reports a file truncated to %i bytes', (n) => {
    const error = conversionError(() => convertTfliteToOnnx(landscape.slice(0, n)));
    expect(error.code).toBe('corrupt-model');
    expect(error.message).toMatch(/too short|outside the file|out of range/);
  });

  it('never throws anything but ConversionError on damaged bytes', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const codes = new Set<string>();
    for (let trial = 0; trial < 40; trial++) {
      const bytes = landscape.slice();
      // Damage the flatbuffer's tables (the first few KB before the weights, and the tail).
      for (let k = 0; k < 8; k++) {
        const region = rand() < 0.5 ? 2048 : bytes.length;
        const at =
          region === 2048
            ? Math.floor(rand() * 2048)
            : bytes.length - 1 - Math.floor(rand() * 40_000);
        bytes[at] = Math.floor(rand() * 256);
      }
      try {
        convertTfliteToOnnx(bytes);
        codes.add('ok');
      } catch (error) {
        expect(error).toBeInstanceOf(ConversionError);
        codes.add((error as ConversionError).code);
      }
    }
    expect(codes.has('corrupt-model')).toBe(true);
  });
});

describe('tflitePadding', () => {
  it('computes TFLite’s SAME and VALID pads, the odd pixel after', () => {
    expect(tflitePadding(0, 256, 3, 2, 1)).toEqual({ out: 128, before: 0, after: 1 });
    expect(tflitePadding(0, 9, 5, 1, 1)).toEqual({ out: 9, before: 2, after: 2 });
    expect(tflitePadding(0, 9, 3, 2, 2)).toEqual({ out: 5, before: 2, after: 2 });
    expect(tflitePadding(1, 64, 64, 64, 1)).toEqual({ out: 1, before: 0, after: 0 });
    expect(tflitePadding(1, 10, 3, 2, 1)).toEqual({ out: 4, before: 0, after: 0 });
  });
});

describe('buildOnnxModel', () => {
  it('writes a model onnxruntime runs: a 3-class per-pixel softmax over a 1x1 conv', async () => {
    // logits = Conv(x, W) + bias per class, probabilities = Softmax over the class axis.
    const onnx = buildOnnxModel({
      inputs: [{ name: 'image', elemType: 'float32', shape: ['batch', 3, 2, 2] }],
      outputs: [{ name: 'classes', elemType: 'float32', shape: ['batch', 3, 2, 2] }],
      nodes: [
        {
          opType: 'Conv',
          name: 'classifier',
          inputs: ['image', 'w', 'b'],
          outputs: ['logits'],
          attributes: { kernel_shape: attr.ints([1, 1]), pads: attr.ints([0, 0, 0, 0]) },
        },
        {
          opType: 'Softmax',
          inputs: ['logits'],
          outputs: ['classes'],
          attributes: { axis: attr.int(1) },
        },
      ],
      initializers: [
        {
          name: 'w',
          dataType: 'float32',
          dims: [3, 3, 1, 1],
          data: Float32Array.of(10, 0, 0, 0, 10, 0, 0, 0, 10),
        },
        { name: 'b', dataType: 'float32', dims: [3], data: Float32Array.of(0, 0, -1) },
      ],
      metadata: { purpose: 'test' },
    });
    const session = await ort.InferenceSession.create(onnx);
    const image = Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0);
    const out = await session.run({ image: new ort.Tensor('float32', image, [1, 3, 2, 2]) });
    await session.release();
    const p = out.classes!.data as Float32Array;
    expect(out.classes!.dims).toEqual([1, 3, 2, 2]);
    // Pixel 0 is class 0, pixel 1 class 1, pixel 2 class 2; pixel 3 ties classes 0 and 1.
    expect(p[0]).toBeGreaterThan(0.99);
    expect(p[4 + 1]).toBeGreaterThan(0.99);
    expect(p[8 + 2]).toBeGreaterThan(0.99);
    expect(p[3]).toBeCloseTo(p[4 + 3] ?? 0, 6);
  });
});
