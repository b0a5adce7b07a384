/**
 * The ONNX graph under construction and the layout arithmetic behind it. Operator converters
 * never touch node or initializer lists directly: names must stay unique and deterministic
 * (the converted files are pinned by sha256), and constants must be decoded once, so all of
 * that goes through GraphBuilder.
 */
import type { OnnxNode, OnnxTensor } from '../../src/onnx-writer';
import { ConversionError } from './errors';
import type { TfliteModel, TfliteSubgraph, TfliteTensor } from './tflite-reader';
import { TensorType, tensorTypeName } from './tflite-schema';

/** NHWC -> NCHW for activations, and for 4-D constants that broadcast against them. */
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;

export function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** IEEE 754 binary16 -> number. */
export function halfToFloat(h: number): number {
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

export interface Constant {
  shape: number[];
  data: Float32Array | Int32Array;
}

export class GraphBuilder {
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
