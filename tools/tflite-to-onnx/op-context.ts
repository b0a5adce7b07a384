/**
 * What every operator converter shares: the context it is handed, the checked accessors for
 * its inputs, outputs, options and constants, TFLite's window geometry, and fused-activation
 * emission. These helpers are where the converter's refusals are worded, so a new operator
 * reports a bad model in the same terms as the existing ones.
 */
import type { OnnxNode } from '../../src/onnx-writer';
import { ConversionError } from './errors';
import type { Table } from './flatbuffer';
import { type Constant, type GraphBuilder, sameShape } from './graph-builder';
import type { TfliteOperator } from './tflite-reader';
import {
  Activation,
  BuiltinOptionsType,
  Padding,
  TensorType,
  tensorTypeName,
} from './tflite-schema';

export interface OpContext {
  b: GraphBuilder;
  op: TfliteOperator;
  /** "op #12 CONV_2D", for messages. */
  where: string;
  name: string;
}

export function unsupported(ctx: OpContext, detail: string): ConversionError {
  return new ConversionError('unsupported-operator', `${ctx.where}: ${detail}`);
}

export function corruptOp(ctx: OpContext, detail: string): ConversionError {
  return new ConversionError('corrupt-model', `${ctx.where}: ${detail}`);
}

export function input(ctx: OpContext, i: number): number {
  const index = ctx.op.inputs[i];
  if (index === undefined || index < 0) throw corruptOp(ctx, `input ${i} is missing`);
  return index;
}

export function output(ctx: OpContext, i = 0): number {
  const index = ctx.op.outputs[i];
  if (index === undefined) throw corruptOp(ctx, `output ${i} is missing`);
  return index;
}

export function expectInputs(ctx: OpContext, min: number, max: number): void {
  const n = ctx.op.inputs.length;
  if (n < min || n > max) {
    throw corruptOp(ctx, `has ${n} inputs, expected ${min === max ? min : `${min}-${max}`}`);
  }
  if (ctx.op.outputs.length !== 1)
    throw corruptOp(ctx, `has ${ctx.op.outputs.length} outputs, expected 1`);
}

export function options(ctx: OpContext, type: number, required: boolean): Table | undefined {
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

export function rank4(
  ctx: OpContext,
  index: number,
  role: string,
): [number, number, number, number] {
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

export function constantInput(ctx: OpContext, i: number, role: string): Constant {
  const index = input(ctx, i);
  const c = ctx.b.constant(index);
  if (c === undefined || !(c.data instanceof Float32Array || c.data instanceof Int32Array)) {
    throw unsupported(ctx, `${role} (${ctx.b.tensor(index).name}) must be a constant`);
  }
  return c;
}

export function floatConstantInput(
  ctx: OpContext,
  i: number,
  role: string,
): { shape: number[]; data: Float32Array } {
  const c = constantInput(ctx, i, role);
  if (!(c.data instanceof Float32Array)) throw unsupported(ctx, `${role} must be FLOAT32`);
  return { shape: c.shape, data: c.data };
}

/** The optional bias input `i` as an initializer of `channels` values, or undefined if omitted. */
export function biasInput(ctx: OpContext, i: number, channels: number): string | undefined {
  const index = ctx.op.inputs[i];
  if (index === undefined || index < 0) return undefined;
  const bias = floatConstantInput(ctx, i, 'bias').data;
  if (bias.length !== channels)
    throw corruptOp(ctx, `bias has ${bias.length} values for ${channels} channels`);
  return ctx.b.addInitializer(ctx.b.tensor(index).name, [channels], bias);
}

export function checkOutputShape(ctx: OpContext, expected: readonly number[]): void {
  const t = ctx.b.tensor(output(ctx));
  if (!sameShape(t.shape, expected)) {
    throw corruptOp(
      ctx,
      `output ${t.name} has shape [${t.shape}], the operator computes [${expected}]`,
    );
  }
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

export function checkGeometry(
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

/**
 * Emits `opType` writing to the op's output, followed by the fused activation if any. Returns
 * nothing: the output tensor is bound to the activation's result.
 */
export function emitWithActivation(
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

export function emitActivation(
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
