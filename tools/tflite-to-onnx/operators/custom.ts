/**
 * MediaPipe's custom operators. Their options are not in TFLite's schema (custom_options is a
 * raw C struct), so each converter here documents the byte layout it decodes and the MediaPipe
 * source it follows.
 */
import { attr } from '../../../src/onnx-writer';
import { transposeData } from '../graph-builder';
import {
  biasInput,
  checkOutputShape,
  corruptOp,
  expectInputs,
  floatConstantInput,
  input,
  type OpContext,
  output,
  rank4,
} from '../op-context';

export const CUSTOM_TRANSPOSE_CONV_BIAS = 'Convolution2DTransposeBias';

/**
 * MediaPipe's Convolution2DTransposeBias (mediapipe/util/tflite/operations/transpose_conv_bias.cc):
 * inputs (x, weights [O,H,W,I], bias [O]); custom_options is a raw TfLiteTransposeConvParams,
 * little-endian int32 {padding (1 SAME, 2 VALID), stride_width, stride_height}. With SAME the
 * kernel trims max(0, k - (in - 1) % s - 1) pixels, floor half of them at the start.
 */
export function convertTransposeConvBias(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 3, 3);
  const raw = ctx.op.customOptions;
  if (raw === undefined || raw.byteLength < 12) {
    throw corruptOp(
      ctx,
      `custom options hold ${raw?.byteLength ?? 0} bytes, expected 12 (padding, stride_w, stride_h)`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const padding = view.getInt32(0, true);
  const strideW = view.getInt32(4, true);
  const strideH = view.getInt32(8, true);
  const TFLITE_PADDING_SAME = 1;
  const TFLITE_PADDING_VALID = 2;
  if (padding !== TFLITE_PADDING_SAME && padding !== TFLITE_PADDING_VALID) {
    throw corruptOp(ctx, `custom options padding ${padding} is neither SAME (1) nor VALID (2)`);
  }
  if (strideW < 1 || strideH < 1) throw corruptOp(ctx, `invalid strides ${strideH}x${strideW}`);
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  const weights = floatConstantInput(ctx, 1, 'weights');
  const [o, kh, kw, ci] = weights.shape;
  if (
    weights.shape.length !== 4 ||
    o === undefined ||
    kh === undefined ||
    kw === undefined ||
    ci !== c
  ) {
    throw corruptOp(ctx, `weights have shape [${weights.shape}], expected [O,H,W,${c}]`);
  }
  const trimH = padding === TFLITE_PADDING_SAME ? Math.max(0, kh - ((h - 1) % strideH) - 1) : 0;
  const trimW = padding === TFLITE_PADDING_SAME ? Math.max(0, kw - ((w - 1) % strideW) - 1) : 0;
  const outH = strideH * (h - 1) + kh - trimH;
  const outW = strideW * (w - 1) + kw - trimW;
  checkOutputShape(ctx, [n, outH, outW, o]);
  // ONNX ConvTranspose weights are [C_in, C_out, kH, kW]; no kernel flip on either side.
  const wName = b.addInitializer(
    `${b.tensor(input(ctx, 1)).name}__iohw`,
    [c, o, kh, kw],
    transposeData(weights.data, weights.shape, [3, 0, 1, 2]).data,
  );
  const bias = biasInput(ctx, 2, o);
  const top = Math.floor(trimH / 2);
  const left = Math.floor(trimW / 2);
  b.emit({
    opType: 'ConvTranspose',
    name: ctx.name,
    inputs: [b.value(input(ctx, 0), ctx.where), wName, ...(bias === undefined ? [] : [bias])],
    outputs: [b.define(output(ctx))],
    attributes: {
      dilations: attr.ints([1, 1]),
      group: attr.int(1),
      kernel_shape: attr.ints([kh, kw]),
      pads: attr.ints([top, left, trimH - top, trimW - left]),
      strides: attr.ints([strideH, strideW]),
    },
  });
}
