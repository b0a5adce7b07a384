import { VirtualBackgroundError } from './errors';
import { DEFAULT_BLUR_RADIUS, parseCssColor } from './options';
import type { BackgroundPayload } from './protocol';
import type { Background } from './types';

/** Main-thread resources behind a payload (the video element of a video background). */
export interface PreparedBackground {
  payload: BackgroundPayload;
  dispose(): void;
}

async function loadImage(source: string | Blob | ImageBitmap): Promise<ImageBitmap> {
  try {
    if (source instanceof ImageBitmap) {
      // Copy, so transferring to the worker leaves the caller's bitmap usable.
      return await createImageBitmap(source);
    }
    const blob =
      typeof source === 'string'
        ? await fetch(new URL(source, location.href)).then((r) => {
            if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
            return r.blob();
          })
        : source;
    return await createImageBitmap(blob);
  } catch (cause) {
    const what =
      typeof source === 'string' ? `background image ${source}` : 'background image (Blob)';
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `${what} could not be loaded or decoded: ${cause instanceof Error ? cause.message : String(cause)}`,
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
