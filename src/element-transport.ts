import { VirtualBackgroundError } from './errors';
import type { FromWorker, ToWorker } from './protocol';

/**
 * Fallback I/O for browsers without MediaStreamTrackGenerator (Firefox): a <video> plays the camera
 * track, requestVideoFrameCallback hands each new frame to the worker as a VideoFrame (transferred,
 * not copied), and the worker sends each output picture back as an ImageBitmap (transferred),
 * shown in a canvas here through its 'bitmaprenderer' context (no copy) whose captureStream() is
 * the output track. Not a canvas transferred to the worker: Firefox refuses captureStream() on a
 * canvas whose control went to a worker ("Capture stream not supported when OffscreenCanvas
 * transferred to worker", Firefox 153), and a canvas kept here outlives the pipeline worker, so a
 * restarted worker draws into the same output track. One frame in flight at most: a frame that
 * arrives while the worker is busy is skipped, so latency cannot build up. This is the only path
 * with per-frame main-thread work (a VideoFrame made and a bitmap shown per frame).
 */
export interface ElementTransport {
  readonly output: MediaStreamTrack;
  /** Starts feeding frames to `worker` once it is ready (again with a restarted one). */
  attach(worker: Worker): void;
  /** Plays another camera track into the same output (the worker follows a change of size). */
  setInput(track: MediaStreamTrack): Promise<void>;
  dispose(): void;
}

export function elementTransportSupported(): boolean {
  return (
    typeof HTMLVideoElement !== 'undefined' &&
    'requestVideoFrameCallback' in HTMLVideoElement.prototype &&
    typeof HTMLCanvasElement !== 'undefined' &&
    typeof ImageBitmapRenderingContext !== 'undefined' &&
    'captureStream' in HTMLCanvasElement.prototype &&
    typeof VideoFrame !== 'undefined'
  );
}

/** Plays `track` in `video`; a track that cannot be played is `invalid-track`. */
async function play(video: HTMLVideoElement, track: MediaStreamTrack): Promise<void> {
  video.srcObject = new MediaStream([track]);
  try {
    await video.play();
  } catch (cause) {
    throw new VirtualBackgroundError(
      'invalid-track',
      `the camera track cannot be played: ${String(cause)}`,
      { cause },
    );
  }
}

export async function createElementTransport(
  track: MediaStreamTrack,
  frameRate: number,
): Promise<ElementTransport> {
  const settings = track.getSettings();
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  await play(video, track);
  const element = document.createElement('canvas');
  element.width = settings.width ?? video.videoWidth;
  element.height = settings.height ?? video.videoHeight;
  const renderer = element.getContext('bitmaprenderer');
  if (!renderer) {
    throw new VirtualBackgroundError('unsupported-browser', "no 'bitmaprenderer' canvas context");
  }
  const output = element.captureStream(frameRate).getVideoTracks()[0];
  if (!output)
    throw new VirtualBackgroundError('unsupported-browser', 'canvas.captureStream() gave no track');
  let worker: Worker | null = null;
  let inFlight = false;
  let callback = 0;
  let disposed = false;

  const onWorkerMessage = (event: MessageEvent<FromWorker>) => {
    if (event.data.type !== 'frame-done') return;
    inFlight = false;
    const bitmap = event.data.bitmap;
    if (!bitmap) return;
    if (disposed) {
      bitmap.close();
      return;
    }
    if (element.width !== bitmap.width || element.height !== bitmap.height) {
      element.width = bitmap.width;
      element.height = bitmap.height;
    }
    // Takes the bitmap over (no copy); the captured track sees a new frame.
    renderer.transferFromImageBitmap(bitmap);
  };
  const onFrame = (_now: number, metadata: VideoFrameCallbackMetadata) => {
    if (disposed) return;
    if (worker && !inFlight) {
      const frame = new VideoFrame(video, { timestamp: Math.round(metadata.mediaTime * 1e6) });
      inFlight = true;
      worker.postMessage({ type: 'frame', frame } satisfies ToWorker, [frame]);
    }
    callback = video.requestVideoFrameCallback(onFrame);
  };

  return {
    output,
    async setInput(next: MediaStreamTrack): Promise<void> {
      await play(video, next);
      // A new source may have stopped the callbacks of the old one.
      if (!disposed && worker) {
        video.cancelVideoFrameCallback(callback);
        callback = video.requestVideoFrameCallback(onFrame);
      }
    },
    attach(w: Worker): void {
      worker?.removeEventListener('message', onWorkerMessage);
      worker = w;
      // A frame sent to a worker that died never comes back as done.
      inFlight = false;
      w.addEventListener('message', onWorkerMessage);
      video.cancelVideoFrameCallback(callback);
      callback = video.requestVideoFrameCallback(onFrame);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      video.cancelVideoFrameCallback(callback);
      worker?.removeEventListener('message', onWorkerMessage);
      video.pause();
      video.srcObject = null;
      output.stop();
    },
  };
}
