import maskRefineFrag from '../../shaders/mask-refine.frag.glsl?raw';
import maskTemporalFrag from '../../shaders/mask-temporal.frag.glsl?raw';
import {
  createPassProgram,
  createProgramVariants,
  createTarget,
  createTexture,
  deleteTarget,
  drawPass,
  ensureTarget,
  type RenderTarget,
  releaseProgram,
} from './gl-utils';
import { frameUniforms, type Picture } from './picture';

export interface MaskSettings {
  /** Weight of the previous mask in the moving average (0 = none, Jitsi uses 0.75). */
  temporalKeep: number;
  /** Confidence below [0] snaps to background, above [1] to person, stretched linearly between. */
  snap: [number, number];
  /**
   * Joint bilateral refinement at this multiple of the mask width (0 = off; 1 = guided by the
   * model-size picture; 2+ = upsampled against the full-size luma, in the frame's aspect).
   */
  refineScale: number;
}

/**
 * Stage 3: the segmenter's confidence mask into GL, smoothed over time and refined at edges.
 * Owns the raw-mask texture, two ping-pong targets and the refined target. Until the first mask
 * arrives, output() is all zeros (all background), so nothing of the raw camera leaks through.
 */
export function createMaskStage(gl: WebGL2RenderingContext, width: number, height: number) {
  const temporal = createPassProgram(gl, 'mask-temporal', maskTemporalFrag);
  const refine = createProgramVariants(gl, 'mask-refine', maskRefineFrag);
  const raw = createTexture(gl, width, height, gl.R16F);
  const smoothed: [RenderTarget, RenderTarget] = [
    createTarget(gl, width, height),
    createTarget(gl, width, height),
  ];
  let current = 0;
  let refined: RenderTarget | null = null;
  let hasMask = false;
  let output: WebGLTexture = smoothed[0].texture;

  for (const t of smoothed) {
    gl.bindFramebuffer(gl.FRAMEBUFFER, t.framebuffer);
    gl.clearColor(0, 0, 0, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }
  gl.bindFramebuffer(gl.FRAMEBUFFER, null);

  return {
    get hasMask(): boolean {
      return hasMask;
    },
    /** The mask texture the compositor samples (.r = person); valid until the next update(). */
    output(): WebGLTexture {
      return output;
    },
    /** Takes a copy of `confidence` (row 0 = top, width*height floats); the caller may reuse it after. */
    update(
      confidence: Float32Array,
      frame: Picture,
      small: RenderTarget,
      settings: MaskSettings,
    ): void {
      gl.bindTexture(gl.TEXTURE_2D, raw);
      gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, width, height, gl.RED, gl.FLOAT, confidence);
      const prev = smoothed[current] as RenderTarget;
      const next = smoothed[1 - current] as RenderTarget;
      // The first mask has no history to average with.
      drawPass(gl, temporal, next, {
        u_rawMask: raw,
        u_prevMask: prev.texture,
        u_keep: hasMask ? settings.temporalKeep : 0,
        u_snap: settings.snap,
        u_small: small.texture,
      });
      current = 1 - current;
      hasMask = true;
      output = next.texture;
      if (settings.refineScale > 0) {
        // Finer than the model: in the frame's aspect, not the model's (a square model on a
        // 16:9 frame would otherwise spend 78% more texels on rows the frame does not have).
        const rw = Math.round(width * settings.refineScale);
        const rh =
          settings.refineScale > 1
            ? Math.round((rw * frame.height) / frame.width)
            : Math.round(height * settings.refineScale);
        refined = ensureTarget(gl, refined, rw, rh);
        // At mask resolution the model-size picture guides; finer masks need the full-size luma.
        drawPass(gl, refine.get({ GUIDE: settings.refineScale > 1 ? 1 : 0 }), refined, {
          ...frameUniforms(frame),
          u_small: small.texture,
          u_mask: next.texture,
          u_maskTexel: [1 / width, 1 / height],
          u_sigmaColor: 0.1,
        });
        output = refined.texture;
      }
    },
    dispose(): void {
      gl.deleteTexture(raw);
      for (const t of smoothed) deleteTarget(gl, t);
      deleteTarget(gl, refined);
      refined = null;
      releaseProgram(gl, temporal);
      refine.dispose();
    },
  };
}

export type MaskStage = ReturnType<typeof createMaskStage>;

/**
 * Builds every mask program variant once and draws it into a 1x1 target, then keeps them alive
 * (the program cache shares them with every mask stage) until the returned release is called. On
 * software GL a first draw compiles for tens of milliseconds; paid while the model loads, a level
 * switch later does not stall a frame for it.
 */
export function prewarmMaskPrograms(gl: WebGL2RenderingContext): () => void {
  const programs = [
    createPassProgram(gl, 'mask-temporal', maskTemporalFrag),
    ...[0, 1].map((guide) =>
      createPassProgram(gl, `mask-refine ${JSON.stringify({ GUIDE: guide })}`, maskRefineFrag, {
        GUIDE: guide,
      }),
    ),
  ];
  const scratch = createTarget(gl, 1, 1);
  for (const program of programs) drawPass(gl, program, scratch, {});
  deleteTarget(gl, scratch);
  return () => {
    for (const program of programs) releaseProgram(gl, program);
  };
}
