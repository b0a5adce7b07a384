import compositeRgbFrag from '../../shaders/composite-rgb.frag.glsl?raw';
import type { Vec3 } from './color-space';
import {
  createProgramVariants,
  deleteTarget,
  drawPass,
  ensureTarget,
  type RenderTarget,
} from './gl-utils';
import { backgroundUniforms, frameUniforms, type Picture } from './picture';

/**
 * Cover-fit of a background of size (bw, bh) onto an output of size (w, h): the background is scaled
 * to cover the whole output and centred, never stretched. Returns the transform from output uv to
 * background uv (bgUv = uv * scale + offset).
 */
export function coverFit(
  w: number,
  h: number,
  bw: number,
  bh: number,
): { scale: [number, number]; offset: [number, number] } {
  const s = Math.max(w / bw, h / bh);
  const sx = w / (bw * s);
  const sy = h / (bh * s);
  return { scale: [sx, sy], offset: [(1 - sx) / 2, (1 - sy) / 2] };
}

export type CompositeBackground =
  | { kind: 'color'; rgba: readonly [number, number, number, number] }
  | { kind: 'picture'; picture: Picture }
  | { kind: 'blur'; texture: WebGLTexture };

/**
 * Uniforms of compositing.glsl for one output frame. `yuv` selects the working space: the colour
 * background is converted here once instead of per pixel.
 */
export function compositingUniforms(
  frame: Picture,
  mask: WebGLTexture,
  background: CompositeBackground,
  edge: [number, number],
  yuv: boolean,
): Record<string, unknown> {
  const common = { ...frameUniforms(frame), u_mask: mask, u_edge: edge, u_blur: mask };
  // Samplers must point at some texture even when unused; the frame's planes stand in.
  const placeholderBg = backgroundUniforms(frame);
  switch (background.kind) {
    case 'color': {
      const [r, g, b, a] = background.rgba;
      const c = frame.conversion;
      const colour: Vec3 = yuv
        ? [
            c.toYuv[0] * r + c.toYuv[3] * g + c.toYuv[6] * b + c.offset[0],
            c.toYuv[1] * r + c.toYuv[4] * g + c.toYuv[7] * b + c.offset[1],
            c.toYuv[2] * r + c.toYuv[5] * g + c.toYuv[8] * b + c.offset[2],
          ]
        : [r, g, b];
      return { ...common, ...placeholderBg, u_bgColor: colour, u_bgAlpha: a };
    }
    case 'picture': {
      const p = background.picture;
      const fit = coverFit(frame.width, frame.height, p.width, p.height);
      return {
        ...common,
        ...backgroundUniforms(p),
        u_bgScale: fit.scale,
        u_bgShift: fit.offset,
      };
    }
    case 'blur':
      return { ...common, ...placeholderBg, u_blur: background.texture };
  }
}

/** The BG_KIND define of compositing.glsl: one compiled program per kind. */
export function backgroundKindDefine(background: CompositeBackground): number {
  return background.kind === 'color' ? 0 : background.kind === 'picture' ? 1 : 2;
}

/**
 * Stage 5 (RGB outputs): person over background, drawn straight into the canvas for the
 * VideoFrame(canvas) path (flipped: the default framebuffer stores the bottom row first), or into
 * its own target for the RGBA readback fallback. Owns that target.
 */
export function createCompositeStage(gl: WebGL2RenderingContext) {
  const programs = createProgramVariants(gl, 'composite-rgb', compositeRgbFrag);
  let target: RenderTarget | null = null;

  return {
    render(
      frame: Picture,
      mask: WebGLTexture,
      background: CompositeBackground,
      edge: [number, number],
      toCanvas: boolean,
    ): RenderTarget | null {
      let out: RenderTarget | null = null;
      if (!toCanvas) {
        target = ensureTarget(gl, target, frame.width, frame.height);
        out = target;
      }
      drawPass(
        gl,
        programs.get({ BG_KIND: backgroundKindDefine(background) }),
        out,
        { ...compositingUniforms(frame, mask, background, edge, false), u_flipY: toCanvas },
        { width: frame.width, height: frame.height },
      );
      return out;
    },
    dispose(): void {
      deleteTarget(gl, target);
      target = null;
      programs.dispose();
    },
  };
}

export type CompositeStage = ReturnType<typeof createCompositeStage>;
