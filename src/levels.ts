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
  /** A runtime asset's name (asset-urls.ts), or an absolute URL (custom models). */
  file: string;
  width: number;
  height: number;
  /** onnxruntime models: how to feed and read them. */
  onnx?: OnnxInput;
  /** Output channels (mediapipe: confidence masks; onnx `categories`: classes) that count as foreground; empty = the selfie rule. */
  foreground?: number[];
  /**
   * Drop floating regions and fill holes in its masks (src/worker/mask-cleanup.ts). A fused model
   * cleans its own answers (src/worker/fused-segmenter.ts).
   */
  cleanShapes?: boolean;
  /**
   * A second model beside this one (onnxruntime only), one probability channel, the picture
   * letterboxed into its input. `still-average` (the `accurate` level,
   * src/worker/fused-segmenter.ts): the two averaged while the picture is still.
   * `person-class` (the `deeplabv3` preset with the person kept, src/worker/class-fusion.ts): the
   * companion, a person model, answers the person; this multi-class model the other kept classes,
   * and where it sees a dropped class the companion's person does not count.
   */
  fusion?: {
    companion: { file: string; width: number; height: number; onnx: CompanionFeed };
    rule: FusionRule;
  };
}

/** A companion gives one channel. */
export type CompanionFeed = Omit<OnnxInput, 'output'> & { output: 'probability' | 'logits' };

export type FusionRule =
  | { kind: 'still-average' }
  | { kind: 'person-class'; personClass: number; backgroundClass: number };

/**
 * How a level shares the machine between compositing and inference (LevelConfig.scheduling).
 * The segmenter is busy at most `maxDuty` of the time; while compositing overruns its budget the
 * duty steps down, never below what keeps `minMaskShare` fresh masks per camera frame; a held frame
 * waits for its own mask what compositing leaves of the budget, or with `waitsWholeInterval` up to
 * a whole frame interval (the output may then fall behind the camera's rate: the processor's frame
 * buffer drops the oldest).
 */
export interface SchedulingSettings {
  maxDuty: number;
  minMaskShare: number;
  waitsWholeInterval: boolean;
}

/**
 * Frame rate first: adaptive quality calls a level overloaded under 0.25 fresh masks per frame,
 * so the 0.3 floor alone never triggers a step down.
 */
export const FRAMES_FIRST: SchedulingSettings = {
  maxDuty: 0.6,
  minMaskShare: 0.3,
  waitsWholeInterval: false,
};

/**
 * Masks first: the segmenter takes every frame it can, a frame waits up to a whole interval for
 * its own mask. On this project's 2-core machine it was better on every measure, speed included:
 * inference and compositing take turns instead of competing for the cores. The eval's moving
 * clips with the landscape model: fresh masks for 91% of the frames against 54%, IoU 0.68 against
 * 0.66, segment p50 12 ms against 20, compose p50 10 ms against 17, 29.2 fps of 29.2 against 28.6
 * of 28.7; with the fused models 71% against 48%, IoU 0.78 against 0.73–0.74 (docs/quality.md,
 * fifth round). Where it costs the output its rate (1280x720 in software GL) the scheduler yields
 * to frames first for a while (src/worker/mask-scheduler.ts). Frames first stays for `fast`: on a
 * machine with cores to spare it keeps the segmenter idle 40% of the time or more, less CPU for the
 * same frame rate.
 */
const MASKS_FIRST: SchedulingSettings = {
  maxDuty: 1,
  minMaskShare: 0.7,
  waitsWholeInterval: true,
};

