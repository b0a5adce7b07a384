/**
 * Test-only: builds TFLite model files from a plain description (tensors, operators, options)
 * with flatbuffer-writer.ts, so each converter operator can be tested on a one-operator model
 * against reference.ts and onnxruntime. Field numbers come from tflite-schema.ts, the table
 * the reader uses, so the two cannot drift apart; the schema itself is what the whole-model
 * tests check, by reading MediaPipe's real files with it.
 */
import {
  Activation,
  BufferField,
  Builtin,
  BuiltinOptionsType,
  ConcatenationOptionsField,
  Conv2DOptionsField,
  DepthwiseConv2DOptionsField,
  ModelField,
  OperatorCodeField,
  OperatorField,
  Padding,
  Pool2DOptionsField,
  ReducerOptionsField,
  ResizeBilinearOptionsField,
  SubGraphField,
  TensorField,
  TensorType,
} from '../tflite-schema';
import { type FieldValue, fb, type TableValue, writeFlatBuffer } from './flatbuffer-writer';

export interface TensorSpec {
  name: string;
  shape: readonly number[];
  /** TensorType; when omitted, from `data`: INT32, FLOAT16 for a Uint16Array, else FLOAT32. */
  type?: number;
  /**
   * Constant contents; omit for run-time tensors. FLOAT16 tensors take raw binary16 bits
   * (see `toHalf`); a Uint8Array is written as the raw buffer bytes.
   */
  data?: Float32Array | Int32Array | Uint16Array | Uint8Array;
}

/** A BuiltinOptions union value: its member number and the option table's fields. */
export interface OptionsSpec {
  type: number;
  fields: TableValue;
}

export interface OperatorSpec {
  /** Builtin code, or a custom code string for a CUSTOM operator. */
  op: number | string;
  /** Tensor indices; -1 omits an optional input. */
  inputs: readonly number[];
  outputs: readonly number[];
  options?: OptionsSpec;
  customOptions?: Uint8Array;
}

export interface ModelSpec {
  tensors: readonly TensorSpec[];
  inputs: readonly number[];
  outputs: readonly number[];
  operators: readonly OperatorSpec[];
  description?: string;
}

function defaultType(data: TensorSpec['data']): number {
  if (data instanceof Int32Array) return TensorType.int32;
  return data instanceof Uint16Array ? TensorType.float16 : TensorType.float32;
}

/** Writes a schema-version-3 TFLite file; buffer 0 is the empty one, as real files have it. */
export function buildTfliteModel(spec: ModelSpec): Uint8Array {
  const codes: (number | string)[] = [];
  for (const o of spec.operators) if (!codes.includes(o.op)) codes.push(o.op);
  const buffers: TableValue[] = [[]];
  const tensors = spec.tensors.map((t, i): TableValue => {
    let buffer = 0;
    if (t.data !== undefined) {
      buffer = buffers.length;
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      buffers.push(withFields([[BufferField.data, fb.bytes(bytes.slice())]]));
    }
    return withFields([
      [TensorField.shape, fb.i32s(t.shape)],
      [TensorField.type, fb.i8(t.type ?? defaultType(t.data))],
      [TensorField.buffer, fb.u32(buffer)],
      [TensorField.name, fb.string(t.name || `tensor_${i}`)],
    ]);
  });
  const operatorCodes = codes.map((c) => {
    const code = typeof c === 'string' ? Builtin.custom : c;
    return withFields([
      [OperatorCodeField.deprecatedBuiltinCode, fb.i8(Math.min(code, 127))],
      [OperatorCodeField.customCode, typeof c === 'string' ? fb.string(c) : undefined],
      [OperatorCodeField.version, fb.i32(1)],
      [OperatorCodeField.builtinCode, fb.i32(code)],
    ]);
  });
  const operators = spec.operators.map((o) =>
    withFields([
      [OperatorField.opcodeIndex, fb.u32(codes.indexOf(o.op))],
      [OperatorField.inputs, fb.i32s(o.inputs)],
      [OperatorField.outputs, fb.i32s(o.outputs)],
      [OperatorField.builtinOptionsType, o.options && fb.u8(o.options.type)],
      [OperatorField.builtinOptions, o.options && fb.table(o.options.fields)],
      [OperatorField.customOptions, o.customOptions && fb.bytes(o.customOptions)],
    ]),
  );
  const subgraph = withFields([
    [SubGraphField.tensors, fb.tables(tensors)],
    [SubGraphField.inputs, fb.i32s(spec.inputs)],
    [SubGraphField.outputs, fb.i32s(spec.outputs)],
    [SubGraphField.operators, fb.tables(operators)],
    [SubGraphField.name, fb.string('main')],
  ]);
  return writeFlatBuffer(
    withFields([
      [ModelField.version, fb.u32(3)],
      [ModelField.operatorCodes, fb.tables(operatorCodes)],
      [ModelField.subgraphs, fb.tables([subgraph])],
      [
        ModelField.description,
        spec.description === undefined ? undefined : fb.string(spec.description),
      ],
      [ModelField.buffers, fb.tables(buffers)],
    ]),
    'TFL3',
  );
}

