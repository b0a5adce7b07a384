import maskMotionFrag from '../../shaders/mask-motion.frag.glsl?raw';
import maskTemporalFrag from '../../shaders/mask-temporal.frag.glsl?raw';
import type { CropRect } from '../worker/person-crop';
import {
  createPassProgram,
  createTexture,
  deleteTarget,
  drawPass,
  ensureTarget,
  type RenderTarget,
  releaseProgram,
} from './gl-utils';
import type { Picture } from './picture';

export interface MaskSettings {
  /** Weight of the previous mask in the moving average (0 = none, Jitsi uses 0.75). */
  temporalKeep: number;
  /** Confidence below [0] snaps to background, above [1] to person, stretched linearly between. */
  snap: [number, number];
  /**
   * The smoothed mask's width as a multiple of the model's, in the frame's aspect; 1 keeps the
   * model's own grid. A crop level needs more than 1: its masks cover part of the frame, and a
   * frame-sized mask at model size would throw away the detail the zoom bought.
   */
  scale: number;
}

/** One mask as the mask stage takes it. */
export interface MaskInput {
  /** width*height confidences, row 0 = top; the stage copies it, the caller may reuse it after. */
  confidence: Float32Array;
  /** The part of the frame the mask covers (the crop its frame was segmented through). */
  crop: CropRect;
  /**
   * The mask's own frame shrunk through `smallCrop`, when that is still at hand (else the frame it
   * is drawn on): the picture-change test compares it, and follow() moves the mask from it.
   */
  small: RenderTarget;
  smallCrop: CropRect;
  /** Capture timestamp of the frame `small` shows. */
  timestamp: number;
  frame: Picture;
}

/**
 * Search radius of follow() in steps of a 256-wide mask's texel: 2.3% of the frame per frame. A
 * finer mask searches in coarser steps (169 candidates whatever its size): each candidate costs
 * hundreds of texture reads, and a 512-wide mask at full precision cost 4x that in compositing.
 */
const FOLLOW_RADIUS = 6;

/**
 * Stage 3: the segmenter's confidence mask into GL, placed in the frame (a crop level's mask covers
 * part of it; the rest is background) and smoothed over time. Owns the raw-mask texture and two
 * ping-pong targets. Until the first mask arrives, output() is all zeros (all background), so
 * nothing of the raw camera leaks through.
 */
