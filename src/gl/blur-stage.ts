import blurFrag from '../../shaders/blur.frag.glsl?raw';
import blurPrepFrag from '../../shaders/blur-prep.frag.glsl?raw';
import {
  createPassProgram,
  createTarget,
  deleteTarget,
  drawPass,
  type RenderTarget,
} from './gl-utils';
import { frameUniforms, type Picture } from './picture';

export const MAX_TAPS = 32;

/** Normalised one-sided Gaussian weights: w[0] is the centre, w[i] the weight at distance i. */
export function gaussianWeights(sigma: number, taps: number): number[] {
  const w: number[] = [];
  for (let i = 0; i <= taps; i++) w.push(Math.exp((-i * i) / (2 * sigma * sigma)));
  const sum = w.reduce((a, b, i) => a + (i === 0 ? b : 2 * b), 0);
  return w.map((v) => v / sum);
}

/**
 * How much to shrink before blurring and how many taps: a big radius is blurred at 1/4 or 1/8
 * resolution, where it costs the same as a small one, and the result is indistinguishable.
 * `radius` is in output pixels at 720p (API contract); scaled for other heights.
 */
export function blurPlan(
  radius: number,
  frameHeight: number,
): { downscale: number; sigma: number; taps: number } {
  const r = radius * (frameHeight / 720);
  const downscale = r >= 24 ? 8 : r >= 8 ? 4 : 2;
  const sigma = Math.max(r / downscale / 2, 0.5);
  const taps = Math.min(Math.ceil(sigma * 2.5), MAX_TAPS);
  return { downscale, sigma, taps };
}

/**
 * Stage 4 (blur backgrounds only): background-weighted separable Gaussian at reduced resolution.
 * Output texels are premultiplied (rgb * w, w); the compositor divides. Owns its two targets.
 */
export function createBlurStage(gl: WebGL2RenderingContext) {
  const prep = createPassProgram(gl, 'blur-prep', blurPrepFrag);
  const blur = createPassProgram(gl, 'blur', blurFrag);
  let targets: [RenderTarget, RenderTarget] | null = null;

  function ensureTargets(w: number, h: number): [RenderTarget, RenderTarget] {
    if (!targets || targets[0].width !== w || targets[0].height !== h) {
      if (targets) for (const t of targets) deleteTarget(gl, t);
      targets = [createTarget(gl, w, h), createTarget(gl, w, h)];
    }
    return targets;
  }

  return {
    /** `yuv`: blur in the frame's YCbCr (for the I420 output path) rather than RGB. */
    render(frame: Picture, mask: WebGLTexture, radius: number, yuv: boolean): WebGLTexture {
      const plan = blurPlan(radius, frame.height);
      const w = Math.max(1, Math.round(frame.width / plan.downscale));
      const h = Math.max(1, Math.round(frame.height / plan.downscale));
      const [a, b] = ensureTargets(w, h);
      drawPass(gl, prep, a, {
        ...frameUniforms(frame),
        u_mask: mask,
        u_yuv: yuv,
        u_srcTexel: [1 / frame.width, 1 / frame.height],
        u_footprint: [frame.width / w, frame.height / h],
      });
      const weights = gaussianWeights(plan.sigma, plan.taps);
      while (weights.length < MAX_TAPS + 1) weights.push(0);
      drawPass(gl, blur, b, {
        u_src: a.texture,
        u_step: [1 / w, 0],
        u_taps: plan.taps,
        u_weights: weights,
      });
      drawPass(gl, blur, a, {
        u_src: b.texture,
        u_step: [0, 1 / h],
        u_taps: plan.taps,
        u_weights: weights,
      });
      return a.texture;
    },
    dispose(): void {
      if (targets) for (const t of targets) deleteTarget(gl, t);
      targets = null;
      gl.deleteProgram(prep.program);
      gl.deleteProgram(blur.program);
    },
  };
}

export type BlurStage = ReturnType<typeof createBlurStage>;
