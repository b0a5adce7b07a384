/**
 * TFLite flatbuffer -> ONNX model, for float NHWC convolutional networks such as MediaPipe's
 * selfie segmenters. The graph is rewritten to NCHW inside (ONNX convolutions are NCHW) with
 * weights transposed at conversion time, and the model keeps TFLite's external interface: the
 * same input and output names, NHWC shapes, one Transpose at each end.
 *
 * Lowerings are chosen for onnxruntime-web: every emitted op has a kernel in both the wasm (CPU)
 * and the WebGPU/JSEP backends at opset 17, so no node falls back to the CPU mid-graph. That is
 * why HARD_SWISH becomes Mul(x, HardSigmoid(x)) and not the HardSwish op.
 *
 * Anything this file does not translate exactly is refused with a ConversionError naming it;
 * it never emits an approximate graph.
 */

import { attr, buildOnnxModel, type OnnxNode, type OnnxTensor } from '../../src/onnx-writer';
import { ConversionError } from './errors';
import {
  readTfliteModel,
  type Table,
  type TfliteModel,
  type TfliteOperator,
  type TfliteSubgraph,
  type TfliteTensor,
} from './tflite-reader';
import {
  Activation,
  ArithmeticOptionsField,
  Builtin,
  BuiltinOptionsType,
  builtinName,
  Conv2DOptionsField,
  DepthwiseConv2DOptionsField,
  Padding,
  Pool2DOptionsField,
  ReducerOptionsField,
  ResizeBilinearOptionsField,
  TensorType,
  tensorTypeName,
} from './tflite-schema';

export const CONVERTER_NAME = 'virtual-background/tflite-to-onnx';
/** Bump when the emitted graph changes for the same input: recorded output hashes depend on it. */
export const CONVERTER_VERSION = '1';
export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;

export interface ConvertOptions {
  /** Extra ModelProto.metadata_props (e.g. the source file's sha256); written in key order. */
  metadata?: Readonly<Record<string, string>>;
  /**
   * TFLite tensor names to expose as extra NHWC graph outputs named `debug/<name>`, for comparing
   * intermediate layers with a reference. Leave empty for production models.
   */
  debugOutputs?: readonly string[];
}

export interface TensorSignature {
  name: string;
  /** NHWC, exactly as in the TFLite model. */
  shape: number[];
}

export interface ConversionResult {
  onnx: Uint8Array;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** Operator counts in the source, by TFLite name (custom ops by their custom code). */
  tfliteOperators: Record<string, number>;
  /** Node counts in the emitted graph, by ONNX op type. */
  onnxOperators: Record<string, number>;
  /** The TFLite model's description string, if any. */
  description: string | undefined;
}

const CUSTOM_TRANSPOSE_CONV_BIAS = 'Convolution2DTransposeBias';

const SUPPORTED_BUILTINS = new Set<number>([
  Builtin.add,
  Builtin.averagePool2D,
  Builtin.conv2D,
  Builtin.depthwiseConv2D,
  Builtin.dequantize,
  Builtin.logistic,
  Builtin.mul,
  Builtin.relu,
  Builtin.relu6,
  Builtin.resizeBilinear,
  Builtin.mean,
  Builtin.hardSwish,
]);

const SUPPORTED_CUSTOM = new Set<string>([CUSTOM_TRANSPOSE_CONV_BIAS]);

