/**
 * A small ONNX (protobuf) writer: enough of onnx.proto to describe an inference graph with
 * initializers. Hand-written instead of protobufjs + onnx.proto so the converter stays a few
 * kilobytes, has no code generation step and runs unchanged in a browser worker.
 *
 * Output is deterministic: fields are written in field-number order, attributes sorted by name,
 * and floats are encoded explicitly little-endian, so the same graph always gives the same bytes
 * (their sha256 is recorded in models/manifest.json).
 *
 * Field numbers are onnx.proto's (onnx/onnx.proto, IR version 8 era). onnx.proto is proto2, so
 * repeated scalars are written unpacked, the canonical proto2 form every parser accepts.
 */

/** Element types this writer can store, with their TensorProto.DataType numbers. */
const DATA_TYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
} as const;

export type OnnxDataType = keyof typeof DATA_TYPES;

type TensorData<T extends OnnxDataType> = T extends 'float32'
  ? Float32Array
  : T extends 'int32'
    ? Int32Array
    : T extends 'int64'
      ? BigInt64Array
      : T extends 'int8'
        ? Int8Array
        : Uint8Array;

export interface OnnxTensor<T extends OnnxDataType = OnnxDataType> {
  name: string;
  dataType: T;
  dims: readonly number[];
  /** Row-major values; length must equal the product of dims. */
  data: TensorData<T>;
}

export type OnnxAttribute =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: OnnxTensor }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'strings'; value: readonly string[] };

/** Shorthands so call sites read `attr.int(2)` rather than object literals. */
export const attr = {
  float: (value: number): OnnxAttribute => ({ kind: 'float', value }),
  int: (value: number): OnnxAttribute => ({ kind: 'int', value }),
  string: (value: string): OnnxAttribute => ({ kind: 'string', value }),
  tensor: (value: OnnxTensor): OnnxAttribute => ({ kind: 'tensor', value }),
  floats: (value: readonly number[]): OnnxAttribute => ({ kind: 'floats', value }),
  ints: (value: readonly number[]): OnnxAttribute => ({ kind: 'ints', value }),
  strings: (value: readonly string[]): OnnxAttribute => ({ kind: 'strings', value }),
};

export interface OnnxNode {
  opType: string;
  /** '' marks an omitted optional input (e.g. Resize's roi). */
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  /** Default: the standard ai.onnx domain. */
  domain?: string;
  attributes?: Readonly<Record<string, OnnxAttribute>>;
}

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxDataType;
  /** A number for a fixed size, a string for a named symbolic dimension ('batch'). */
  shape: readonly (number | string)[];
}

export interface OnnxModelSpec {
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  /** In topological order (ONNX requires it). */
  nodes: readonly OnnxNode[];
  initializers?: readonly OnnxTensor[];
  /** ai.onnx opset; default 17. */
  opset?: number;
  /** Opsets of other domains the nodes use (e.g. `{ 'com.microsoft': 1 }`). */
  domainOpsets?: Readonly<Record<string, number>>;
  /** Default 8, the IR version that goes with opset 17 (onnxruntime reads up to 10+). */
  irVersion?: number;
  graphName?: string;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** Written as ModelProto.metadata_props, in key order. */
  metadata?: Readonly<Record<string, string>>;
}

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_LENGTH_DELIMITED = 2;

/** Append-only protobuf encoder over a growable byte array. */
class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned varint; negative int64 values take the 10-byte two's-complement form protobuf uses. */
  varint(value: number | bigint): void {
    if (typeof value === 'number' && value >= 0 && value <= 0x7fffffff) {
      let v = value;
      while (v > 0x7f) {
        this.byte((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      this.byte(v);
      return;
    }
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`ONNX writer: ${value} is not an integer that int64 can hold exactly`);
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v > 0x7fn) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    this.reserve(4);
    this.view.setFloat32(this.len, value, true);
    this.len += 4;
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, write: (w: ProtoWriter) => void): void {
    const inner = new ProtoWriter();
    write(inner);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Little-endian raw bytes of a tensor's values, independent of the host's byte order. */
function rawData(tensor: OnnxTensor): Uint8Array {
  const { data } = tensor;
  if (data instanceof Uint8Array || data instanceof Int8Array) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  }
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) {
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] ?? 0, true);
  } else if (data instanceof Int32Array) {
    for (let i = 0; i < data.length; i++) view.setInt32(i * 4, data[i] ?? 0, true);
  } else {
    for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i] ?? 0n, true);
  }
  return out;
}

