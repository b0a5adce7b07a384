import downscaleFrag from '../../shaders/downscale.frag.glsl?raw';
import {
  createPassProgram,
  createTarget,
  deleteTarget,
  drawPass,
  type RenderTarget,
  releaseProgram,
} from './gl-utils';
import { frameUniforms, type Picture } from './picture';

/** The part of the frame to shrink, in frame uv (x, y, w, h); the whole frame when omitted. */
export interface SourceRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Stage 2: the frame shrunk to the model's input size, in RGB. The model never sees the camera frame
 * itself: at 256x144 the readback is 147 KB instead of 3.7 MB and the segmenter skips its own resize.
 * The blur stage starts from the same small picture. Owns its target and ImageData.
 */
export function createDownscaleStage(gl: WebGL2RenderingContext, width: number, height: number) {
  const program = createPassProgram(gl, 'downscale', downscaleFrag);
  const target: RenderTarget = createTarget(gl, width, height);
  const image = new ImageData(width, height);

  return {
    width,
    height,
    target,
    render(frame: Picture, crop: SourceRect = { x: 0, y: 0, w: 1, h: 1 }): RenderTarget {
      drawPass(gl, program, target, {
        ...frameUniforms(frame),
        u_srcTexel: [1 / frame.width, 1 / frame.height],
        u_footprint: [(frame.width * crop.w) / width, (frame.height * crop.h) / height],
        u_crop: [crop.x, crop.y, crop.w, crop.h],
      });
      return target;
    },
    /** The last render() as ImageData for the segmenter; reused, valid until the next read(). */
    read(): ImageData {
      gl.bindFramebuffer(gl.FRAMEBUFFER, target.framebuffer);
      gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, image.data);
      return image;
    },
    dispose(): void {
      deleteTarget(gl, target);
      releaseProgram(gl, program);
    },
  };
}

export type DownscaleStage = ReturnType<typeof createDownscaleStage>;
