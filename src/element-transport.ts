import { VirtualBackgroundError } from './errors';
import type { FromWorker, ToWorker } from './protocol';

/**
 * Fallback I/O for browsers without MediaStreamTrackGenerator (Firefox): a <video> plays the camera
 * track, requestVideoFrameCallback hands each new frame to the worker as a VideoFrame (transferred,
 * not copied), and the worker draws its output into a canvas whose captureStream() is the output
 * track. One frame in flight at most: a frame that arrives while the worker is busy is skipped,
 * so latency cannot build up. This is the only path with per-frame main-thread work (one
 * VideoFrame construction per frame).
 */
export interface ElementTransport {
  /** Transfer to the worker; it becomes the pipeline's GL canvas. */
  readonly canvas: OffscreenCanvas;
  readonly output: MediaStreamTrack;
  /** Starts feeding frames to `worker` once it is ready. */
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
    'transferControlToOffscreen' in HTMLCanvasElement.prototype &&
    'captureStream' in HTMLCanvasElement.prototype &&
    typeof VideoFrame !== 'undefined'
  );
}

export async function createElementTransport(
  track: MediaStreamTrack,
  frameRate: number,
): Promise<ElementTransport> {
  const settings = track.getSettings();
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([track]);
  try {
    await video.play();
  } catch (cause) {
    throw new VirtualBackgroundError(
      'invalid-track',
      `the camera track cannot be played: ${String(cause)}`,
      {
        cause,
      },
    );
  }
  const element = document.createElement('canvas');
  element.width = settings.width ?? video.videoWidth;
  element.height = settings.height ?? video.videoHeight;
  const output = element.captureStream(frameRate).getVideoTracks()[0];
  if (!output)
    throw new VirtualBackgroundError('unsupported-browser', 'canvas.captureStream() gave no track');
  const canvas = element.transferControlToOffscreen();
  let worker: Worker | null = null;
  let inFlight = false;
  let callback = 0;
  let disposed = false;

  const onWorkerMessage = (event: MessageEvent<FromWorker>) => {
    if (event.data.type === 'frame-done') inFlight = false;
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
    canvas,
    output,
    async setInput(next: MediaStreamTrack): Promise<void> {
      video.srcObject = new MediaStream([next]);
      try {
        await video.play();
      } catch (cause) {
        throw new VirtualBackgroundError(
          'invalid-track',
          `the camera track cannot be played: ${String(cause)}`,
          { cause },
        );
      }
      // A new source may have stopped the callbacks of the old one.
      if (!disposed && worker) {
        video.cancelVideoFrameCallback(callback);
        callback = video.requestVideoFrameCallback(onFrame);
      }
    },
    attach(w: Worker): void {
      worker = w;
      w.addEventListener('message', onWorkerMessage);
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
