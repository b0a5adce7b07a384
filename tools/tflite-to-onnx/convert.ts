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
 * Anything the converter does not translate exactly is refused with a ConversionError naming
 * it; it never emits an approximate graph.
 *
 * This file owns the model as a whole (the interface, the boundary transposes, debug outputs,
 * serialisation); each operator's lowering lives in operators/, reached through
 * operators/registry.ts, so adding an operator never means editing the driver.
 */

import { attr, buildOnnxModel } from '../../src/onnx-writer';
import { ConversionError } from './errors';
import { GraphBuilder, NCHW_TO_NHWC, NHWC_TO_NCHW } from './graph-builder';
import type { OpContext } from './op-context';
import { checkOperators, resolveOperator } from './operators/registry';
import { readTfliteModel, type TfliteModel } from './tflite-reader';
import { TensorType, tensorTypeName } from './tflite-schema';

// Kept importable from here, where callers found them before the operator split.
export { transposeData } from './graph-builder';
export { tflitePadding } from './op-context';

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
    const { name, convert } = resolveOperator(model, op);
    tfliteOperators[name] = (tfliteOperators[name] ?? 0) + 1;
    const ctx: OpContext = {
      b,
      op,
      where: `subgraph 0 op #${op.index} ${name}`,
      name: `${name}#${op.index}`,
    };
    // checkOperators has refused the model if any operator lacks a converter.
    convert!(ctx);
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