function writeTensor(w: ProtoWriter, tensor: OnnxTensor): void {
  const count = elementCount(tensor.dims);
  if (tensor.data.length !== count) {
    throw new RangeError(
      `ONNX writer: tensor ${tensor.name} has ${tensor.data.length} values for dims [${tensor.dims}] (${count})`,
    );
  }
  // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9.
  for (const d of tensor.dims) w.int(1, d);
  w.int(2, DATA_TYPES[tensor.dataType]);
  w.string(8, tensor.name);
  w.bytes(9, rawData(tensor));
}

// AttributeProto.AttributeType numbers.
const ATTRIBUTE_TYPES = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  floats: 6,
  ints: 7,
  strings: 8,
} as const;

function writeAttribute(w: ProtoWriter, name: string, a: OnnxAttribute): void {
  // AttributeProto: name = 1, f = 2, i = 3, s = 4, t = 5, floats = 7, ints = 8, strings = 9, type = 20.
  w.string(1, name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value);
      break;
    case 'int':
      w.int(3, a.value);
      break;
    case 'string':
      w.string(4, a.value);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value));
      break;
    case 'floats':
      for (const v of a.value) w.float(7, v);
      break;
    case 'ints':
      for (const v of a.value) w.int(8, v);
      break;
    case 'strings':
      for (const v of a.value) w.string(9, v);
      break;
  }
  w.int(20, ATTRIBUTE_TYPES[a.kind]);
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5, domain = 7.
  for (const i of node.inputs) w.string(1, i);
  for (const o of node.outputs) w.string(2, o);
  if (node.name !== undefined) w.string(3, node.name);
  w.string(4, node.opType);
  const attributes = node.attributes ?? {};
  for (const name of Object.keys(attributes).sort()) {
    const a = attributes[name];
    if (a !== undefined) w.message(5, (m) => writeAttribute(m, name, a));
  }
  if (node.domain !== undefined && node.domain !== '') w.string(7, node.domain);
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  // ValueInfoProto: name = 1, type = 2; TypeProto: tensor_type = 1;
  // TypeProto.Tensor: elem_type = 1, shape = 2; TensorShapeProto: dim = 1;
  // Dimension: dim_value = 1, dim_param = 2.
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, DATA_TYPES[info.elemType]);
      tensor.message(2, (shape) => {
        for (const d of info.shape) {
          shape.message(1, (dim) => {
            if (typeof d === 'number') dim.int(1, d);
            else dim.string(2, d);
          });
        }
      });
    }),
  );
}

/** Serialises a ModelProto. Throws RangeError on inconsistent input (a programming error). */
export function buildOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const w = new ProtoWriter();
  // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, doc_string = 6,
  // graph = 7, opset_import = 8, metadata_props = 14.
  w.int(1, spec.irVersion ?? 8);
  w.string(2, spec.producerName ?? 'virtual-background/tflite-to-onnx');
  if (spec.producerVersion !== undefined) w.string(3, spec.producerVersion);
  if (spec.docString !== undefined) w.string(6, spec.docString);
  w.message(7, (g) => {
    // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
    for (const node of spec.nodes) g.message(1, (n) => writeNode(n, node));
    g.string(2, spec.graphName ?? 'main');
    for (const t of spec.initializers ?? []) g.message(5, (m) => writeTensor(m, t));
    for (const i of spec.inputs) g.message(11, (m) => writeValueInfo(m, i));
    for (const o of spec.outputs) g.message(12, (m) => writeValueInfo(m, o));
  });
  // OperatorSetIdProto: domain = 1 (empty = ai.onnx, left out), version = 2.
  w.message(8, (o) => o.int(2, spec.opset ?? 17));
  const domains = spec.domainOpsets ?? {};
  for (const domain of Object.keys(domains).sort()) {
    w.message(8, (o) => {
      o.string(1, domain);
      o.int(2, domains[domain] ?? 1);
    });
  }
  const metadata = spec.metadata ?? {};
  for (const key of Object.keys(metadata).sort()) {
    // StringStringEntryProto: key = 1, value = 2.
    w.message(14, (m) => {
      m.string(1, key);
      m.string(2, metadata[key] ?? '');
    });
  }
  return w.finish();
}
