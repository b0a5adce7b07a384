/**
 * AVERAGE_POOL_2D and MEAN. Both show up as the squeeze-and-excite "pool the whole map" step
 * (MediaPipe's two selfie files differ exactly there), so both prefer GlobalAveragePool and fall
 * back to the general op only when the window or the axes say otherwise.
 */
import { attr } from '../../../src/onnx-writer';
import { NHWC_TO_NCHW, sameShape } from '../graph-builder';
import {
  checkGeometry,
  checkOutputShape,
  constantInput,
  corruptOp,
  emitWithActivation,
  expectInputs,
  input,
  type OpContext,
  options,
  output,
  rank4,
  tflitePadding,
  unsupported,
} from '../op-context';
import {
  Activation,
  BuiltinOptionsType,
  Padding,
  Pool2DOptionsField,
  ReducerOptionsField,
} from '../tflite-schema';

export function convertAveragePool(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 1, 1);
  const opts = options(ctx, BuiltinOptionsType.pool2D, true)!;
  const padding = opts.i8(Pool2DOptionsField.padding, Padding.same);
  const strideW = opts.i32(Pool2DOptionsField.strideW, 0);
  const strideH = opts.i32(Pool2DOptionsField.strideH, 0);
  const kw = opts.i32(Pool2DOptionsField.filterWidth, 0);
  const kh = opts.i32(Pool2DOptionsField.filterHeight, 0);
  const activation = opts.i8(Pool2DOptionsField.fusedActivation, Activation.none);
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  checkGeometry(ctx, padding, [strideH, strideW], [1, 1]);
  if (kh < 1 || kw < 1) throw corruptOp(ctx, `invalid filter size ${kh}x${kw}`);
  const ph = tflitePadding(padding, h, kh, strideH, 1);
  const pw = tflitePadding(padding, w, kw, strideW, 1);
  checkOutputShape(ctx, [n, ph.out, pw.out, c]);
  const x = b.value(input(ctx, 0), ctx.where);
  const pads = [ph.before, pw.before, ph.after, pw.after];
  if (ph.out === 1 && pw.out === 1 && kh === h && kw === w && pads.every((p) => p === 0)) {
    // The squeeze-and-excite blocks pool the whole map: the global op is simpler and faster.
    emitWithActivation(ctx, { opType: 'GlobalAveragePool', inputs: [x] }, activation);
    return;
  }
  emitWithActivation(
    ctx,
    {
      opType: 'AveragePool',
      inputs: [x],
      attributes: {
        // TFLite divides by the number of in-bounds pixels under the window.
        count_include_pad: attr.int(0),
        kernel_shape: attr.ints([kh, kw]),
        pads: attr.ints(pads),
        strides: attr.ints([strideH, strideW]),
      },
    },
    activation,
  );
}

export function convertMean(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 2);
  const opts = options(ctx, BuiltinOptionsType.reducer, false);
  const keepDims = opts?.bool(ReducerOptionsField.keepDims, false) ?? false;
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  const axesConst = constantInput(ctx, 1, 'axes');
  if (!(axesConst.data instanceof Int32Array)) throw unsupported(ctx, 'axes must be INT32');
  const axes = [...new Set(Array.from(axesConst.data, (a) => (a < 0 ? a + 4 : a)))].sort();
  if (axes.some((a) => a < 0 || a > 3))
    throw corruptOp(ctx, `axes [${axesConst.data}] out of range`);
  if (!keepDims)
    throw unsupported(ctx, 'MEAN without keep_dims is not supported (the graph stays 4-D)');
  const kept = [n, h, w, c].map((d, i) => (axes.includes(i) ? 1 : d));
  checkOutputShape(ctx, kept);
  const x = b.value(input(ctx, 0), ctx.where);
  if (sameShape(axes, [1, 2])) {
    b.emit({
      opType: 'GlobalAveragePool',
      name: ctx.name,
      inputs: [x],
      outputs: [b.define(output(ctx))],
    });
    return;
  }
  b.emit({
    opType: 'ReduceMean',
    name: ctx.name,
    inputs: [x],
    outputs: [b.define(output(ctx))],
    attributes: {
      axes: attr.ints(axes.map((a) => NHWC_TO_NCHW.indexOf(a as 0 | 1 | 2 | 3))),
      keepdims: attr.int(1),
    },
  });
}
