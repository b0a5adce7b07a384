/**
 * In-page side of the benchmark's comparison with @livekit/track-processors: its background blur
 * driven the way livekit-client drives a processor (init with the camera track and a <video>
 * playing it), measured by the same code as ours (measureOutput in harness.ts). Kept out of
 * harness.ts so that the tests, which all import harness.ts, do not load livekit.
 */
import { BackgroundProcessor } from '@livekit/track-processors';
import type { ProcessorOptions, Track } from 'livekit-client';
import {
  camera,
  type ExternalMeasurement,
  measureOutput,
  type OutputMeasurementOptions,
} from './harness';

export interface LivekitOptions {
  /** Overrides the GPU delegate livekit hard-wires; absent = livekit's own default. */
  delegate?: 'CPU' | 'GPU';
  /** livekit's default (10) when absent. */
  blurRadius?: number;
  /** Served URLs, so that nothing is fetched from livekit's CDN defaults. */
  assets: { tasksVisionFileSet: string; modelAssetPath: string };
}

export interface LivekitResult {
  /** Time init() took: wasm and model load, GL set-up. */
  startMs: number;
  longTasks: number[];
  stalls: number[];
  videoFps: number;
  external: ExternalMeasurement;
  /** From onFrameProcessed, over the frames processed during the measurement. */
  segmentMs: number[];
  filterMs: number[];
  /** Console errors livekit's logger printed (it logs failures instead of throwing them). */
  errors: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Blurs the fake camera with livekit's BackgroundProcessor for `seconds` and measures its output. */
export async function measureLivekit(
  seconds: number,
  options: LivekitOptions,
  measure: Omit<OutputMeasurementOptions, 'external' | 'onStart' | 'onEnd'> = {},
): Promise<LivekitResult> {
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    errors.push(args.map(String).join(' '));
    consoleError.apply(console, args);
  };
  const cam = await camera();
  // livekit-client hands a processor the <video> that plays the camera: the transformer sizes
  // itself by it and waits for its first frame callback.
  const element = document.createElement('video');
  element.muted = true;
  element.playsInline = true;
  element.srcObject = new MediaStream([cam]);
  document.body.append(element);
  await element.play();
  const segmentMs: number[] = [];
  const filterMs: number[] = [];
  let recording = false;
  // BackgroundBlur(radius, segmenterOptions, onFrameProcessed, processorOptions) is the deprecated
  // spelling of this call; its typing has no room for assetPaths, which it passes on all the same.
  const processor = BackgroundProcessor(
    {
      mode: 'background-blur',
      ...(options.blurRadius !== undefined ? { blurRadius: options.blurRadius } : {}),
      ...(options.delegate ? { segmenterOptions: { delegate: options.delegate } } : {}),
      assetPaths: options.assets,
      onFrameProcessed: (s) => {
        if (!recording) return;
        segmentMs.push(s.segmentationTimeMs);
        filterMs.push(s.filterTimeMs);
      },
    },
    'background-blur',
  );
  try {
    const t0 = performance.now();
    // `kind` is a livekit-client enum; importing it for its value would load livekit-client's
    // whole runtime here just to spell 'video'.
    const init: ProcessorOptions<Track.Kind> = {
      kind: 'video' as Track.Kind.Video,
      track: cam,
      element,
    };
    await processor.init(init);
    const startMs = performance.now() - t0;
    const out = processor.processedTrack;
    if (!out) throw new Error('livekit processor has no processedTrack after init()');
    await sleep(measure.settleMs ?? 1500); // the same settling time ours gets
    const m = await measureOutput(cam, out, seconds, {
      ...measure,
      external: true,
      onStart: () => {
        recording = true;
      },
      onEnd: () => {
        recording = false;
      },
    });
    if (!m.external) throw new Error('no external measurement');
    return {
      startMs,
      longTasks: m.longTasks,
      stalls: m.stalls ?? [],
      videoFps: m.videoFps,
      external: m.external,
      segmentMs,
      filterMs,
      errors,
    };
  } finally {
    await processor.destroy();
    element.srcObject = null;
    element.remove();
    cam.stop();
    console.error = consoleError;
  }
}
