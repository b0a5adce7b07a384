/**
 * Per-frame taps on a track, in the page's own thread: each frame's region crops reach a callback
 * and the frame is closed at once, so that a tap never holds camera or pipeline frames.
 */

import { type Crops, cropFrame, type Region } from './crops';

export interface Tap {
  stop(): Promise<void>;
  readonly frames: number;
}

/** Reads every frame of `track` (its own MediaStreamTrackProcessor), crops `regions`, closes it. */
export function tapTrack(
  track: MediaStreamTrack,
  regions: Region[],
  onFrame: (timestamp: number, crops: Crops) => void,
): Tap {
  const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
  const reader = new Processor({ track, maxBufferSize: 30 }).readable.getReader();
  let frames = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const { value: frame, done } = await reader.read();
      if (done || !frame) return;
      try {
        if (regions.length === 0) {
          // Nothing to crop: a tap that only counts frames reads no pixels (their copy would
          // add its own cost to the arrival it reports).
          frames++;
          onFrame(frame.timestamp, new Map());
          continue;
        }
        const crops = await cropFrame(frame, regions);
        frames++;
        onFrame(frame.timestamp, crops);
      } finally {
        frame.close();
      }
    }
  })();
  return {
    get frames() {
      return frames;
    },
    async stop() {
      stopped = true;
      await reader.cancel().catch(() => undefined);
      await loop.catch(() => undefined);
    },
  };
}
