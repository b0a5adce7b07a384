/**
 * The one list of operators the converter translates. Support is decided here and nowhere else:
 * the up-front check that refuses a model before any work is done and the per-op dispatch both
 * read these maps, so an operator cannot be accepted by one and missing from the other.
 */
import { ConversionError } from '../errors';
import type { OpContext } from '../op-context';
import type { TfliteModel, TfliteOperator, TfliteSubgraph } from '../tflite-reader';
import { Builtin, builtinName } from '../tflite-schema';
import { convertConcatenation } from './concatenation';
import { convertConv2D, convertDepthwiseConv2D } from './convolution';
import { CUSTOM_TRANSPOSE_CONV_BIAS, convertTransposeConvBias } from './custom';
import {
  convertAdd,
  convertHardSwish,
  convertLogistic,
  convertMul,
  convertRelu,
  convertRelu6,
} from './elementwise';
import { convertAveragePool, convertMean } from './pooling';
import { convertDequantize } from './quantization';
import { convertResizeBilinear } from './resize';

/** Translates one TFLite operator: reads it through `ctx`, emits ONNX nodes on `ctx.b`. */
export type OperatorConverter = (ctx: OpContext) => void;

export const OPERATORS: {
  /** By TFLite BuiltinOperator code (tflite-schema.ts `Builtin`). */
  readonly builtin: ReadonlyMap<number, OperatorConverter>;
  /** CUSTOM operators, by their custom_code string. */
  readonly custom: ReadonlyMap<string, OperatorConverter>;
} = {
  builtin: new Map<number, OperatorConverter>([
    [Builtin.add, convertAdd],
    [Builtin.averagePool2D, convertAveragePool],
    [Builtin.concatenation, convertConcatenation],
    [Builtin.conv2D, convertConv2D],
    [Builtin.depthwiseConv2D, convertDepthwiseConv2D],
    [Builtin.dequantize, convertDequantize],
    [Builtin.hardSwish, convertHardSwish],
    [Builtin.logistic, convertLogistic],
    [Builtin.mean, convertMean],
    [Builtin.mul, convertMul],
    [Builtin.relu, convertRelu],
    [Builtin.relu6, convertRelu6],
    [Builtin.resizeBilinear, convertResizeBilinear],
  ]),
  custom: new Map<string, OperatorConverter>([
    [CUSTOM_TRANSPOSE_CONV_BIAS, convertTransposeConvBias],
  ]),
};

export interface ResolvedOperator {
  /** TFLite name (CONV_2D), or the custom code for CUSTOM ops. */
  name: string;
  /** BuiltinOperator code; Builtin.custom for custom ops, -1 if the opcode is missing. */
  code: number;
  /** Undefined when the operator is not supported. */
  convert: OperatorConverter | undefined;
}

export function resolveOperator(model: TfliteModel, op: TfliteOperator): ResolvedOperator {
  const opcode = model.operatorCodes[op.opcodeIndex];
  const code = opcode?.builtinCode ?? -1;
  if (code === Builtin.custom) {
    const name = opcode?.customCode ?? '(unnamed custom op)';
    return { name, code, convert: OPERATORS.custom.get(name) };
  }
  return { name: builtinName(code), code, convert: OPERATORS.builtin.get(code) };
}

/** Throws for the first operator the converter cannot translate, before any work is done. */
export function checkOperators(model: TfliteModel, s: number, sg: TfliteSubgraph): void {
  for (const op of sg.operators) {
    const { name, code, convert } = resolveOperator(model, op);
    if (convert === undefined) {
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