/** A table from (field index, value) pairs, so call sites name fields by the schema constants. */
export function withFields(
  entries: readonly (readonly [number, FieldValue | undefined])[],
): TableValue {
  const fields: (FieldValue | undefined)[] = [];
  for (const [index, value] of entries) {
    while (fields.length <= index) fields.push(undefined);
    fields[index] = value;
  }
  return fields;
}

/** Number -> IEEE 754 binary16 bits, rounding to nearest even; for FLOAT16 test constants. */
export function toHalf(value: number): number {
  const f32 = new DataView(new ArrayBuffer(4));
  f32.setFloat32(0, value);
  const bits = f32.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - exponent;
    const half = mantissa >> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  const half = (exponent << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

interface WindowOptions {
  padding?: 'same' | 'valid';
  stride?: [number, number];
  dilation?: [number, number];
  activation?: keyof typeof Activation;
}

const paddingCode = (p: WindowOptions['padding']): number =>
  p === 'valid' ? Padding.valid : Padding.same;

/** Conv2DOptions; strides and dilations are [height, width]. */
export function conv2DOptions(o: WindowOptions = {}): OptionsSpec {
  const [sh, sw] = o.stride ?? [1, 1];
  const [dh, dw] = o.dilation ?? [1, 1];
  return {
    type: BuiltinOptionsType.conv2D,
    fields: withFields([
      [Conv2DOptionsField.padding, fb.i8(paddingCode(o.padding))],
      [Conv2DOptionsField.strideW, fb.i32(sw)],
      [Conv2DOptionsField.strideH, fb.i32(sh)],
      [Conv2DOptionsField.fusedActivation, fb.i8(Activation[o.activation ?? 'none'])],
      [Conv2DOptionsField.dilationW, fb.i32(dw)],
      [Conv2DOptionsField.dilationH, fb.i32(dh)],
    ]),
  };
}

export function depthwiseConv2DOptions(o: WindowOptions & { multiplier: number }): OptionsSpec {
  const [sh, sw] = o.stride ?? [1, 1];
  const [dh, dw] = o.dilation ?? [1, 1];
  return {
    type: BuiltinOptionsType.depthwiseConv2D,
    fields: withFields([
      [DepthwiseConv2DOptionsField.padding, fb.i8(paddingCode(o.padding))],
      [DepthwiseConv2DOptionsField.strideW, fb.i32(sw)],
      [DepthwiseConv2DOptionsField.strideH, fb.i32(sh)],
      [DepthwiseConv2DOptionsField.depthMultiplier, fb.i32(o.multiplier)],
      [DepthwiseConv2DOptionsField.fusedActivation, fb.i8(Activation[o.activation ?? 'none'])],
      [DepthwiseConv2DOptionsField.dilationW, fb.i32(dw)],
      [DepthwiseConv2DOptionsField.dilationH, fb.i32(dh)],
    ]),
  };
}

/** Pool2DOptions; `filter` is [height, width]. */
export function pool2DOptions(o: WindowOptions & { filter: [number, number] }): OptionsSpec {
  const [sh, sw] = o.stride ?? [1, 1];
  return {
    type: BuiltinOptionsType.pool2D,
    fields: withFields([
      [Pool2DOptionsField.padding, fb.i8(paddingCode(o.padding))],
      [Pool2DOptionsField.strideW, fb.i32(sw)],
      [Pool2DOptionsField.strideH, fb.i32(sh)],
      [Pool2DOptionsField.filterWidth, fb.i32(o.filter[1])],
      [Pool2DOptionsField.filterHeight, fb.i32(o.filter[0])],
      [Pool2DOptionsField.fusedActivation, fb.i8(Activation[o.activation ?? 'none'])],
    ]),
  };
}

/** AddOptions / MulOptions (`type` BuiltinOptionsType.add or .mul). */
export function arithmeticOptions(
  type: number,
  activation: keyof typeof Activation = 'none',
): OptionsSpec {
  return { type, fields: [fb.i8(Activation[activation])] };
}

export function concatenationOptions(
  axis: number,
  activation: keyof typeof Activation = 'none',
): OptionsSpec {
  return {
    type: BuiltinOptionsType.concatenation,
    fields: withFields([
      [ConcatenationOptionsField.axis, fb.i32(axis)],
      [ConcatenationOptionsField.fusedActivation, fb.i8(Activation[activation])],
    ]),
  };
}

export function reducerOptions(keepDims: boolean): OptionsSpec {
  return {
    type: BuiltinOptionsType.reducer,
    fields: withFields([[ReducerOptionsField.keepDims, fb.bool(keepDims)]]),
  };
}

export function resizeBilinearOptions(o: {
  alignCorners?: boolean;
  halfPixelCenters?: boolean;
}): OptionsSpec {
  return {
    type: BuiltinOptionsType.resizeBilinear,
    fields: withFields([
      [ResizeBilinearOptionsField.alignCorners, fb.bool(o.alignCorners ?? false)],
      [ResizeBilinearOptionsField.halfPixelCenters, fb.bool(o.halfPixelCenters ?? false)],
    ]),
  };
}

/** MediaPipe Convolution2DTransposeBias custom options: int32 padding (1 SAME, 2 VALID), strides. */
export function transposeConvBiasOptions(
  padding: 'same' | 'valid',
  stride: [number, number],
): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setInt32(0, padding === 'same' ? 1 : 2, true);
  view.setInt32(4, stride[1], true);
  view.setInt32(8, stride[0], true);
  return out;
}
