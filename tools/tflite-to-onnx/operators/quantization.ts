/**
 * DEQUANTIZE, which MediaPipe uses only to widen float16 weights to float32. It emits no node:
 * the widened values become the output tensor's constant, so the next op finds ordinary float32
 * weights and the ONNX file carries float32 initializers (every backend reads those).
 */
import { sameShape } from '../graph-builder';
import { corruptOp, expectInputs, input, type OpContext, output, unsupported } from '../op-context';
import { TensorType, tensorTypeName } from '../tflite-schema';

export function convertDequantize(ctx: OpContext): void {
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
