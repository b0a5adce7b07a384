import { createTexture } from './gl-utils';
import { canPackI420 } from './output-stage';
import { conversionOf, type Picture } from './picture';

/** How a frame gets into GL. The cheaper one depends on the device (see README, "Frame paths"). */
export type InputPath = 'texture' | 'planes';

const PLANAR_FORMATS = new Set(['I420', 'I420A', 'NV12', 'RGBA', 'RGBX', 'BGRA', 'BGRX']);

export function canUploadPlanes(format: VideoPixelFormat | null): boolean {
  return format !== null && PLANAR_FORMATS.has(format);
}

/**
 * Stage 1: a VideoFrame into GL textures, as they are, by one of two paths:
 * - planes: frame.copyTo() into a reused buffer, then one texSubImage2D per plane (R8/RG8/RGBA8).
 *   On software GL this is ~100x cheaper than texImage2D(VideoFrame).
 * - texture: texImage2D(VideoFrame), which a real GPU can do without a copy.
 * Borrows the frame only during upload(); the caller keeps ownership and closes it.
 * Owns the textures and the copy buffer, released by dispose().
 */
export function createFrameInputStage(gl: WebGL2RenderingContext) {
  let planeKey = '';
  let planeTextures: WebGLTexture[] = [];
  let packedTextures: [WebGLTexture, WebGLTexture, WebGLTexture] | null = null;
  let frameTexture: WebGLTexture | null = null;
  let copyBuffer = new Uint8Array(0);
  let packedValid = false;

  function ensurePlanes(format: VideoPixelFormat, width: number, height: number): WebGLTexture[] {
    const key = `${format}:${width}x${height}`;
    if (planeKey === key) return planeTextures;
    for (const t of [...planeTextures, ...(packedTextures ?? [])]) gl.deleteTexture(t);
    packedTextures = null;
    const cw = Math.ceil(width / 2);
    const ch = Math.ceil(height / 2);
    if ((format === 'I420' || format === 'I420A') && canPackI420(width, height)) {
      packedTextures = [
        createTexture(gl, width / 4, height, gl.RGBA8, gl.NEAREST),
        createTexture(gl, cw / 4, ch, gl.RGBA8, gl.NEAREST),
        createTexture(gl, cw / 4, ch, gl.RGBA8, gl.NEAREST),
      ];
    }
    if (format === 'I420' || format === 'I420A') {
      planeTextures = [
        createTexture(gl, width, height, gl.R8),
        createTexture(gl, cw, ch, gl.R8),
        createTexture(gl, cw, ch, gl.R8),
      ];
    } else if (format === 'NV12') {
      planeTextures = [createTexture(gl, width, height, gl.R8), createTexture(gl, cw, ch, gl.RG8)];
    } else {
      planeTextures = [createTexture(gl, width, height, gl.RGBA8)];
    }
    planeKey = key;
    return planeTextures;
  }

  async function uploadPlanes(
    frame: VideoFrame,
    width: number,
    height: number,
  ): Promise<WebGLTexture[]> {
    const format = frame.format as VideoPixelFormat;
    const size = frame.allocationSize();
    if (copyBuffer.byteLength < size) copyBuffer = new Uint8Array(size);
    const layouts = await frame.copyTo(copyBuffer);
    const textures = ensurePlanes(format, width, height);
    const cw = Math.ceil(width / 2);
    const ch = Math.ceil(height / 2);
    // [width, height, GL format, bytes per texel] per plane, in copyTo's plane order.
    const specs: Array<[number, number, number, number]> =
      format === 'I420' || format === 'I420A'
        ? [
            [width, height, gl.RED, 1],
            [cw, ch, gl.RED, 1],
            [cw, ch, gl.RED, 1],
          ]
        : format === 'NV12'
          ? [
              [width, height, gl.RED, 1],
              [cw, ch, gl.RG, 2],
            ]
          : [[width, height, gl.RGBA, 4]];
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    specs.forEach(([w, h, glFormat, bytesPerTexel], i) => {
      const layout = layouts[i];
      if (!layout) throw new Error(`copyTo returned no layout for plane ${i}`);
      gl.bindTexture(gl.TEXTURE_2D, textures[i] ?? null);
      gl.pixelStorei(gl.UNPACK_ROW_LENGTH, layout.stride / bytesPerTexel);
      gl.texSubImage2D(
        gl.TEXTURE_2D,
        0,
        0,
        0,
        w,
        h,
        glFormat,
        gl.UNSIGNED_BYTE,
        copyBuffer,
        layout.offset,
      );
    });
    const packed = packedTextures;
    if (packed && layouts.slice(0, 3).every((l) => l.stride % 4 === 0)) {
      packed.forEach((texture, i) => {
        const [w, h] = specs[i] ?? [0, 0];
        const layout = layouts[i] as PlaneLayout;
        gl.bindTexture(gl.TEXTURE_2D, texture);
        gl.pixelStorei(gl.UNPACK_ROW_LENGTH, layout.stride / 4);
        gl.texSubImage2D(
          gl.TEXTURE_2D,
          0,
          0,
          0,
          w / 4,
          h,
          gl.RGBA,
          gl.UNSIGNED_BYTE,
          copyBuffer,
          layout.offset,
        );
      });
      packedValid = true;
    } else {
      packedValid = false;
    }
    gl.pixelStorei(gl.UNPACK_ROW_LENGTH, 0);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 4);
    return textures;
  }

  function uploadTexture(frame: VideoFrame): WebGLTexture {
    if (!frameTexture) {
      frameTexture = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, frameTexture);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    }
    gl.bindTexture(gl.TEXTURE_2D, frameTexture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, frame);
    return frameTexture as WebGLTexture;
  }

  return {
    /** Uploads `frame` by `path` (planes only for formats canUploadPlanes accepts). */
    async upload(frame: VideoFrame, path: InputPath): Promise<Picture> {
      const width = frame.visibleRect?.width ?? frame.displayWidth;
      const height = frame.visibleRect?.height ?? frame.displayHeight;
      const format = frame.format;
      const usePlanes = path === 'planes' && canUploadPlanes(format);
      packedValid = false;
      const textures = usePlanes
        ? await uploadPlanes(frame, width, height)
        : [uploadTexture(frame)];
      const t0 = textures[0] as WebGLTexture;
      return {
        textures: [t0, textures[1] ?? t0, textures[2] ?? t0],
        layout: textures.length === 1 ? 0 : format === 'NV12' ? 2 : 1,
        swapRB: usePlanes && (format === 'BGRA' || format === 'BGRX'),
        conversion: conversionOf(frame),
        width,
        height,
        packed: packedValid ? packedTextures : null,
      };
    },
    dispose(): void {
      for (const t of [...planeTextures, ...(packedTextures ?? [])]) gl.deleteTexture(t);
      planeTextures = [];
      packedTextures = null;
      planeKey = '';
      gl.deleteTexture(frameTexture);
      frameTexture = null;
      copyBuffer = new Uint8Array(0);
    },
  };
}

export type FrameInputStage = ReturnType<typeof createFrameInputStage>;
