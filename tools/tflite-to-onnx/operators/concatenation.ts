/**
 * CONCATENATION (DeepLabV3's ASPP joins its branches with it): ONNX `Concat` along the same axis of
 * the NCHW layout, then the fused activation. Run-time 4-D inputs only: a constant operand would
 * need folding, which no supported model has.
 */
import { attr } from '../../../src/onnx-writer';
import {
  emitWithActivation,
  input,
  type OpContext,
  options,
  output,
  rank4,
  unsupported,
} from '../op-context';
import { Activation, BuiltinOptionsType, ConcatenationOptionsField } from '../tflite-schema';

/** An NHWC axis's place in NCHW. */
const NHWC_AXIS_IN_NCHW = [0, 2, 3, 1] as const;

export function convertConcatenation(ctx: OpContext): void {
  const { b } = ctx;
  const count = ctx.op.inputs.length;
  if (count < 1) throw unsupported(ctx, 'has no inputs');
  if (ctx.op.outputs.length !== 1) throw unsupported(ctx, 'must have exactly one output');
  const opts = options(ctx, BuiltinOptionsType.concatenation, false);
  const raw = opts?.i32(ConcatenationOptionsField.axis, 0) ?? 0;
  const axis = raw < 0 ? raw + 4 : raw;
  if (axis < 0 || axis > 3) throw unsupported(ctx, `axis ${raw} of a 4-D tensor`);
  const activation =
    opts?.i8(ConcatenationOptionsField.fusedActivation, Activation.none) ?? Activation.none;
  const out = rank4(ctx, output(ctx), 'output');
  const names: string[] = [];
  let total = 0;
  for (let i = 0; i < count; i++) {
    const index = input(ctx, i);
    if (b.constant(index) !== undefined) {
      throw unsupported(ctx, `input ${i} is a constant (constant folding is not supported)`);
    }
    const shape = rank4(ctx, index, `input ${i}`);
    shape.forEach((size, k) => {
      if (k !== axis && size !== out[k]) {
        throw unsupported(ctx, `input ${i} is ${shape.join('x')}, the output ${out.join('x')}`);
      }
    });
    total += shape[axis] ?? 0;
    names.push(b.value(index, ctx.where));
  }
  if (total !== out[axis]) {
    throw unsupported(
      ctx,
      `inputs add up to ${total} along axis ${raw}, the output has ${out[axis]}`,
    );
  }
  emitWithActivation(
    ctx,
    {
      opType: 'Concat',
      inputs: names,
      attributes: { axis: attr.int(NHWC_AXIS_IN_NCHW[axis] ?? 0) },
    },
    activation,
  );
}
