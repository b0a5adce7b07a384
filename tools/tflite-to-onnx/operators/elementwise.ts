/**
 * ADD, MUL and the standalone activations (RELU, RELU6, LOGISTIC, HARD_SWISH). Activations are
 * already NCHW inside the graph, so these are one-to-one except for two things: a constant
 * operand of ADD/MUL is laid out NCHW here so ONNX broadcasting lines up as TFLite's did, and
 * HARD_SWISH is built from HardSigmoid because not every onnxruntime-web backend has HardSwish.
 */
import { attr } from '../../../src/onnx-writer';
import { NHWC_TO_NCHW, transposeData } from '../graph-builder';
import {
  emitActivation,
  emitWithActivation,
  expectInputs,
  input,
  type OpContext,
  options,
  output,
  rank4,
  unsupported,
} from '../op-context';
import { Activation, ArithmeticOptionsField, BuiltinOptionsType } from '../tflite-schema';

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

export function convertAdd(ctx: OpContext): void {
  convertBinary(ctx, 'Add', BuiltinOptionsType.add);
}

export function convertMul(ctx: OpContext): void {
  convertBinary(ctx, 'Mul', BuiltinOptionsType.mul);
}

/** The single run-time input of a standalone activation, checked 4-D float. */
function unaryInput(ctx: OpContext): string {
  expectInputs(ctx, 1, 1);
  rank4(ctx, input(ctx, 0), 'input');
  return ctx.b.value(input(ctx, 0), ctx.where);
}

export function convertRelu(ctx: OpContext): void {
  const { b } = ctx;
  const x = unaryInput(ctx);
  b.emit({ opType: 'Relu', name: ctx.name, inputs: [x], outputs: [b.define(output(ctx))] });
}

export function convertRelu6(ctx: OpContext): void {
  const x = unaryInput(ctx);
  emitActivation(ctx, Activation.relu6, x, ctx.b.define(output(ctx)), ctx.name);
}

export function convertLogistic(ctx: OpContext): void {
  const { b } = ctx;
  const x = unaryInput(ctx);
  b.emit({ opType: 'Sigmoid', name: ctx.name, inputs: [x], outputs: [b.define(output(ctx))] });
}

export function convertHardSwish(ctx: OpContext): void {
  const { b } = ctx;
  const x = unaryInput(ctx);
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
}