/** NHWC -> NCHW for activations, and for 4-D constants that broadcast against them. */
const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** IEEE 754 binary16 -> number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Row-major transpose of `data` (shape `shape`) by `perm`, as numpy.transpose. */
export function transposeData<T extends Float32Array | Int32Array>(
  data: T,
  shape: readonly number[],
  perm: readonly number[],
): { data: T; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p] ?? 1);
  const inStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  // Stride in the input of each output axis.
  const strides = perm.map((p) => inStrides[p] ?? 0);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < data.length; o++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += (index[a] ?? 0) * (strides[a] ?? 0);
    out[o] = data[src] ?? 0;
    for (let a = rank - 1; a >= 0; a--) {
      const next = (index[a] ?? 0) + 1;
      if (next < (outShape[a] ?? 1)) {
        index[a] = next;
        break;
      }
      index[a] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/**
 * TFLite's explicit padding for one spatial axis (tensorflow/lite/kernels/padding.h): the output
 * size for SAME/VALID, and the before/after pads. SAME puts the odd pixel after, as TensorFlow does.
 */
export function tflitePadding(
  padding: number,
  inSize: number,
  filter: number,
  stride: number,
  dilation: number,
): { out: number; before: number; after: number } {
  const effective = (filter - 1) * dilation + 1;
  const out =
    padding === Padding.same
      ? Math.floor((inSize + stride - 1) / stride)
      : Math.floor((inSize + stride - effective) / stride);
  const total = Math.max((out - 1) * stride + effective - inSize, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

interface Constant {
  shape: number[];
  data: Float32Array | Int32Array;
}

class GraphBuilder {
  private readonly model: TfliteModel;
  private readonly sg: TfliteSubgraph;
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  /** ONNX value name of each TFLite activation tensor already produced (NCHW when rank 4). */
  private readonly values = new Map<number, string>();
  /** Constant tensors by TFLite index, in TFLite layout; DEQUANTIZE outputs land here too. */
  private readonly constants = new Map<number, Constant>();
  private readonly usedNames = new Set<string>();
  private readonly sharedInitializers = new Map<string, string>();
  private readonly graphOutputs: Set<number>;

  constructor(model: TfliteModel, sg: TfliteSubgraph) {
    this.model = model;
    this.sg = sg;
    this.graphOutputs = new Set(sg.outputs);
    for (const i of sg.inputs) this.usedNames.add(this.tensor(i).name);
    for (const o of sg.outputs) this.usedNames.add(this.tensor(o).name);
  }

  tensor(index: number): TfliteTensor {
    const t = this.sg.tensors[index];
    if (t === undefined) throw new ConversionError('corrupt-model', `tensor ${index} missing`);
    return t;
  }

  /** A fresh, unique ONNX name derived from `base`. */
  name(base: string): string {
    let name = base;
    for (let n = 2; this.usedNames.has(name); n++) name = `${base}__${n}`;
    this.usedNames.add(name);
    return name;
  }

  emit(node: OnnxNode): void {
    this.nodes.push(node);
  }

  addInitializer(base: string, dims: readonly number[], data: Float32Array | Int32Array): string {
    const name = this.name(base);
    if (data instanceof Float32Array)
      this.initializers.push({ name, dataType: 'float32', dims, data });
    else this.initializers.push({ name, dataType: 'int32', dims, data });
    return name;
  }

  addInt64Initializer(base: string, values: readonly number[]): string {
    const name = this.name(base);
    this.initializers.push({
      name,
      dataType: 'int64',
      dims: [values.length],
      data: BigInt64Array.from(values.map((v) => BigInt(v))),
    });
    return name;
  }

  /** One scalar float initializer per value, shared by every node that needs it (Clip bounds). */
  scalar(value: number): string {
    const key = String(value);
    const existing = this.sharedInitializers.get(key);
    if (existing !== undefined) return existing;
    const name = this.name(`const_${key}`);
    this.initializers.push({ name, dataType: 'float32', dims: [], data: Float32Array.of(value) });
    this.sharedInitializers.set(key, name);
    return name;
  }

  /** Decodes a tensor's buffer as a constant, or undefined for a run-time tensor. */
  constant(index: number): Constant | undefined {
    const cached = this.constants.get(index);
    if (cached !== undefined) return cached;
    const t = this.tensor(index);
    const bytes = this.model.buffers[t.buffer];
    if (bytes === undefined || bytes.byteLength === 0) return undefined;
    const count = product(t.shape);
    const size = t.type === TensorType.float16 ? 2 : 4;
    if (
      t.type !== TensorType.float32 &&
      t.type !== TensorType.float16 &&
      t.type !== TensorType.int32
    ) {
      throw new ConversionError(
        'unsupported-model',
        `tensor ${t.index} (${t.name}): constant of type ${tensorTypeName(t.type)} is not supported (FLOAT32, FLOAT16 and INT32 only)`,
      );
    }
    if (bytes.byteLength !== count * size) {
      throw new ConversionError(
        'corrupt-model',
        `tensor ${t.index} (${t.name}): buffer ${t.buffer} holds ${bytes.byteLength} bytes, shape [${t.shape}] of ${tensorTypeName(t.type)} needs ${count * size}`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let data: Float32Array | Int32Array;
    if (t.type === TensorType.int32) {
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(i * 4, true);
    } else if (t.type === TensorType.float32) {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    } else {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = halfToFloat(view.getUint16(i * 2, true));
    }
    const constant = { shape: [...t.shape], data };
    this.constants.set(index, constant);
    return constant;
  }

  setConstant(index: number, constant: Constant): void {
    this.constants.set(index, constant);
  }

  /** ONNX name of a run-time tensor; it must have been produced by an earlier op. */
  value(index: number, where: string): string {
    const name = this.values.get(index);
    if (name === undefined) {
      const t = this.tensor(index);
      throw new ConversionError(
        'unsupported-model',
        `${where}: input tensor ${index} (${t.name}) is not produced by an earlier op (constants are taken only as weights, bias, axes, sizes and ADD/MUL operands)`,
      );
    }
    return name;
  }

  /** Names the ONNX value that will hold TFLite tensor `index` (NCHW) and records it. */
  define(index: number): string {
    const t = this.tensor(index);
    // Graph outputs get their TFLite name on the final NHWC Transpose, not here.
    const name = this.name(this.graphOutputs.has(index) ? `${t.name}__nchw` : t.name);
    this.values.set(index, name);
    return name;
  }

  bind(index: number, name: string): void {
    this.values.set(index, name);
  }
}

interface OpContext {
  b: GraphBuilder;
  op: TfliteOperator;
  /** "op #12 CONV_2D", for messages. */
  where: string;
  name: string;
}

function unsupported(ctx: OpContext, detail: string): ConversionError {
  return new ConversionError('unsupported-operator', `${ctx.where}: ${detail}`);
}

function corruptOp(ctx: OpContext, detail: string): ConversionError {
  return new ConversionError('corrupt-model', `${ctx.where}: ${detail}`);
}

function input(ctx: OpContext, i: number): number {
  const index = ctx.op.inputs[i];
  if (index === undefined || index < 0) throw corruptOp(ctx, `input ${i} is missing`);
  return index;
}

function output(ctx: OpContext, i = 0): number {
  const index = ctx.op.outputs[i];
  if (index === undefined) throw corruptOp(ctx, `output ${i} is missing`);
  return index;
}

function expectInputs(ctx: OpContext, min: number, max: number): void {
  const n = ctx.op.inputs.length;
  if (n < min || n > max) {
    throw corruptOp(ctx, `has ${n} inputs, expected ${min === max ? min : `${min}-${max}`}`);
  }
  if (ctx.op.outputs.length !== 1)
    throw corruptOp(ctx, `has ${ctx.op.outputs.length} outputs, expected 1`);
}

function options(ctx: OpContext, type: number, required: boolean): Table | undefined {
  const { op } = ctx;
  if (op.builtinOptionsType === BuiltinOptionsType.none || op.builtinOptions === undefined) {
    if (required) throw corruptOp(ctx, 'builtin options are missing');
    return undefined;
  }
  if (op.builtinOptionsType !== type) {
    throw corruptOp(
      ctx,
      `builtin options of union type ${op.builtinOptionsType}, expected ${type}`,
    );
  }
  return op.builtinOptions;
}

function rank4(ctx: OpContext, index: number, role: string): [number, number, number, number] {
  const t = ctx.b.tensor(index);
  const [n, h, w, c] = t.shape;
  if (
    t.shape.length !== 4 ||
    n === undefined ||
    h === undefined ||
    w === undefined ||
    c === undefined
  ) {
    throw unsupported(
      ctx,
      `${role} ${t.name} has shape [${t.shape}]; only 4-D NHWC tensors are supported`,
    );
  }
  if (t.type !== TensorType.float32) {
    throw unsupported(
      ctx,
      `${role} ${t.name} is ${tensorTypeName(t.type)}; only FLOAT32 activations are supported`,
    );
  }
  return [n, h, w, c];
}

function constantInput(ctx: OpContext, i: number, role: string): Constant {
  const index = input(ctx, i);
  const c = ctx.b.constant(index);
  if (c === undefined || !(c.data instanceof Float32Array || c.data instanceof Int32Array)) {
    throw unsupported(ctx, `${role} (${ctx.b.tensor(index).name}) must be a constant`);
  }
  return c;
}

function floatConstantInput(
  ctx: OpContext,
  i: number,
  role: string,
): { shape: number[]; data: Float32Array } {
  const c = constantInput(ctx, i, role);
  if (!(c.data instanceof Float32Array)) throw unsupported(ctx, `${role} must be FLOAT32`);
  return { shape: c.shape, data: c.data };
}

function checkOutputShape(ctx: OpContext, expected: readonly number[]): void {
  const t = ctx.b.tensor(output(ctx));
  if (!sameShape(t.shape, expected)) {
    throw corruptOp(
      ctx,
      `output ${t.name} has shape [${t.shape}], the operator computes [${expected}]`,
    );
  }
}

/**
 * Emits `opType` writing to the op's output, followed by the fused activation if any. Returns
 * nothing: the output tensor is bound to the activation's result.
 */
function emitWithActivation(
  ctx: OpContext,
  node: Omit<OnnxNode, 'outputs' | 'name'>,
  activation: number,
): void {
  const out = output(ctx);
  if (activation === Activation.none) {
    ctx.b.emit({ ...node, name: ctx.name, outputs: [ctx.b.define(out)] });
    return;
  }
  const pre = ctx.b.name(`${ctx.b.tensor(out).name}__preactivation`);
  ctx.b.emit({ ...node, name: ctx.name, outputs: [pre] });
  emitActivation(ctx, activation, pre, ctx.b.define(out), `${ctx.name}/activation`);
}

function emitActivation(
  ctx: OpContext,
  activation: number,
  from: string,
  to: string,
  name: string,
): void {
  const { b } = ctx;
  switch (activation) {
    case Activation.relu:
      b.emit({ opType: 'Relu', name, inputs: [from], outputs: [to] });
      return;
    case Activation.relu6:
      b.emit({ opType: 'Clip', name, inputs: [from, b.scalar(0), b.scalar(6)], outputs: [to] });
      return;
    case Activation.reluN1To1:
      b.emit({ opType: 'Clip', name, inputs: [from, b.scalar(-1), b.scalar(1)], outputs: [to] });
      return;
    case Activation.tanh:
      b.emit({ opType: 'Tanh', name, inputs: [from], outputs: [to] });
      return;
    default:
      throw unsupported(ctx, `fused activation ${activation} is not supported`);
  }
}

function convertConv2D(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 3);
  const opts = options(ctx, BuiltinOptionsType.conv2D, true)!;
  const padding = opts.i8(Conv2DOptionsField.padding, Padding.same);
  const strideW = opts.i32(Conv2DOptionsField.strideW, 0);
  const strideH = opts.i32(Conv2DOptionsField.strideH, 0);
  const dilationW = opts.i32(Conv2DOptionsField.dilationW, 1);
  const dilationH = opts.i32(Conv2DOptionsField.dilationH, 1);
  const activation = opts.i8(Conv2DOptionsField.fusedActivation, Activation.none);
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  const weights = floatConstantInput(ctx, 1, 'filter');
  const [o, kh, kw, ci] = weights.shape;
  if (
    weights.shape.length !== 4 ||
    o === undefined ||
    kh === undefined ||
    kw === undefined ||
    ci === undefined
  ) {
    throw corruptOp(ctx, `filter has shape [${weights.shape}], expected [O,H,W,I]`);
  }
  if (ci === 0 || c % ci !== 0)
    throw corruptOp(ctx, `input has ${c} channels, filter expects ${ci} per group`);
  checkGeometry(ctx, padding, [strideH, strideW], [dilationH, dilationW]);
  const ph = tflitePadding(padding, h, kh, strideH, dilationH);
  const pw = tflitePadding(padding, w, kw, strideW, dilationW);
  checkOutputShape(ctx, [n, ph.out, pw.out, o]);
  const wName = b.addInitializer(
    `${b.tensor(input(ctx, 1)).name}__oihw`,
    [o, ci, kh, kw],
    transposeData(weights.data, weights.shape, NHWC_TO_NCHW).data,
  );
  const inputs = [b.value(input(ctx, 0), ctx.where), wName];
  const bias = biasInput(ctx, 2, o);
  if (bias !== undefined) inputs.push(bias);
  emitWithActivation(
    ctx,
    {
      opType: 'Conv',
      inputs,
      attributes: {
        dilations: attr.ints([dilationH, dilationW]),
        group: attr.int(c / ci),
        kernel_shape: attr.ints([kh, kw]),
        pads: attr.ints([ph.before, pw.before, ph.after, pw.after]),
        strides: attr.ints([strideH, strideW]),
      },
    },
    activation,
  );
}

function convertDepthwiseConv2D(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 3);
  const opts = options(ctx, BuiltinOptionsType.depthwiseConv2D, true)!;
  const padding = opts.i8(DepthwiseConv2DOptionsField.padding, Padding.same);
  const strideW = opts.i32(DepthwiseConv2DOptionsField.strideW, 0);
  const strideH = opts.i32(DepthwiseConv2DOptionsField.strideH, 0);
  const dilationW = opts.i32(DepthwiseConv2DOptionsField.dilationW, 1);
  const dilationH = opts.i32(DepthwiseConv2DOptionsField.dilationH, 1);
  const activation = opts.i8(DepthwiseConv2DOptionsField.fusedActivation, Activation.none);
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  const weights = floatConstantInput(ctx, 1, 'filter');
  const [one, kh, kw, oc] = weights.shape;
  if (
    weights.shape.length !== 4 ||
    one !== 1 ||
    kh === undefined ||
    kw === undefined ||
    oc === undefined
  ) {
    throw corruptOp(ctx, `filter has shape [${weights.shape}], expected [1,H,W,C*multiplier]`);
  }
  // The multiplier follows from the shapes; TFLite's own kernel does the same and only checks
  // the option, which some converters leave at 0.
  if (c === 0 || oc % c !== 0)
    throw corruptOp(ctx, `filter has ${oc} channels for ${c} input channels`);
  const multiplier = opts.i32(DepthwiseConv2DOptionsField.depthMultiplier, 0);
  if (multiplier !== 0 && multiplier !== oc / c) {
    throw corruptOp(
      ctx,
      `depth_multiplier ${multiplier} disagrees with ${oc} filter channels over ${c} inputs`,
    );
  }
  checkGeometry(ctx, padding, [strideH, strideW], [dilationH, dilationW]);
  const ph = tflitePadding(padding, h, kh, strideH, dilationH);
  const pw = tflitePadding(padding, w, kw, strideW, dilationW);
  checkOutputShape(ctx, [n, ph.out, pw.out, oc]);
  // [1,H,W,C*M] -> [C*M,1,H,W]: output channel ic*M+m is ONNX group ic's m-th filter.
  const wName = b.addInitializer(
    `${b.tensor(input(ctx, 1)).name}__m1hw`,
    [oc, 1, kh, kw],
    transposeData(weights.data, weights.shape, [3, 0, 1, 2]).data,
  );
  const inputs = [b.value(input(ctx, 0), ctx.where), wName];
  const bias = biasInput(ctx, 2, oc);
  if (bias !== undefined) inputs.push(bias);
  emitWithActivation(
    ctx,
    {
      opType: 'Conv',
      inputs,
      attributes: {
        dilations: attr.ints([dilationH, dilationW]),
        group: attr.int(c),
        kernel_shape: attr.ints([kh, kw]),
        pads: attr.ints([ph.before, pw.before, ph.after, pw.after]),
        strides: attr.ints([strideH, strideW]),
      },
    },
    activation,
  );
}

function checkGeometry(
  ctx: OpContext,
  padding: number,
  strides: readonly number[],
  dilations: readonly number[],
): void {
  if (padding !== Padding.same && padding !== Padding.valid) {
    throw corruptOp(ctx, `padding ${padding} is neither SAME nor VALID`);
  }
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1)) {
    throw corruptOp(ctx, `invalid strides [${strides}] or dilations [${dilations}]`);
  }
}

function biasInput(ctx: OpContext, i: number, channels: number): string | undefined {
  const index = ctx.op.inputs[i];
  if (index === undefined || index < 0) return undefined;
  const bias = floatConstantInput(ctx, i, 'bias').data;
  if (bias.length !== channels)
    throw corruptOp(ctx, `bias has ${bias.length} values for ${channels} channels`);
  return ctx.b.addInitializer(ctx.b.tensor(index).name, [channels], bias);
}

function convertAveragePool(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 1, 1);
  const opts = options(ctx, BuiltinOptionsType.pool2D, true)!;
  const padding = opts.i8(Pool2DOptionsField.padding, Padding.same);
  const strideW = opts.i32(Pool2DOptionsField.strideW, 0);
  const strideH = opts.i32(Pool2DOptionsField.strideH, 0);
  const kw = opts.i32(Pool2DOptionsField.filterWidth, 0);
  const kh = opts.i32(Pool2DOptionsField.filterHeight, 0);
  const activation = opts.i8(Pool2DOptionsField.fusedActivation, Activation.none);
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  checkGeometry(ctx, padding, [strideH, strideW], [1, 1]);
  if (kh < 1 || kw < 1) throw corruptOp(ctx, `invalid filter size ${kh}x${kw}`);
  const ph = tflitePadding(padding, h, kh, strideH, 1);
  const pw = tflitePadding(padding, w, kw, strideW, 1);
  checkOutputShape(ctx, [n, ph.out, pw.out, c]);
  const x = b.value(input(ctx, 0), ctx.where);
  const pads = [ph.before, pw.before, ph.after, pw.after];
  if (ph.out === 1 && pw.out === 1 && kh === h && kw === w && pads.every((p) => p === 0)) {
    // The squeeze-and-excite blocks pool the whole map: the global op is simpler and faster.
    emitWithActivation(ctx, { opType: 'GlobalAveragePool', inputs: [x] }, activation);
    return;
  }
  emitWithActivation(
    ctx,
    {
      opType: 'AveragePool',
      inputs: [x],
      attributes: {
        // TFLite divides by the number of in-bounds pixels under the window.
        count_include_pad: attr.int(0),
        kernel_shape: attr.ints([kh, kw]),
        pads: attr.ints(pads),
        strides: attr.ints([strideH, strideW]),
      },
    },
    activation,
  );
}

