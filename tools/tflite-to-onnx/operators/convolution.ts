/**
 * CONV_2D and DEPTHWISE_CONV_2D, both lowered to ONNX Conv. TFLite keeps filters channels-last
 * ([O,H,W,I], depthwise [1,H,W,C*M]) and pads SAME with the odd pixel after; ONNX wants OIHW
 * weights and explicit pads, so both are rewritten here at conversion time rather than in the
 * graph.
 */
import { attr } from '../../../src/onnx-writer';
import { NHWC_TO_NCHW, transposeData } from '../graph-builder';
import {
  biasInput,
  checkGeometry,
  checkOutputShape,
  corruptOp,
  emitWithActivation,
  expectInputs,
  floatConstantInput,
  input,
  type OpContext,
  options,
  rank4,
  tflitePadding,
} from '../op-context';
import {
  Activation,
  BuiltinOptionsType,
  Conv2DOptionsField,
  DepthwiseConv2DOptionsField,
  Padding,
} from '../tflite-schema';

export function convertConv2D(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 3);
  const opts = options(ctx, BuiltinOptionsType.conv2D, true)!;
  const padding = opts.i8(Conv2DOptionsField.padding, Padding.same);
  const strideW = opts.i32(Conv2DOptionsField.strideW, 0);
  const strideH = opts.i32(Conv2DOptionsField.strideH, 0);
  const dilationW = opts.i32(Conv2DOptionsField.dilationW, 1);
  const dilationH = opts.i32(Conv2DOptionsField.dilationH, 1);
  const activation = opts.i8(Conv2DOptionsField.fusedActivation, Activation.none);
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  const weights = floatConstantInput(ctx, 1, 'filter');
  const [o, kh, kw, ci] = weights.shape;
  if (
    weights.shape.length !== 4 ||
    o === undefined ||
    kh === undefined ||
    kw === undefined ||
    ci === undefined
  ) {
    throw corruptOp(ctx, `filter has shape [${weights.shape}], expected [O,H,W,I]`);
  }
  if (ci === 0 || c % ci !== 0)
    throw corruptOp(ctx, `input has ${c} channels, filter expects ${ci} per group`);
  checkGeometry(ctx, padding, [strideH, strideW], [dilationH, dilationW]);
  const ph = tflitePadding(padding, h, kh, strideH, dilationH);
  const pw = tflitePadding(padding, w, kw, strideW, dilationW);
  checkOutputShape(ctx, [n, ph.out, pw.out, o]);
  const wName = b.addInitializer(
    `${b.tensor(input(ctx, 1)).name}__oihw`,
    [o, ci, kh, kw],
    transposeData(weights.data, weights.shape, NHWC_TO_NCHW).data,
  );
  const inputs = [b.value(input(ctx, 0), ctx.where), wName];
  const bias = biasInput(ctx, 2, o);
  if (bias !== undefined) inputs.push(bias);
  emitWithActivation(
    ctx,
    {
      opType: 'Conv',
      inputs,
      attributes: {
        dilations: attr.ints([dilationH, dilationW]),
        group: attr.int(c / ci),
        kernel_shape: attr.ints([kh, kw]),
        pads: attr.ints([ph.before, pw.before, ph.after, pw.after]),
        strides: attr.ints([strideH, strideW]),
      },
    },
    activation,
  );
}

export function convertDepthwiseConv2D(ctx: OpContext): void {
  const { b } = ctx;
  expectInputs(ctx, 2, 3);
  const opts = options(ctx, BuiltinOptionsType.depthwiseConv2D, true)!;
  const padding = opts.i8(DepthwiseConv2DOptionsField.padding, Padding.same);
  const strideW = opts.i32(DepthwiseConv2DOptionsField.strideW, 0);
  const strideH = opts.i32(DepthwiseConv2DOptionsField.strideH, 0);
  const dilationW = opts.i32(DepthwiseConv2DOptionsField.dilationW, 1);
  const dilationH = opts.i32(DepthwiseConv2DOptionsField.dilationH, 1);
  const activation = opts.i8(DepthwiseConv2DOptionsField.fusedActivation, Activation.none);
  const [n, h, w, c] = rank4(ctx, input(ctx, 0), 'input');
  const weights = floatConstantInput(ctx, 1, 'filter');
  const [one, kh, kw, oc] = weights.shape;
  if (
    weights.shape.length !== 4 ||
    one !== 1 ||
    kh === undefined ||
    kw === undefined ||
    oc === undefined
  ) {
    throw corruptOp(ctx, `filter has shape [${weights.shape}], expected [1,H,W,C*multiplier]`);
  }
  // The multiplier follows from the shapes; TFLite's own kernel does the same and only checks
  // the option, which some converters leave at 0.
  if (c === 0 || oc % c !== 0)
    throw corruptOp(ctx, `filter has ${oc} channels for ${c} input channels`);
  const multiplier = opts.i32(DepthwiseConv2DOptionsField.depthMultiplier, 0);
  if (multiplier !== 0 && multiplier !== oc / c) {
    throw corruptOp(
      ctx,
      `depth_multiplier ${multiplier} disagrees with ${oc} filter channels over ${c} inputs`,
    );
  }
  checkGeometry(ctx, padding, [strideH, strideW], [dilationH, dilationW]);
  const ph = tflitePadding(padding, h, kh, strideH, dilationH);
  const pw = tflitePadding(padding, w, kw, strideW, dilationW);
  checkOutputShape(ctx, [n, ph.out, pw.out, oc]);
  // [1,H,W,C*M] -> [C*M,1,H,W]: output channel ic*M+m is ONNX group ic's m-th filter.
  const wName = b.addInitializer(
    `${b.tensor(input(ctx, 1)).name}__m1hw`,
    [oc, 1, kh, kw],
    transposeData(weights.data, weights.shape, [3, 0, 1, 2]).data,
  );
  const inputs = [b.value(input(ctx, 0), ctx.where), wName];
  const bias = biasInput(ctx, 2, oc);
  if (bias !== undefined) inputs.push(bias);
  emitWithActivation(
    ctx,
    {
      opType: 'Conv',
      inputs,
      attributes: {
        dilations: attr.ints([dilationH, dilationW]),
        group: attr.int(c),
        kernel_shape: attr.ints([kh, kw]),
        pads: attr.ints([ph.before, pw.before, ph.after, pw.after]),
        strides: attr.ints([strideH, strideW]),
      },
    },
    activation,
  );
}
