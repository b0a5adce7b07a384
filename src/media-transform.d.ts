// Chrome's breakout-box API (mediacapture-transform), not in TypeScript's DOM lib yet.
// Only what this project uses is declared.

interface MediaStreamTrackProcessorInit {
  track: MediaStreamTrack;
  /** Frames kept when the reader falls behind; older frames are dropped at the source. */
  maxBufferSize?: number;
}

interface MediaStreamTrackProcessor {
  readonly readable: ReadableStream<VideoFrame>;
}

declare var MediaStreamTrackProcessor:
  | {
      prototype: MediaStreamTrackProcessor;
      new (init: MediaStreamTrackProcessorInit): MediaStreamTrackProcessor;
    }
  | undefined;

interface MediaStreamTrackGenerator extends MediaStreamTrack {
  readonly writable: WritableStream<VideoFrame>;
}

declare var MediaStreamTrackGenerator:
  | {
      prototype: MediaStreamTrackGenerator;
      new (init: { kind: 'video' | 'audio' }): MediaStreamTrackGenerator;
    }
  | undefined;

interface HTMLMediaElement {
  captureStream(): MediaStream;
}