function convertMean(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 2);
  const opts = options(ctx, BuiltinOptionsType.reducer, false);
  const keepDims = opts?.bool(ReducerOptionsField.keepDims, false) ?? false;
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  const axesConst = constantInput(ctx, 1, 'axes');
  if (!(axesConst.data instanceof Int32Array)) throw unsupported(ctx, 'axes must be INT32');
  const axes = [...new Set(Array.from(axesConst.data, (a) => (a < 0 ? a + 4 : a)))].sort();
  if (axes.some((a) => a < 0 || a > 3))
    throw corruptOp(ctx, `axes [${axesConst.data}] out of range`);
  if (!keepDims)
    throw unsupported(ctx, 'MEAN without keep_dims is not supported (the graph stays 4-D)');
  const kept = [n, h, w, c].map((d, i) => (axes.includes(i) ? 1 : d));
  checkOutputShape(ctx, kept);
  const x = b.value(input(ctx, 0), ctx.where);
  if (sameShape(axes, [1, 2])) {
    b.emit({
      opType: 'GlobalAveragePool',
      name: ctx.name,
      inputs: [x],
      outputs: [b.define(output(ctx))],
    });
    return;
  }
  b.emit({
    opType: 'ReduceMean',
    name: ctx.name,
    inputs: [x],
    outputs: [b.define(output(ctx))],
    attributes: {
      axes: attr.ints(axes.map((a) => NHWC_TO_NCHW.indexOf(a as 0 | 1 | 2 | 3))),
      keepdims: attr.int(1),
    },
  });
}