export function createMaskStage(gl: WebGL2RenderingContext, width: number, height: number) {
  const temporal = createPassProgram(gl, 'mask-temporal', maskTemporalFrag);
  const motion = [0, 1, 2].map((step) =>
    createPassProgram(gl, `mask-motion ${step}`, maskMotionFrag, { STEP: step }),
  ) as [
    ReturnType<typeof createPassProgram>,
    ReturnType<typeof createPassProgram>,
    ReturnType<typeof createPassProgram>,
  ];
  let costs: RenderTarget | null = null;
  let shift: RenderTarget | null = null;
  /** Capture timestamp of the picture the mask lines up with (.gba holds that picture). */
  let alignedTo: number | null = null;
  const raw = createTexture(gl, width, height, gl.R16F);
  const smoothed: [RenderTarget | null, RenderTarget | null] = [null, null];
  let current = 0;
  let hasMask = false;
  let output: WebGLTexture | null = null;

  /** Both targets at `w`x`h`; whether they were (re)made, which drops the history. */
  function sizeTargets(w: number, h: number): boolean {
    const [a, b] = smoothed;
    if (a?.width === w && a.height === h && b) return false;
    for (let i = 0; i < 2; i++) {
      const t = ensureTarget(gl, smoothed[i] ?? null, w, h);
      smoothed[i] = t;
      gl.bindFramebuffer(gl.FRAMEBUFFER, t.framebuffer);
      gl.clearColor(0, 0, 0, 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    return true;
  }
  sizeTargets(width, height);
  output = (smoothed[0] as RenderTarget).texture;

  return {
    get hasMask(): boolean {
      return hasMask;
    },
    /** The mask texture the compositor samples (.r = person, in frame uv); valid until the next update(). */
    output(): WebGLTexture {
      return output as WebGLTexture;
    },
    /** The output's width in texels (the output passes pick their mask taps by it). */
    get outputWidth(): number {
      return (smoothed[current] as RenderTarget).width;
    },
    update(input: MaskInput, settings: MaskSettings): void {
      const { frame } = input;
      const w = settings.scale > 1 ? Math.round(width * settings.scale) : width;
      const h =
        settings.scale > 1 ? Math.max(1, Math.round((w * frame.height) / frame.width)) : height;
      const fresh = sizeTargets(w, h);
      gl.bindTexture(gl.TEXTURE_2D, raw);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, width, height, gl.RED, gl.FLOAT, input.confidence);
      const prev = smoothed[current] as RenderTarget;
      const next = smoothed[1 - current] as RenderTarget;
      const c = input.crop;
      const s = input.smallCrop;
      // The first mask (or the first at a new size) has no history to average with.
      drawPass(gl, temporal, next, {
        u_rawMask: raw,
        u_rawCrop: [c.x, c.y, c.w, c.h],
        u_prevMask: prev.texture,
        u_keep: hasMask && !fresh ? settings.temporalKeep : 0,
        u_snap: settings.snap,
        u_small: input.small.texture,
        u_smallCrop: [s.x, s.y, s.w, s.h],
      });
      current = 1 - current;
      hasMask = true;
      output = next.texture;
      alignedTo = input.timestamp;
    },
    /**
     * Moves the mask from the picture it was made for to `small` (the frame about to be drawn,
     * through `smallCrop`), by the person's motion between the two, searched for in `region`
     * (frame uv, where the person is). Nothing to do when the mask is already that frame's.
     */
    follow(small: RenderTarget, smallCrop: CropRect, timestamp: number, region: CropRect): void {
      if (!hasMask || alignedTo === timestamp) return;
      alignedTo = timestamp;
      const prev = smoothed[current] as RenderTarget;
      const next = smoothed[1 - current] as RenderTarget;
      const radius = FOLLOW_RADIUS;
      const shiftStep = Math.max(1, Math.round(prev.width / 256));
      costs = ensureTarget(gl, costs, 2 * radius + 1, 2 * radius + 1, 'rgba8', gl.NEAREST);
      shift = ensureTarget(gl, shift, 1, 1, 'rgba8', gl.NEAREST);
      const common = {
        u_prevMask: prev.texture,
        u_small: small.texture,
        u_smallCrop: [smallCrop.x, smallCrop.y, smallCrop.w, smallCrop.h],
        u_maskTexel: [1 / prev.width, 1 / prev.height],
        u_region: [region.x, region.y, region.w, region.h],
        u_radius: radius,
        u_shiftStep: shiftStep,
      };
      drawPass(gl, motion[0], costs, common);
      drawPass(gl, motion[1], shift, { ...common, u_costs: costs.texture });
      drawPass(gl, motion[2], next, { ...common, u_shift: shift.texture });
      current = 1 - current;
      output = next.texture;
    },
    dispose(): void {
      gl.deleteTexture(raw);
      for (const t of smoothed) deleteTarget(gl, t);
      deleteTarget(gl, costs);
      deleteTarget(gl, shift);
      releaseProgram(gl, temporal);
      for (const p of motion) releaseProgram(gl, p);
    },
  };
}

export type MaskStage = ReturnType<typeof createMaskStage>;

/**
 * Builds the mask program once and draws it into a 1x1 target, then keeps it alive (the program
 * cache shares it with every mask stage) until the returned release is called. On software GL a
 * first draw compiles for tens of milliseconds; paid while the model loads, a level switch later
 * does not stall a frame for it.
 */
export function prewarmMaskPrograms(gl: WebGL2RenderingContext): () => void {
  const programs = [
    createPassProgram(gl, 'mask-temporal', maskTemporalFrag),
    ...[0, 1, 2].map((step) =>
      createPassProgram(gl, `mask-motion ${step}`, maskMotionFrag, { STEP: step }),
    ),
  ];
  const scratch = ensureTarget(gl, null, 1, 1);
  for (const program of programs) drawPass(gl, program, scratch, { u_radius: 0 });
  deleteTarget(gl, scratch);
  return () => {
    for (const program of programs) releaseProgram(gl, program);
  };
}
