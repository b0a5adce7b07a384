import downscaleFrag from '../../shaders/downscale.frag.glsl?raw';
import {
  createPassProgram,
  createTarget,
  deleteTarget,
  drawPass,
  type RenderTarget,
} from './gl-utils';
import { frameUniforms, type Picture } from './picture';

/**
 * Stage 2: the full-resolution frame shrunk to the model's input size and read back as ImageData.
 * The model never sees the camera frame itself: at 256x144 the readback is 147 KB instead of 3.7 MB,
 * and the segmenter skips its own resize. The returned ImageData is reused: valid until the next call.
 */
export function createDownscaleStage(gl: WebGL2RenderingContext, width: number, height: number) {
  const program = createPassProgram(gl, 'downscale', downscaleFrag);
  const target: RenderTarget = createTarget(gl, width, height);
  const image = new ImageData(width, height);

  return {
    width,
    height,
    render(frame: Picture): ImageData {
      drawPass(gl, program, target, {
        ...frameUniforms(frame),
        u_srcTexel: [1 / frame.width, 1 / frame.height],
        u_footprint: [frame.width / width, frame.height / height],
      });
      gl.bindFramebuffer(gl.FRAMEBUFFER, target.framebuffer);
      gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, image.data);
      return image;
    },
    dispose(): void {
      deleteTarget(gl, target);
      gl.deleteProgram(program.program);
    },
  };
}

export type DownscaleStage = ReturnType<typeof createDownscaleStage>;