/** ADD / MUL: activations are NCHW already; a constant operand is re-laid out to broadcast alike. */
function convertBinary(ctx: OpContext, opType: 'Add' | 'Mul', optionsType: number): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 2);
  const opts = options(ctx, optionsType, false);
  const activation =
    opts?.i8(ArithmeticOptionsField.fusedActivation, Activation.none) ?? Activation.none;
  rank4(ctx, output(ctx), 'output');
  const names: string[] = [];
  let runtime = 0;
  for (let i = 0; i < 2; i++) {
    const index = input(ctx, i);
    const c = b.constant(index);
    if (c === undefined) {
      rank4(ctx, index, `input ${i}`);
      names.push(b.value(index, ctx.where));
      runtime++;
      continue;
    }
    if (!(c.data instanceof Float32Array))
      throw unsupported(ctx, `constant input ${i} must be FLOAT32`);
    if (c.shape.length > 4)
      throw unsupported(ctx, `constant input ${i} has rank ${c.shape.length}`);
    // Numpy broadcasting aligns trailing axes: left-pad to 4-D NHWC, then move C to axis 1.
    const padded = [...new Array<number>(4 - c.shape.length).fill(1), ...c.shape];
    const nchw = transposeData(c.data, padded, NHWC_TO_NCHW);
    names.push(b.addInitializer(`${b.tensor(index).name}__nchw`, nchw.shape, nchw.data));
  }
  if (runtime === 0)
    throw unsupported(ctx, 'both inputs are constants (constant folding is not supported)');
  emitWithActivation(ctx, { opType, inputs: names }, activation);
}

