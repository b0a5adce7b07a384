import type { MaskSettings } from './gl/mask-stage';
import type { Quality } from './types';

/** Everything a quality level decides. Numbers in README ("Quality levels") come from these. */
export interface OnnxInput {
  layout: 'nhwc' | 'nchw';
  /** Per channel (RGB): value fed = (pixel / 255 - mean) / std. */
  mean: [number, number, number];
  std: [number, number, number];
  output: 'probability' | 'logits' | 'categories';
}

export interface LevelModel {
  engine: 'mediapipe' | 'onnxruntime';
  /** File name under assetBaseUrl, or an absolute URL (custom models). */
  file: string;
  width: number;
  height: number;
  /** onnxruntime models: how to feed and read them. */
  onnx?: OnnxInput;
  /** Output channels (mediapipe: confidence masks; onnx `categories`: classes) that count as foreground; empty = the selfie rule. */
  foreground?: number[];
  /** Drop floating regions and fill holes in its masks (src/worker/mask-cleanup.ts). */
  cleanShapes?: boolean;
}

export interface LevelConfig {
  model: LevelModel;
  mask: MaskSettings;
  /** smoothstep range on the final mask. */
  edge: [number, number];
}

const LANDSCAPE: LevelModel = {
  engine: 'mediapipe',
  file: 'selfie_segmenter_landscape.tflite',
  width: 256,
  height: 144,
  // Floating chunks per frame on the eval's moving clips: 122 → 71 at fast, 93 → 64 at balanced,
  // IoU unchanged (docs/quality.md). On the general model it lowered IoU in two runs of two (0.55
  // and 0.57 without, 0.50 and 0.42 with): its masks come in more pieces.
  cleanShapes: true,
};

/** MediaPipe's general selfie model (256x256), converted from TFLite at install time (tools/tflite-to-onnx). */
const GENERAL: LevelModel = {
  engine: 'onnxruntime',
  file: 'selfie_segmentation.onnx',
  width: 256,
  height: 256,
  onnx: { layout: 'nhwc', mean: [0, 0, 0], std: [1, 1, 1], output: 'probability' },
};

export const LEVELS: Record<Quality, LevelConfig> = {
  // Raw model output, bilinear upsampling and a smoothstep edge: the least work per frame.
  fast: {
    model: LANDSCAPE,
    mask: { temporalKeep: 0, snap: [0, 1], refineScale: 0 },
    edge: [0.2, 0.55],
  },
  // The same model with temporal smoothing against flicker, held back wherever the picture moved
  // (shaders/mask-temporal.frag.glsl). The 3x3 joint bilateral refinement it had cost IoU on the
  // eval's moving clips (0.52 against 0.67 without; docs/quality.md): it pulls thin limbs into
  // background of a similar colour, so it is off until refinement is redone at output resolution.
  balanced: {
    model: LANDSCAPE,
    mask: { temporalKeep: 0.6, snap: [0.15, 0.85], refineScale: 0 },
    edge: [0.3, 0.7],
  },
  // The larger general model (256x256, onnxruntime-web), per-pixel mask taps in the compositor,
  // stronger smoothing. Its 2x joint bilateral upsampling against the full-size luma is off: on
  // the eval's moving clips it lowered IoU (0.51 against 0.57 without; docs/quality.md).
  accurate: {
    model: GENERAL,
    mask: { temporalKeep: 0.7, snap: [0.15, 0.85], refineScale: 0 },
    edge: [0.3, 0.7],
  },
};
