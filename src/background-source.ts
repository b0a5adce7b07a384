import { VirtualBackgroundError } from './errors';
import { DEFAULT_BLUR_RADIUS, parseCssColor } from './options';
import type { BackgroundPayload } from './protocol';
import type { Background } from './types';

/** Main-thread resources behind a payload (the video element of a video background). */
export interface PreparedBackground {
  payload: BackgroundPayload;
  dispose(): void;
}

/**
 * The longest side a background picture is kept at: the common floor of WebGL2's
 * MAX_TEXTURE_SIZE, and more than a 4K output shows. A larger picture is scaled down on decode.
 */
export const MAX_BACKGROUND_SIDE = 4096;
/**
 * Pictures above this many pixels are refused: decoding one takes width x height x 4 bytes before
 * it can be scaled (a 20000x20000 PNG: 1.6 GB), enough to take the tab down.
 */
export const MAX_BACKGROUND_PIXELS = 100_000_000;

/** The size a picture of `width`x`height` is kept at: within MAX_BACKGROUND_SIDE, aspect kept. */
export function backgroundSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_BACKGROUND_SIDE / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** A picture's size from its header: an <img> knows it on load, before its pixels are decoded. */
async function pictureSize(blob: Blob): Promise<{ width: number; height: number }> {
  const url = URL.createObjectURL(blob);
  try {
    const img = new Image();
    img.src = url;
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('not a picture the browser can decode'));
    });
    return { width: img.naturalWidth, height: img.naturalHeight };
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function loadImage(source: string | Blob | ImageBitmap): Promise<ImageBitmap> {
  const what = typeof source === 'string' ? `background image ${source}` : 'background image';
  let size: { width: number; height: number };
  let decodable: Blob | ImageBitmap;
  try {
    if (source instanceof ImageBitmap) {
      size = { width: source.width, height: source.height };
      decodable = source;
    } else {
      const blob =
        typeof source === 'string'
          ? await fetch(new URL(source, location.href)).then((r) => {
              if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
              return r.blob();
            })
          : source;
      size = typeof Image === 'undefined' ? { width: 0, height: 0 } : await pictureSize(blob);
      decodable = blob;
    }
  } catch (cause) {
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `${what} could not be loaded or decoded: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  if (size.width * size.height > MAX_BACKGROUND_PIXELS) {
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `${what} is ${size.width}x${size.height}: more than ${MAX_BACKGROUND_PIXELS / 1e6} megapixels; scale it down first`,
    );
  }
  const kept = size.width > 0 ? backgroundSize(size.width, size.height) : null;
  try {
    // Always a new bitmap: transferring it to the worker leaves the caller's own one usable.
    return kept && (kept.width !== size.width || kept.height !== size.height)
      ? await createImageBitmap(decodable, {
          resizeWidth: kept.width,
          resizeHeight: kept.height,
          resizeQuality: 'high',
        })
      : await createImageBitmap(decodable);
  } catch (cause) {
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `${what} could not be decoded: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/**
 * A looping muted <video>; its frames reach the worker through a MediaStreamTrackProcessor on
 * captureStream(), so decoding stays in the media pipeline and nothing per frame runs here.
 */
async function loadVideo(source: string | Blob): Promise<PreparedBackground> {
  if (typeof MediaStreamTrackProcessor === 'undefined') {
    throw new VirtualBackgroundError(
      'unsupported-browser',
      'video backgrounds need MediaStreamTrackProcessor',
    );
  }
  const video = document.createElement('video');
  const objectUrl = typeof source === 'string' ? null : URL.createObjectURL(source);
  video.muted = true;
  video.loop = true;
  video.playsInline = true;
  video.crossOrigin = 'anonymous';
  video.src = objectUrl ?? new URL(source as string, location.href).href;
  let track: MediaStreamTrack | undefined;
  const dispose = () => {
    video.pause();
    track?.stop();
    video.removeAttribute('src');
    video.load();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
  };
  try {
    await video.play();
    track = video.captureStream().getVideoTracks()[0];
    if (!track) throw new Error('the video has no video track');
    const processor = new MediaStreamTrackProcessor({ track, maxBufferSize: 1 });
    return { payload: { kind: 'video', frames: processor.readable }, dispose };
  } catch (cause) {
    dispose();
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `background video could not be played: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** Turns an API Background into what the worker needs: parsed, decoded, transferable. */
export async function prepareBackground(background: Background): Promise<PreparedBackground> {
  const none = () => undefined;
  switch (background.kind) {
    case 'none':
      return { payload: { kind: 'none' }, dispose: none };
    case 'blur':
      return {
        payload: { kind: 'blur', radius: background.radius ?? DEFAULT_BLUR_RADIUS },
        dispose: none,
      };
    case 'color': {
      const [r, g, b, a] = parseCssColor(background.color);
      return { payload: { kind: 'color', rgba: [r, g, b, a] }, dispose: none };
    }
    case 'image':
      return {
        payload: { kind: 'image', bitmap: await loadImage(background.source) },
        dispose: none,
      };
    case 'video':
      return loadVideo(background.source);
  }
}