function convertUnary(ctx: OpContext, code: number): void {
  const { b } = ctx;
  expectInputs(ctx, 1, 1);
  rank4(ctx, input(ctx, 0), 'input');
  const x = b.value(input(ctx, 0), ctx.where);
  switch (code) {
    case Builtin.relu:
      b.emit({ opType: 'Relu', name: ctx.name, inputs: [x], outputs: [b.define(output(ctx))] });
      return;
    case Builtin.relu6:
      emitActivation(ctx, Activation.relu6, x, b.define(output(ctx)), ctx.name);
      return;
    case Builtin.logistic:
      b.emit({ opType: 'Sigmoid', name: ctx.name, inputs: [x], outputs: [b.define(output(ctx))] });
      return;
    case Builtin.hardSwish: {
      // x * relu6(x + 3) / 6 == x * clip(x / 6 + 0.5, 0, 1) == x * HardSigmoid(x; 1/6, 0.5).
      const gate = b.name(`${b.tensor(output(ctx)).name}__gate`);
      b.emit({
        opType: 'HardSigmoid',
        name: `${ctx.name}/gate`,
        inputs: [x],
        outputs: [gate],
        attributes: { alpha: attr.float(1 / 6), beta: attr.float(0.5) },
      });
      b.emit({
        opType: 'Mul',
        name: ctx.name,
        inputs: [x, gate],
        outputs: [b.define(output(ctx))],
      });
      return;
    }
  }
}

