import {
  type Mat3,
  normalizeMatrix,
  type Vec3,
  type YuvConversion,
  yuvConversion,
} from './color-space';

/**
 * A frame as GL sees it, in the layout it arrived in, with no conversion pass: shaders sample it
 * through sampling.glsl's pictureRgb/pictureYuv. Textures are borrowed from the stage that uploaded
 * them and valid until its next upload.
 */
export interface Picture {
  textures: [WebGLTexture, WebGLTexture, WebGLTexture];
  /** 0 = one RGBA texture, 1 = I420 planes, 2 = NV12 planes (must match sampling.glsl). */
  layout: 0 | 1 | 2;
  swapRB: boolean;
  conversion: YuvConversion;
  width: number;
  height: number;
  /**
   * I420 frames of a packable size also come as Y, U, V planes in RGBA8 textures of a quarter the
   * width, four bytes per texel, for the I420 output passes (one texelFetch = four samples).
   */
  packed: [WebGLTexture, WebGLTexture, WebGLTexture] | null;
}

export function conversionOf(frame: VideoFrame): YuvConversion {
  return yuvConversion(
    normalizeMatrix(frame.colorSpace?.matrix),
    frame.colorSpace?.fullRange ?? false,
  );
}

/** Uniforms for the `u_frame*` block of sampling.glsl. */
export function frameUniforms(
  p: Picture,
): Record<string, WebGLTexture | number | boolean | Mat3 | Vec3> {
  return {
    u_frame0: p.textures[0],
    u_frame1: p.textures[1],
    u_frame2: p.textures[2],
    u_frameLayout: p.layout,
    u_frameSwapRB: p.swapRB,
    u_frameToRgb: p.conversion.toRgb,
    u_frameToYuv: p.conversion.toYuv,
    u_frameOffset: p.conversion.offset,
  };
}

/** Uniforms for the `u_bg*` picture block of compositing.glsl. */
export function backgroundUniforms(
  p: Picture,
): Record<string, WebGLTexture | number | boolean | Mat3 | Vec3> {
  return {
    u_bg0: p.textures[0],
    u_bg1: p.textures[1],
    u_bg2: p.textures[2],
    u_bgLayout: p.layout,
    u_bgSwapRB: p.swapRB,
    u_bgToRgb: p.conversion.toRgb,
    u_bgOffset: p.conversion.offset,
  };
}
