/**
 * RESIZE_BILINEAR -> ONNX Resize. The three TFLite sampling conventions map onto three ONNX
 * coordinate transformation modes; the target size is written NCHW as an int64 `sizes` input,
 * since TFLite's int32 [height, width] constant cannot be fed to Resize as it is.
 */
import { attr } from '../../../src/onnx-writer';
import {
  checkOutputShape,
  constantInput,
  corruptOp,
  expectInputs,
  input,
  type OpContext,
  options,
  output,
  rank4,
} from '../op-context';
import { BuiltinOptionsType, ResizeBilinearOptionsField } from '../tflite-schema';

export function convertResizeBilinear(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 2);
  const opts = options(ctx, BuiltinOptionsType.resizeBilinear, false);
  const alignCorners = opts?.bool(ResizeBilinearOptionsField.alignCorners, false) ?? false;
  const halfPixel = opts?.bool(ResizeBilinearOptionsField.halfPixelCenters, false) ?? false;
  if (alignCorners && halfPixel) {
    throw corruptOp(ctx, 'align_corners and half_pixel_centers are both set (TFLite rejects this)');
  }
  const [n, , , c] = rank4(ctx, input(ctx, 0), 'input');
  const size = constantInput(ctx, 1, 'size');
  const [newH, newW] = size.data;
  if (
    !(size.data instanceof Int32Array) ||
    size.data.length !== 2 ||
    newH === undefined ||
    newW === undefined
  ) {
    throw corruptOp(ctx, 'size must be an INT32 constant [height, width]');
  }
  checkOutputShape(ctx, [n, newH, newW, c]);
  // TFLite: align_corners maps corner pixel centres onto each other; half_pixel_centers samples
  // at (y + 0.5) * scale - 0.5 clamped at 0 (ONNX half_pixel, which onnxruntime clamps alike);
  // neither: y * in / out (ONNX asymmetric).
  const mode = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
  const sizes = b.addInt64Initializer(`${b.tensor(input(ctx, 1)).name}__nchw`, [n, c, newH, newW]);
  b.emit({
    opType: 'Resize',
    name: ctx.name,
    inputs: [b.value(input(ctx, 0), ctx.where), '', '', sizes],
    outputs: [b.define(output(ctx))],
    attributes: {
      coordinate_transformation_mode: attr.string(mode),
      mode: attr.string('linear'),
    },
  });
}
