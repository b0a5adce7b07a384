import type * as twgl from 'twgl.js';
import packChromaFrag from '../../shaders/pack-chroma.frag.glsl?raw';
import packLumaFrag from '../../shaders/pack-luma.frag.glsl?raw';
import {
  backgroundKindDefine,
  type CompositeBackground,
  type CompositeStage,
  compositingUniforms,
} from './composite-stage';
import {
  createProgramVariants,
  deleteTarget,
  drawPass,
  ensureTarget,
  type RenderTarget,
} from './gl-utils';
import type { Picture } from './picture';

/** The I420 packing passes need whole texels of four bytes for every plane row pair. */
export function canPackI420(width: number, height: number): boolean {
  return width % 8 === 0 && height % 4 === 0;
}

function colorSpaceOf(frame: Picture): VideoColorSpaceInit {
  const m = frame.conversion.matrix;
  return {
    // TypeScript's lib lacks 'bt2020-ncl' and 'bt2020', which Chrome accepts.
    matrix: m as VideoMatrixCoefficients,
    primaries: (m === 'bt709'
      ? 'bt709'
      : m === 'bt2020-ncl'
        ? 'bt2020'
        : 'smpte170m') as VideoColorPrimaries,
    transfer: m === 'bt709' ? 'bt709' : 'smpte170m',
    fullRange: frame.conversion.fullRange,
  };
}

/**
 * Stage 6 (readback path): composites straight into I420 bytes and reads them back into a reused
 * buffer, then wraps them in a new VideoFrame (which copies). Compositing in YCbCr means the
 * full-resolution work is one pass over 1.5 bytes per pixel, and the encoder downstream gets the
 * I420 it wants. Sizes the packing cannot handle go through the RGB compositor and an RGBA readback.
 * Owns the pack target and the buffer; the VideoFrame returned belongs to the caller.
 */
/**
 * What an output frame copies from its camera frame. The display size matters where it differs
 * from the pixels: Chrome scales a camera constrained to 640x360 lazily, handing over 1280x720
 * pixels to be shown at 640x360 (and a portrait constraint as a 406x720 visible rect shown at
 * 360x640); the output is drawn from those pixels and shown at the size the app asked for.
 */
export interface OutputTiming {
  timestamp: number;
  duration: number | null;
  displayWidth: number;
  displayHeight: number;
}

export function createOutputStage(gl: WebGL2RenderingContext, rgbCompositor: CompositeStage) {
  const luma = createProgramVariants(gl, 'pack-luma', packLumaFrag);
  const chroma = createProgramVariants(gl, 'pack-chroma', packChromaFrag);
  let target: RenderTarget | null = null;
  let buffer = new Uint8Array(0);

  return {
    render(
      frame: Picture,
      mask: WebGLTexture,
      background: CompositeBackground,
      edge: [number, number],
      maskWidth: number,
      timing: OutputTiming,
    ): VideoFrame {
      const { width, height } = frame;
      const i420 = frame.packed !== null && canPackI420(width, height);
      const bytes = i420 ? (width * height * 3) / 2 : width * height * 4;
      if (buffer.byteLength !== bytes) buffer = new Uint8Array(bytes);
      if (i420) {
        const tw = width / 4;
        const th = (height * 3) / 2;
        const packed = ensureTarget(gl, target, tw, th, 'rgba8', gl.NEAREST);
        target = packed;
        const [packedY, packedU, packedV] = frame.packed as [
          WebGLTexture,
          WebGLTexture,
          WebGLTexture,
        ];
        const uniforms = {
          ...compositingUniforms(frame, mask, background, edge, true),
          u_size: [width, height],
        };
        const defines = {
          BG_KIND: backgroundKindDefine(background),
          MASK_TAPS: maskTaps(maskWidth, width),
        };
        const pass = (
          program: twgl.ProgramInfo,
          passUniforms: Record<string, unknown>,
          y: number,
          h: number,
        ) => drawPass(gl, program, packed, passUniforms, undefined, { y, height: h });
        pass(luma.get(defines), { ...uniforms, u_lumaPacked: packedY }, 0, height);
        const q = height / 4;
        const chromaProgram = chroma.get(defines);
        pass(
          chromaProgram,
          { ...uniforms, u_chromaPacked: packedU, u_rowStart: height, u_channel: 1 },
          height,
          q,
        );
        pass(
          chromaProgram,
          { ...uniforms, u_chromaPacked: packedV, u_rowStart: height + q, u_channel: 2 },
          height + q,
          q,
        );
        gl.readPixels(0, 0, tw, th, gl.RGBA, gl.UNSIGNED_BYTE, buffer);
      } else {
        const picture = rgbCompositor.render(frame, mask, background, edge, false) as RenderTarget;
        gl.bindFramebuffer(gl.FRAMEBUFFER, picture.framebuffer);
        gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, buffer);
      }
      const init: VideoFrameBufferInit = {
        format: i420 ? 'I420' : 'RGBA',
        codedWidth: width,
        codedHeight: height,
        timestamp: timing.timestamp,
        colorSpace: i420
          ? colorSpaceOf(frame)
          : { matrix: 'rgb', primaries: 'bt709', transfer: 'iec61966-2-1', fullRange: true },
      };
      if (timing.duration !== null) init.duration = timing.duration;
      if (timing.displayWidth !== width || timing.displayHeight !== height) {
        init.displayWidth = timing.displayWidth;
        init.displayHeight = timing.displayHeight;
      }
      return new VideoFrame(buffer, init);
    },
    /**
     * Builds the programs render() would use for these settings and draws one row with each, so a
     * level switch does not pay shader compiles (slow on software GL) on the frame it takes over.
     */
    prepare(
      frame: Picture,
      mask: WebGLTexture,
      background: CompositeBackground,
      edge: [number, number],
      maskWidth: number,
    ): void {
      const { width, height } = frame;
      if (frame.packed === null || !canPackI420(width, height)) return;
      const packed = ensureTarget(gl, target, width / 4, (height * 3) / 2, 'rgba8', gl.NEAREST);
      target = packed;
      const [packedY, packedU] = frame.packed as [WebGLTexture, WebGLTexture, WebGLTexture];
      const uniforms = {
        ...compositingUniforms(frame, mask, background, edge, true),
        u_size: [width, height],
      };
      const defines = {
        BG_KIND: backgroundKindDefine(background),
        MASK_TAPS: maskTaps(maskWidth, width),
      };
      drawPass(gl, luma.get(defines), packed, { ...uniforms, u_lumaPacked: packedY }, undefined, {
        y: 0,
        height: 1,
      });
      drawPass(
        gl,
        chroma.get(defines),
        packed,
        { ...uniforms, u_chromaPacked: packedU, u_rowStart: height, u_channel: 1 },
        undefined,
        { y: height, height: 1 },
      );
    },
    dispose(): void {
      deleteTarget(gl, target);
      target = null;
      luma.dispose();
      chroma.dispose();
      buffer = new Uint8Array(0);
    },
  };
}

export type OutputStage = ReturnType<typeof createOutputStage>;

/** Mask taps per four output pixels (packing.glsl): two where a mask texel spans four pixels or more. */
function maskTaps(maskWidth: number, width: number): 2 | 4 {
  return maskWidth * 4 <= width ? 2 : 4;
}