function convertResizeBilinear(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 2);
  const opts = options(ctx, BuiltinOptionsType.resizeBilinear, false);
  const alignCorners = opts?.bool(ResizeBilinearOptionsField.alignCorners, false) ?? false;
  const halfPixel = opts?.bool(ResizeBilinearOptionsField.halfPixelCenters, false) ?? false;
  if (alignCorners && halfPixel) {
    throw corruptOp(ctx, 'align_corners and half_pixel_centers are both set (TFLite rejects this)');
  }
  const [n, , , c] = rank4(ctx, input(ctx, 0), 'input');
  const size = constantInput(ctx, 1, 'size');
  const [newH, newW] = size.data;
  if (
    !(size.data instanceof Int32Array) ||
    size.data.length !== 2 ||
    newH === undefined ||
    newW === undefined
  ) {
    throw corruptOp(ctx, 'size must be an INT32 constant [height, width]');
  }
  checkOutputShape(ctx, [n, newH, newW, c]);
  // TFLite: align_corners maps corner pixel centres onto each other; half_pixel_centers samples
  // at (y + 0.5) * scale - 0.5 clamped at 0 (ONNX half_pixel, which onnxruntime clamps alike);
  // neither: y * in / out (ONNX asymmetric).
  const mode = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
  const sizes = b.addInt64Initializer(`${b.tensor(input(ctx, 1)).name}__nchw`, [n, c, newH, newW]);
  b.emit({
    opType: 'Resize',
    name: ctx.name,
    inputs: [b.value(input(ctx, 0), ctx.where), '', '', sizes],
    outputs: [b.define(output(ctx))],
    attributes: {
      coordinate_transformation_mode: attr.string(mode),
      mode: attr.string('linear'),
    },
  });
}

function convertDequantize(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 1, 1);
  const from = b.tensor(input(ctx, 0));
  const to = b.tensor(output(ctx));
  if (from.type !== TensorType.float16 || to.type !== TensorType.float32) {
    throw unsupported(
      ctx,
      `only FLOAT16 -> FLOAT32 constants are folded, found ${tensorTypeName(from.type)} -> ${tensorTypeName(to.type)}`,
    );
  }
  const c = b.constant(from.index);
  if (c === undefined) throw unsupported(ctx, `input ${from.name} is not a constant`);
  if (!sameShape(from.shape, to.shape))
    throw corruptOp(ctx, `shape [${from.shape}] -> [${to.shape}]`);
  b.setConstant(to.index, c);
}

