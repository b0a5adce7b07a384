/**
 * Per-frame taps on a track, in the page's own thread: each frame's region crops reach a callback
 * and the frame is closed at once, so that a tap never holds camera or pipeline frames.
 */

import { type Crops, cropFrame, type Region } from './crops';

export interface Tap {
  stop(): Promise<void>;
  readonly frames: number;
}

/**
 * Reads every frame of `track` with its own MediaStreamTrackProcessor, hands it to `onFrame` and
 * closes it after; `stop()` cancels the reader and waits for the loop.
 */
export function readEveryFrame(
  track: MediaStreamTrack,
  onFrame: (frame: VideoFrame) => void | Promise<void>,
  maxBufferSize?: number,
): () => Promise<void> {
  const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
  const reader = new Processor(
    maxBufferSize ? { track, maxBufferSize } : { track },
  ).readable.getReader();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { value: frame, done } = await reader.read();
      if (done || !frame) return;
      try {
        await onFrame(frame);
      } finally {
        frame.close();
      }
    }
  })();
  return async () => {
    stopped = true;
    await reader.cancel().catch(() => undefined);
    await loop.catch(() => undefined);
  };
}

/** Reads every frame of `track` (its own MediaStreamTrackProcessor), crops `regions`, closes it. */
export function tapTrack(
  track: MediaStreamTrack,
  regions: Region[],
  onFrame: (timestamp: number, crops: Crops) => void,
): Tap {
  let frames = 0;
  const stop = readEveryFrame(
    track,
    async (frame) => {
      if (regions.length === 0) {
        // Nothing to crop: a tap that only counts frames reads no pixels (their copy would
        // add its own cost to the arrival it reports).
        frames++;
        onFrame(frame.timestamp, new Map());
        return;
      }
      const crops = await cropFrame(frame, regions);
      frames++;
      onFrame(frame.timestamp, crops);
    },
    30,
  );
  return {
    get frames() {
      return frames;
    },
    stop,
  };
}
