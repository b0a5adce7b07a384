import { VirtualBackgroundError } from '../errors';
import { yuvConversion } from '../gl/color-space';
import type { CompositeBackground } from '../gl/composite-stage';
import { createFrameInputStage, type FrameInputStage } from '../gl/frame-input-stage';
import type { BackgroundPayload } from '../protocol';
import type { FrameLedger } from './frame-ledger';

/**
 * A background as the worker holds it: GL resources plus, for video, a reader that keeps only the
 * newest decoded frame. Created when update() asks for it, disposed when replaced or on stop.
 */
export interface ActiveBackground {
  readonly kind: BackgroundPayload['kind'];
  /** What the compositor draws behind the person, brought up to date for this output frame. */
  prepare(): Promise<CompositeBackground | null>;
  dispose(): void;
}

export function imageBackground(gl: WebGL2RenderingContext, bitmap: ImageBitmap): ActiveBackground {
  const texture = gl.createTexture();
  if (!texture)
    throw new VirtualBackgroundError('gl-error', 'createTexture failed for the image background');
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  // Uploaded once; the bitmap is not needed after this.
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
  const { width, height } = bitmap;
  bitmap.close();
  const background: CompositeBackground = {
    kind: 'picture',
    picture: {
      textures: [texture, texture, texture],
      layout: 0,
      swapRB: false,
      conversion: yuvConversion(), // unused for an RGBA picture
      width,
      height,
      packed: null,
    },
  };
  return {
    kind: 'image',
    prepare: async () => background,
    dispose: () => gl.deleteTexture(texture),
  };
}

/**
 * A looping video: its frames arrive on a ReadableStream (a MediaStreamTrackProcessor over the
 * video element's captureStream(), on the main thread). Only the newest frame is kept; it is
 * uploaded when the next output frame is drawn and closed right after; a video slower than
 * the camera repeats its last frame.
 * Resolves once the first frame is in GL, so a switch never shows an empty background.
 */
export async function videoBackground(
  gl: WebGL2RenderingContext,
  frames: ReadableStream<VideoFrame>,
  ledger: FrameLedger,
  onError: (error: unknown) => void,
  firstFrameTimeoutMs = 5000,
): Promise<ActiveBackground> {
  const stage: FrameInputStage = createFrameInputStage(gl);
  const reader = frames.getReader();
  let pending: VideoFrame | null = null;
  let current: CompositeBackground | null = null;
  let disposed = false;
  let firstFrame: (() => void) | null = null;

  const pump = async (): Promise<void> => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        ledger.adopt(value);
        if (disposed) {
          ledger.close(value);
          return;
        }
        if (pending) ledger.close(pending);
        pending = value;
        firstFrame?.();
      }
    } catch (error) {
      if (!disposed) onError(error);
    }
  };
  void pump();

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new VirtualBackgroundError(
          'asset-load-failed',
          `background video gave no frame in ${firstFrameTimeoutMs} ms`,
        ),
      );
    }, firstFrameTimeoutMs);
    firstFrame = () => {
      clearTimeout(timer);
      firstFrame = null;
      resolve();
    };
    if (pending) firstFrame();
  }).catch((error: unknown) => {
    disposed = true;
    void reader.cancel().catch(() => undefined);
    stage.dispose();
    throw error;
  });

  const upload = async (): Promise<void> => {
    const frame = pending;
    if (!frame) return;
    pending = null;
    try {
      // The planes are copied into the stage's textures; the frame can go right after.
      current = { kind: 'picture', picture: await stage.upload(frame, 'planes') };
    } finally {
      ledger.close(frame);
    }
  };
  await upload();

  return {
    kind: 'video',
    async prepare(): Promise<CompositeBackground | null> {
      await upload();
      return current;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      if (pending) {
        ledger.close(pending);
        pending = null;
      }
      void reader.cancel().catch(() => undefined);
      stage.dispose();
    },
  };
}