export interface LevelConfig {
  model: LevelModel;
  /**
   * Segment a crop around the person (from the last mask, in the model's aspect) instead of the
   * whole frame: more model pixels on the person (src/worker/person-crop.ts).
   */
  crop: boolean;
  mask: MaskSettings;
  /** smoothstep range on the final mask. */
  edge: [number, number];
  /** How it shares the machine between compositing and inference (src/worker/mask-scheduler.ts). */
  scheduling: SchedulingSettings;
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

/** How the selfie models' ONNX twins are fed: pixel / 255, one probability channel out. */
export const SELFIE_FEED: CompanionFeed = {
  layout: 'nhwc',
  mean: [0, 0, 0],
  std: [1, 1, 1],
  output: 'probability',
};

/** The landscape model's ONNX twin (256x144) beside another model (`fusion.companion`). */
export const LANDSCAPE_COMPANION = {
  file: 'selfie_segmentation_landscape.onnx',
  width: 256,
  height: 144,
  onnx: SELFIE_FEED,
};

/** MediaPipe's general selfie model (256x256), converted from TFLite at install time (tools/tflite-to-onnx). */
const GENERAL: LevelModel = {
  engine: 'onnxruntime',
  file: 'selfie_segmentation.onnx',
  width: 256,
  height: 256,
  onnx: SELFIE_FEED,
};

/**
 * The general model, and on still pictures the landscape one beside it (both converted to ONNX
 * at install time), on the same square crop.
 */
const FUSED: LevelModel = {
  ...GENERAL,
  fusion: { companion: LANDSCAPE_COMPANION, rule: { kind: 'still-average' } },
};

export const LEVELS: Record<Quality, LevelConfig> = {
  // Raw model output on the whole frame, bilinear upsampling and a smoothstep edge: the least
  // work per frame, and frames first (the segmenter idle 40% of the time or more). Edges: the
  // mask's soft ring reached past the person and drew a halo of the room (the eval's shapes clip:
  // 0.86 of the 6-px band green at 0.2–0.55, 0.92 at 0.35–0.65, 0.93–0.94 at 0.4–0.7, 0.95 at
  // 0.45–0.75, moving IoU unchanged; docs/quality.md). Temporal smoothing here (keep 0.4, snap
  // 0.1–0.9) cost 0.03 of moving IoU for no less flicker: frames first, most frames reuse a mask
  // already.
  fast: {
    model: LANDSCAPE,
    crop: false,
    mask: { temporalKeep: 0, snap: [0, 1], scale: 1 },
    edge: [0.45, 0.75],
    scheduling: FRAMES_FIRST,
  },
  // The same model, each frame waiting for its own mask (masks first), with temporal smoothing
  // against flicker held back wherever the picture moved (shaders/mask-temporal.frag.glsl). A crop
  // around the person bought nothing measurable with this model on the eval's clips (IoU
  // 0.63–0.65 with, 0.64 without) and cost compositing at 720p (a finer frame-wide mask), so it
  // sees the whole frame. The fused models here, frames first, lost their masks to the duty
  // controller on this machine (IoU 0.60–0.74 over three runs; docs/quality.md, fifth round).
  balanced: {
    model: LANDSCAPE,
    crop: false,
    mask: { temporalKeep: 0.6, snap: [0.15, 0.85], scale: 1 },
    edge: [0.45, 0.8],
    scheduling: MASKS_FIRST,
  },
  // The larger general model (256x256, onnxruntime-web) on a square crop around the person: it
  // squashed a 16:9 frame into its square (moving IoU 0.57); on the crop, 0.61-0.71. It trailed
  // the landscape model on still portraits (0.69 against 0.73: a dancer's fringed dress, a wall
  // patch on the astronaut fixture), so while the picture is still the landscape model sees the
  // crop too, letterboxed, and the two are averaged (src/worker/fused-segmenter.ts; offline on
  // the eval's portraits 0.76 against 0.71 and 0.73; docs/quality.md, fourth round). Masks first.
  accurate: {
    model: FUSED,
    crop: true,
    mask: { temporalKeep: 0.7, snap: [0.15, 0.85], scale: 1 },
    edge: [0.45, 0.8],
    scheduling: MASKS_FIRST,
  },
};
