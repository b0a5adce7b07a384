/**
 * The TFLite model decoder: turns the flatbuffer's tables into plain objects (tensors,
 * operators, buffers as views into the file) and checks every cross-reference once, so the
 * converter and the reference interpreter can index without guards. The byte-level reading,
 * where truncation and bad offsets are caught, is flatbuffer.ts.
 */
import { corrupt, FlatBufferBytes, type Table } from './flatbuffer';
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
