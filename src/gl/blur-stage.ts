import blurFrag from '../../shaders/blur.frag.glsl?raw';
import blurPrepFrag from '../../shaders/blur-prep.frag.glsl?raw';
import type { YuvConversion } from './color-space';
import {
  createPassProgram,
  createProgramVariants,
  createTarget,
  deleteTarget,
  drawPass,
  type RenderTarget,
  releaseProgram,
} from './gl-utils';

export const MAX_TAPS = 32;

/** Normalised one-sided Gaussian weights: w[0] is the centre, w[i] the weight at distance i. */
export function gaussianWeights(sigma: number, taps: number): number[] {
  const w: number[] = [];
  for (let i = 0; i <= taps; i++) w.push(Math.exp((-i * i) / (2 * sigma * sigma)));
  const sum = w.reduce((a, b, i) => a + (i === 0 ? b : 2 * b), 0);
  return w.map((v) => v / sum);
}

/**
 * Folds texel pairs (1,2), (3,4), … of one-sided weights into single bilinear taps: the tap sits at
 * the weighted mean of the two offsets and carries both weights. Halves the texture reads.
 */
export function linearTaps(weights: number[]): { weights: number[]; offsets: number[] } {
  const out = [weights[0] ?? 1];
  const offsets: number[] = [];
  for (let i = 1; i < weights.length; i += 2) {
    const a = weights[i] ?? 0;
    const b = weights[i + 1] ?? 0;
    out.push(a + b);
    offsets.push(a + b > 0 ? (i * a + (i + 1) * b) / (a + b) : i);
  }
  return { weights: out, offsets };
}

/**
 * Blur parameters at the resolution the blur runs at (the model's input size, about 1/5 of 720p):
 * `radius` is in output pixels at 720p (API contract), scaled for the frame's real height.
 */
export function blurPlan(
  radius: number,
  frameHeight: number,
  blurHeight: number,
): { sigma: number; taps: number } {
  const r = radius * (frameHeight / 720) * (blurHeight / frameHeight);
  const sigma = Math.max(r / 2, 0.5);
  const taps = Math.min(Math.ceil(sigma * 2.5), MAX_TAPS);
  return { sigma, taps };
}

/**
 * Stage 4 (blur backgrounds only): background-weighted separable Gaussian on the model-size picture.
 * A blur this wide hides the lower resolution, and on software GL it costs a few hundred thousand
 * texture reads instead of millions. Output texels are premultiplied (colour * w, w); the compositor
 * divides. Owns its two targets.
 */
export function createBlurStage(gl: WebGL2RenderingContext) {
  const prep = createPassProgram(gl, 'blur-prep', blurPrepFrag);
  const blur = createProgramVariants(gl, 'blur', blurFrag);
  let targets: [RenderTarget, RenderTarget] | null = null;

  function ensureTargets(w: number, h: number): [RenderTarget, RenderTarget] {
    if (!targets || targets[0].width !== w || targets[0].height !== h) {
      if (targets) for (const t of targets) deleteTarget(gl, t);
      targets = [createTarget(gl, w, h), createTarget(gl, w, h)];
    }
    return targets;
  }

  return {
    /** `toYuv`: blur in the frame's YCbCr (the I420 output path) rather than RGB. */
    render(
      small: RenderTarget,
      frameHeight: number,
      mask: WebGLTexture,
      radius: number,
      toYuv: YuvConversion | null,
    ): WebGLTexture {
      const plan = blurPlan(radius, frameHeight, small.height);
      const [a, b] = ensureTargets(small.width, small.height);
      drawPass(gl, prep, a, {
        u_small: small.texture,
        u_mask: mask,
        u_yuv: toYuv !== null,
        u_toYuv: toYuv?.toYuv ?? [1, 0, 0, 0, 1, 0, 0, 0, 1],
        u_yuvOffset: toYuv?.offset ?? [0, 0, 0],
      });
      const w = small.width;
      const h = small.height;
      const { weights, offsets } = linearTaps(gaussianWeights(plan.sigma, plan.taps));
      const program = blur.get({ TAPS: offsets.length });
      const uniforms = { u_weights: weights, u_offsets: offsets };
      drawPass(gl, program, b, { ...uniforms, u_src: a.texture, u_step: [1 / w, 0] });
      drawPass(gl, program, a, { ...uniforms, u_src: b.texture, u_step: [0, 1 / h] });
      return a.texture;
    },
    dispose(): void {
      if (targets) for (const t of targets) deleteTarget(gl, t);
      targets = null;
      releaseProgram(gl, prep);
      blur.dispose();
    },
  };
}

export type BlurStage = ReturnType<typeof createBlurStage>;