/**
 * MediaPipe's Convolution2DTransposeBias (mediapipe/util/tflite/operations/transpose_conv_bias.cc):
 * inputs (x, weights [O,H,W,I], bias [O]); custom_options is a raw TfLiteTransposeConvParams,
 * little-endian int32 {padding (1 SAME, 2 VALID), stride_width, stride_height}. With SAME the
 * kernel trims max(0, k - (in - 1) % s - 1) pixels, floor half of them at the start.
 */
function convertTransposeConvBias(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 3, 3);
  const raw = ctx.op.customOptions;
  if (raw === undefined || raw.byteLength < 12) {
    throw corruptOp(
      ctx,
      `custom options hold ${raw?.byteLength ?? 0} bytes, expected 12 (padding, stride_w, stride_h)`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const padding = view.getInt32(0, true);
  const strideW = view.getInt32(4, true);
  const strideH = view.getInt32(8, true);
  const TFLITE_PADDING_SAME = 1;
  const TFLITE_PADDING_VALID = 2;
  if (padding !== TFLITE_PADDING_SAME && padding !== TFLITE_PADDING_VALID) {
    throw corruptOp(ctx, `custom options padding ${padding} is neither SAME (1) nor VALID (2)`);
  }
  if (strideW < 1 || strideH < 1) throw corruptOp(ctx, `invalid strides ${strideH}x${strideW}`);
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  const weights = floatConstantInput(ctx, 1, 'weights');
  const [o, kh, kw, ci] = weights.shape;
  if (
    weights.shape.length !== 4 ||
    o === undefined ||
    kh === undefined ||
    kw === undefined ||
    ci !== c
  ) {
    throw corruptOp(ctx, `weights have shape [${weights.shape}], expected [O,H,W,${c}]`);
  }
  const trimH = padding === TFLITE_PADDING_SAME ? Math.max(0, kh - ((h - 1) % strideH) - 1) : 0;
  const trimW = padding === TFLITE_PADDING_SAME ? Math.max(0, kw - ((w - 1) % strideW) - 1) : 0;
  const outH = strideH * (h - 1) + kh - trimH;
  const outW = strideW * (w - 1) + kw - trimW;
  checkOutputShape(ctx, [n, outH, outW, o]);
  // ONNX ConvTranspose weights are [C_in, C_out, kH, kW]; no kernel flip on either side.
  const wName = b.addInitializer(
    `${b.tensor(input(ctx, 1)).name}__iohw`,
    [c, o, kh, kw],
    transposeData(weights.data, weights.shape, [3, 0, 1, 2]).data,
  );
  const bias = biasInput(ctx, 2, o);
  const top = Math.floor(trimH / 2);
  const left = Math.floor(trimW / 2);
  b.emit({
    opType: 'ConvTranspose',
    name: ctx.name,
    inputs: [b.value(input(ctx, 0), ctx.where), wName, ...(bias === undefined ? [] : [bias])],
    outputs: [b.define(output(ctx))],
    attributes: {
      dilations: attr.ints([1, 1]),
      group: attr.int(1),
      kernel_shape: attr.ints([kh, kw]),
      pads: attr.ints([top, left, trimH - top, trimW - left]),
      strides: attr.ints([strideH, strideW]),
    },
  });
}

function operatorName(model: TfliteModel, op: TfliteOperator): { name: string; code: number } {
  const opcode = model.operatorCodes[op.opcodeIndex];
  const code = opcode?.builtinCode ?? -1;
  if (code === Builtin.custom) return { name: opcode?.customCode ?? '(unnamed custom op)', code };
  return { name: builtinName(code), code };
}

/** Throws for the first operator the converter cannot translate, before any work is done. */
function checkOperators(model: TfliteModel, s: number, sg: TfliteSubgraph): void {
  for (const op of sg.operators) {
    const { name, code } = operatorName(model, op);
    const supported =
      code === Builtin.custom ? SUPPORTED_CUSTOM.has(name) : SUPPORTED_BUILTINS.has(code);
    if (!supported) {
      const kind =
        code === Builtin.custom
          ? `custom operator ${JSON.stringify(name)}`
          : `operator ${name} (builtin code ${code})`;
      throw new ConversionError(
        'unsupported-operator',
        `unsupported TFLite ${kind} in subgraph ${s}, op #${op.index}`,
      );
    }
  }
}

function convertModel(model: TfliteModel, options: ConvertOptions): ConversionResult {
  const sg = model.subgraphs[0];
  if (sg === undefined) throw new ConversionError('corrupt-model', 'TFLite model has no subgraphs');
  checkOperators(model, 0, sg);
  const b = new GraphBuilder(model, sg);
  const signature = (index: number, role: string): TensorSignature => {
    const t = b.tensor(index);
    if (t.shape.length !== 4 || t.type !== TensorType.float32) {
      throw new ConversionError(
        'unsupported-model',
        `graph ${role} ${t.name} is ${tensorTypeName(t.type)} [${t.shape}]; only FLOAT32 NHWC 4-D is supported`,
      );
    }
    return { name: t.name, shape: [...t.shape] };
  };
  const inputs = sg.inputs.map((i) => signature(i, 'input'));
  const outputs = sg.outputs.map((o) => signature(o, 'output'));

  for (const [k, index] of sg.inputs.entries()) {
    const t = b.tensor(index);
    const nchw = b.name(`${t.name}__nchw`);
    b.emit({
      opType: 'Transpose',
      name: `input_${k}/to_nchw`,
      inputs: [t.name],
      outputs: [nchw],
      attributes: { perm: attr.ints(NHWC_TO_NCHW) },
    });
    b.bind(index, nchw);
  }

  const tfliteOperators: Record<string, number> = {};
  for (const op of sg.operators) {
    const { name, code } = operatorName(model, op);
    tfliteOperators[name] = (tfliteOperators[name] ?? 0) + 1;
    const ctx: OpContext = {
      b,
      op,
      where: `subgraph 0 op #${op.index} ${name}`,
      name: `${name}#${op.index}`,
    };
    switch (code) {
      case Builtin.conv2D:
        convertConv2D(ctx);
        break;
      case Builtin.depthwiseConv2D:
        convertDepthwiseConv2D(ctx);
        break;
      case Builtin.averagePool2D:
        convertAveragePool(ctx);
        break;
      case Builtin.mean:
        convertMean(ctx);
        break;
      case Builtin.add:
        convertBinary(ctx, 'Add', BuiltinOptionsType.add);
        break;
      case Builtin.mul:
        convertBinary(ctx, 'Mul', BuiltinOptionsType.mul);
        break;
      case Builtin.relu:
      case Builtin.relu6:
      case Builtin.logistic:
      case Builtin.hardSwish:
        convertUnary(ctx, code);
        break;
      case Builtin.resizeBilinear:
        convertResizeBilinear(ctx);
        break;
      case Builtin.dequantize:
        convertDequantize(ctx);
        break;
      case Builtin.custom:
        convertTransposeConvBias(ctx);
        break;
    }
  }

  for (const [k, index] of sg.outputs.entries()) {
    const t = b.tensor(index);
    b.emit({
      opType: 'Transpose',
      name: `output_${k}/to_nhwc`,
      inputs: [b.value(index, `graph output ${t.name}`)],
      outputs: [t.name],
      attributes: { perm: attr.ints(NCHW_TO_NHWC) },
    });
  }

  const debugOutputs: TensorSignature[] = [];
  for (const name of options.debugOutputs ?? []) {
    const index = sg.tensors.findIndex((t) => t.name === name);
    if (index < 0)
      throw new ConversionError('unsupported-model', `debug output ${name}: no such tensor`);
    const t = b.tensor(index);
    const debugName = b.name(`debug/${name}`);
    b.emit({
      opType: 'Transpose',
      name: `${debugName}/to_nhwc`,
      inputs: [b.value(index, `debug output ${name}`)],
      outputs: [debugName],
      attributes: { perm: attr.ints(NCHW_TO_NHWC) },
    });
    debugOutputs.push({ name: debugName, shape: [...t.shape] });
  }

  const onnxOperators: Record<string, number> = {};
  for (const node of b.nodes) onnxOperators[node.opType] = (onnxOperators[node.opType] ?? 0) + 1;
  const onnx = buildOnnxModel({
    inputs: inputs.map((i) => ({ name: i.name, elemType: 'float32', shape: i.shape })),
    outputs: [...outputs, ...debugOutputs].map((o) => ({
      name: o.name,
      elemType: 'float32',
      shape: o.shape,
    })),
    nodes: b.nodes,
    initializers: b.initializers,
    opset: ONNX_OPSET,
    irVersion: ONNX_IR_VERSION,
    graphName: model.description ?? 'tflite',
    producerName: CONVERTER_NAME,
    producerVersion: CONVERTER_VERSION,
    metadata: {
      ...(model.description === undefined ? {} : { tflite_description: model.description }),
      ...options.metadata,
    },
  });
  return { onnx, inputs, outputs, tfliteOperators, onnxOperators, description: model.description };
}

/**
 * Converts a TFLite model to ONNX. Throws ConversionError (`unsupported-operator`,
 * `unsupported-model` or `corrupt-model`) for anything it cannot translate exactly.
 */
export function convertTfliteToOnnx(
  tflite: Uint8Array,
  options: ConvertOptions = {},
): ConversionResult {
  try {
    return convertModel(readTfliteModel(tflite), options);
  } catch (error) {
    // Typed-array and DataView range errors can only come from sizes the checks above missed
    // in a malformed file; report them as such rather than as a crash.
    if (error instanceof RangeError) {
      throw new ConversionError('corrupt-model', `malformed TFLite model: ${error.message}`);
    }
    throw error;
  }
}
