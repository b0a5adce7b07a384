/**
 * A bounds-checked FlatBuffers table reader and the TFLite model decoder built on it.
 *
 * Hand-written rather than the `flatbuffers` package: that package trusts its input and turns a
 * truncated file into a RangeError (or silently reads garbage), while here every offset is
 * checked and a bad one becomes a `corrupt-model` ConversionError saying which table and field
 * pointed where. Environment-agnostic: Uint8Array and DataView only.
 */
import { ConversionError } from './errors';
import {
  BufferField,
  MetadataField,
  ModelField,
  OperatorCodeField,
  OperatorField,
  QuantizationField,
  SubGraphField,
  TensorField,
} from './tflite-schema';

function corrupt(message: string): ConversionError {
  return new ConversionError('corrupt-model', message);
}

/** The whole file plus checked scalar reads; every position is absolute from the file start. */
export class FlatBufferBytes {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  check(pos: number, size: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || pos + size > this.bytes.byteLength) {
      throw corrupt(
        `${what}: ${size} byte(s) at offset ${pos} lie outside the file (${this.bytes.byteLength} bytes); the file is truncated or corrupt`,
      );
    }
  }

  u8(pos: number, what: string): number {
    this.check(pos, 1, what);
    return this.view.getUint8(pos);
  }

  i8(pos: number, what: string): number {
    this.check(pos, 1, what);
    return this.view.getInt8(pos);
  }

  u16(pos: number, what: string): number {
    this.check(pos, 2, what);
    return this.view.getUint16(pos, true);
  }

  i32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.view.getInt32(pos, true);
  }

  u32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.view.getUint32(pos, true);
  }

  u64(pos: number, what: string): number {
    this.check(pos, 8, what);
    const value = this.view.getBigUint64(pos, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what}: ${value} is out of range`);
    return Number(value);
  }

  f32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.view.getFloat32(pos, true);
  }

  /** The 4-character file identifier after the root offset ("TFL3" for TFLite models). */
  identifier(): string {
    this.check(0, 8, 'file header');
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }

  /** The root table, after checking the file identifier when one is expected. */
  root(expectedIdentifier: string | undefined, what: string): Table {
    if (this.bytes.byteLength < 8) {
      throw corrupt(`${what}: file is ${this.bytes.byteLength} bytes, too short for a flatbuffer`);
    }
    if (expectedIdentifier !== undefined) {
      const id = this.identifier();
      if (id !== expectedIdentifier) {
        throw corrupt(
          `${what}: bad file identifier ${JSON.stringify(id)}, expected ${JSON.stringify(expectedIdentifier)}`,
        );
      }
    }
    return new Table(this, this.u32(0, `${what} root offset`), what);
  }
}

/** One flatbuffer table; field accessors take the schema's field index and return defaults when absent. */
export class Table {
  readonly fb: FlatBufferBytes;
  readonly pos: number;
  /** Where this table sits in the model ("subgraph 0 tensor 12"), for error messages. */
  readonly what: string;
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(fb: FlatBufferBytes, pos: number, what: string) {
    this.fb = fb;
    this.pos = pos;
    this.what = what;
    this.vtable = pos - fb.i32(pos, `${what} vtable offset`);
    this.vtableSize = fb.u16(this.vtable, `${what} vtable`);
    const inlineSize = fb.u16(this.vtable + 2, `${what} vtable`);
    if (this.vtableSize < 4 || this.vtableSize % 2 !== 0) {
      throw corrupt(`${what}: vtable at offset ${this.vtable} has invalid size ${this.vtableSize}`);
    }
    fb.check(this.vtable, this.vtableSize, `${what} vtable`);
    fb.check(pos, inlineSize, `${what} table`);
  }

  /** Absolute position of field `index`, or 0 when the field is absent. */
  private field(index: number): number {
    const entry = 4 + 2 * index;
    if (entry + 2 > this.vtableSize) return 0;
    const offset = this.fb.u16(this.vtable + entry, `${this.what} vtable`);
    return offset === 0 ? 0 : this.pos + offset;
  }

  has(index: number): boolean {
    return this.field(index) !== 0;
  }

  /** Absolute byte position of field `index` in the file, 0 when absent (tests patch files). */
  fieldPosition(index: number): number {
    return this.field(index);
  }

  u8(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.u8(at, `${this.what} field ${index}`);
  }

  i8(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.i8(at, `${this.what} field ${index}`);
  }

  bool(index: number, fallback: boolean): boolean {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.u8(at, `${this.what} field ${index}`) !== 0;
  }

  i32(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.i32(at, `${this.what} field ${index}`);
  }

  u32(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.u32(at, `${this.what} field ${index}`);
  }

  u64(index: number, fallback: number): number {
    const at = this.field(index);
    return at === 0 ? fallback : this.fb.u64(at, `${this.what} field ${index}`);
  }

  /** Target of an offset field (table, vector or string), or 0 when absent. */
  private indirect(index: number): number {
    const at = this.field(index);
    if (at === 0) return 0;
    return at + this.fb.u32(at, `${this.what} field ${index}`);
  }

  table(index: number, what: string): Table | undefined {
    const at = this.indirect(index);
    return at === 0 ? undefined : new Table(this.fb, at, what);
  }

  /** A union value: a table whose type is given by the preceding type field. */
  unionTable(index: number, what: string): Table | undefined {
    return this.table(index, what);
  }

  string(index: number): string | undefined {
    const bytes = this.u8Vector(index, 'string');
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  /** Start and length of a vector of `elementSize`-byte elements, checked against the file. */
  private vector(index: number, elementSize: number, kind: string): [number, number] | undefined {
    const at = this.indirect(index);
    if (at === 0) return undefined;
    const what = `${this.what} field ${index} (${kind})`;
    const length = this.fb.u32(at, what);
    this.fb.check(at + 4, length * elementSize, `${what} of length ${length}`);
    return [at + 4, length];
  }

  vectorLength(index: number): number {
    return this.vector(index, 0, 'vector')?.[1] ?? 0;
  }

  /** A view into the file, not a copy. */
  u8Vector(index: number, kind = 'byte vector'): Uint8Array | undefined {
    const v = this.vector(index, 1, kind);
    return v === undefined ? undefined : this.fb.bytes.subarray(v[0], v[0] + v[1]);
  }

  i32Vector(index: number): number[] {
    const v = this.vector(index, 4, 'int vector');
    if (v === undefined) return [];
    const out = new Array<number>(v[1]);
    for (let i = 0; i < v[1]; i++) out[i] = this.fb.i32(v[0] + 4 * i, this.what);
    return out;
  }

  f32Vector(index: number): number[] {
    const v = this.vector(index, 4, 'float vector');
    if (v === undefined) return [];
    const out = new Array<number>(v[1]);
    for (let i = 0; i < v[1]; i++) out[i] = this.fb.f32(v[0] + 4 * i, this.what);
    return out;
  }

  i64VectorLength(index: number): number {
    return this.vector(index, 8, 'long vector')?.[1] ?? 0;
  }

  tables(index: number, what: (i: number) => string): Table[] {
    const v = this.vector(index, 4, 'table vector');
    if (v === undefined) return [];
    const out: Table[] = [];
    for (let i = 0; i < v[1]; i++) {
      const slot = v[0] + 4 * i;
      out.push(new Table(this.fb, slot + this.fb.u32(slot, this.what), what(i)));
    }
    return out;
  }
}

export interface TfliteOperatorCode {
  /** max(deprecated_builtin_code, builtin_code): see OperatorCodeField. */
  builtinCode: number;
  customCode: string | undefined;
  version: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  buffer: number;
  /** True when the tensor carries quantization scales (the converter handles float models only). */
  quantized: boolean;
}

export interface TfliteOperator {
  index: number;
  opcodeIndex: number;
  /** Tensor indices; -1 marks an omitted optional input. */
  inputs: number[];
  outputs: number[];
  builtinOptionsType: number;
  builtinOptions: Table | undefined;
  customOptions: Uint8Array | undefined;
}

export interface TfliteSubgraph {
  name: string | undefined;
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

export interface TfliteMetadataEntry {
  name: string;
  buffer: number;
}

export interface TfliteModel {
  version: number;
  description: string | undefined;
  operatorCodes: TfliteOperatorCode[];
  subgraphs: TfliteSubgraph[];
  /** Buffer contents as views into the file; index 0 is the conventional empty buffer. */
  buffers: Uint8Array[];
  metadata: TfliteMetadataEntry[];
}

function readTensor(table: Table, index: number): TfliteTensor {
  const quantization = table.table(TensorField.quantization, `${table.what} quantization`);
  const quantized =
    quantization !== undefined &&
    (quantization.vectorLength(QuantizationField.scale) > 0 ||
      quantization.i64VectorLength(QuantizationField.zeroPoint) > 0);
  return {
    index,
    name: table.string(TensorField.name) ?? `tensor_${index}`,
    shape: table.i32Vector(TensorField.shape),
    type: table.i8(TensorField.type, 0),
    buffer: table.u32(TensorField.buffer, 0),
    quantized,
  };
}

function readOperator(table: Table, index: number): TfliteOperator {
  return {
    index,
    opcodeIndex: table.u32(OperatorField.opcodeIndex, 0),
    inputs: table.i32Vector(OperatorField.inputs),
    outputs: table.i32Vector(OperatorField.outputs),
    builtinOptionsType: table.u8(OperatorField.builtinOptionsType, 0),
    builtinOptions: table.unionTable(OperatorField.builtinOptions, `${table.what} builtin options`),
    customOptions: table.u8Vector(OperatorField.customOptions, 'custom options'),
  };
}

function readBuffer(fb: FlatBufferBytes, table: Table, index: number): Uint8Array {
  const data = table.u8Vector(BufferField.data, 'buffer data');
  if (data !== undefined && data.byteLength > 0) return data;
  // Models over 2 GB keep buffers after the flatbuffer, addressed from the file start.
  const offset = table.u64(BufferField.offset, 0);
  const size = table.u64(BufferField.size, 0);
  if (offset > 1) {
    fb.check(offset, size, `buffer ${index} (external data)`);
    return fb.bytes.subarray(offset, offset + size);
  }
  return data ?? new Uint8Array(0);
}

/** Decodes the model's tables; throws `corrupt-model` on any inconsistency it meets. */
export function readTfliteModel(bytes: Uint8Array): TfliteModel {
  const fb = new FlatBufferBytes(bytes);
  const model = fb.root('TFL3', 'TFLite model');
  const operatorCodes = model
    .tables(ModelField.operatorCodes, (i) => `operator code ${i}`)
    .map((t) => ({
      builtinCode: Math.max(
        t.i8(OperatorCodeField.deprecatedBuiltinCode, 0),
        t.i32(OperatorCodeField.builtinCode, 0),
      ),
      customCode: t.string(OperatorCodeField.customCode),
      version: t.i32(OperatorCodeField.version, 1),
    }));
  const subgraphs = model
    .tables(ModelField.subgraphs, (i) => `subgraph ${i}`)
    .map((sg) => ({
      name: sg.string(SubGraphField.name),
      tensors: sg
        .tables(SubGraphField.tensors, (i) => `${sg.what} tensor ${i}`)
        .map((t, i) => readTensor(t, i)),
      inputs: sg.i32Vector(SubGraphField.inputs),
      outputs: sg.i32Vector(SubGraphField.outputs),
      operators: sg
        .tables(SubGraphField.operators, (i) => `${sg.what} op #${i}`)
        .map((t, i) => readOperator(t, i)),
    }));
  const buffers = model
    .tables(ModelField.buffers, (i) => `buffer ${i}`)
    .map((t, i) => readBuffer(fb, t, i));
  const metadata = model
    .tables(ModelField.metadata, (i) => `metadata ${i}`)
    .map((t) => ({
      name: t.string(MetadataField.name) ?? '',
      buffer: t.u32(MetadataField.buffer, 0),
    }));

  // Cross-references, checked once here so the converter can index without guards.
  for (const [s, sg] of subgraphs.entries()) {
    const tensorCount = sg.tensors.length;
    for (const t of sg.tensors) {
      if (t.buffer >= buffers.length) {
        throw corrupt(
          `subgraph ${s} tensor ${t.index} (${t.name}): buffer ${t.buffer} out of range (${buffers.length} buffers)`,
        );
      }
      if (t.shape.some((d) => d < 0)) {
        throw corrupt(
          `subgraph ${s} tensor ${t.index} (${t.name}): negative dimension in shape [${t.shape}]`,
        );
      }
    }
    const checkTensor = (index: number, where: string, optional: boolean): void => {
      if ((optional && index === -1) || (index >= 0 && index < tensorCount)) return;
      throw corrupt(
        `subgraph ${s} ${where}: tensor index ${index} out of range (${tensorCount} tensors)`,
      );
    };
    for (const i of sg.inputs) checkTensor(i, 'inputs', false);
    for (const i of sg.outputs) checkTensor(i, 'outputs', false);
    for (const op of sg.operators) {
      if (op.opcodeIndex >= operatorCodes.length) {
        throw corrupt(
          `subgraph ${s} op #${op.index}: operator code index ${op.opcodeIndex} out of range (${operatorCodes.length} codes)`,
        );
      }
      for (const i of op.inputs) checkTensor(i, `op #${op.index} inputs`, true);
      for (const i of op.outputs) checkTensor(i, `op #${op.index} outputs`, false);
    }
  }
  for (const m of metadata) {
    if (m.buffer >= buffers.length) {
      throw corrupt(
        `metadata ${JSON.stringify(m.name)}: buffer ${m.buffer} out of range (${buffers.length} buffers)`,
      );
    }
  }

  return {
    version: model.u32(ModelField.version, 0),
    description: model.string(ModelField.description),
    operatorCodes,
    subgraphs,
    buffers,
    metadata,
  };
}
