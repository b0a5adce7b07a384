/**
 * In-page side of `npm run eval`: plays clips with true masks as a camera at a fixed frame rate
 * (clips.ts), runs one processor on them (ours at a level, or a peer: peers.ts), all replacing the
 * background with pure green, and scores every output frame it gets back against the true mask of
 * the frame it was made from (scorer.ts; the clip position is in the timestamp). Scoring is from
 * the output pixels only (score.ts). Loaded by the eval runner into the test page.
 */
import { createVirtualBackground, type ProcessorStats, type Quality } from '../src/index';
import {
  buildScenario,
  loadClips,
  loadManifest,
  type Position,
  Schedule,
  scenarioClips,
  sleep,
  videoFrame,
  WARMUP_FRAMES,
} from './clips';
import { runTwilio, startLivekit } from './peers';
import { type FrameRecord, Scorer } from './scorer';

export type { FrameRecord } from './scorer';

export type ProcessorName = 'ours' | 'livekit' | 'twilio';
/**
 * moving: clips that move; portraits: stills held, with hard cuts; shapes: a flag beside the person
 * and a card held in front of her, for floating chunks, holes and halo.
 */
export type ScenarioName = 'moving' | 'portraits' | 'shapes';

export interface EvalRequest {
  processor: ProcessorName;
  quality?: Quality;
  scenario: ScenarioName;
  /**
   * Times the clips are played (portraits: each held this many times 20 frames; shapes: the loop
   * played this many times over, with no cut).
   */
  passes: number;
  fps: number;
  /** Only these clips (by name), when given: the suite's short setting. */
  clips?: string[];
  livekitAssets: { tasksVisionFileSet: string; modelAssetPath: string };
  twilioAssets: string;
  /** Positions in the scenario whose output goes into the PNG strip. */
  stripRows: number;
}

export interface EvalRun {
  processor: ProcessorName;
  quality: Quality | null;
  scenario: ScenarioName;
  frames: FrameRecord[];
  /** Scenario frames handed to the camera (or to twilio), and the scenario's length. */
  framesFed: number;
  scenarioFrames: number;
  durationS: number;
  /** Output frames per second over the scenario, and the rate the camera fed. */
  outputFps: number;
  cameraFps: number;
  /**
   * Output frames left unscored: repeats of a last picture, re-deliveries of a frame already
   * scored, timestamps off the clip's (tapOutput).
   */
  framesNotScored: number;
  /** PNG (base64): rows of frame | true mask | recovered mask | output. */
  strip: string | null;
  /**
   * Ours only: its stats as it stopped (which output path, how many frames reused a late mask),
   * to tell a mask's fault from a frame drawn with a stale one.
   */
  stats: ProcessorStats | null;
  errors: string[];
}

/** Reads every frame of `track` and scores it by its timestamp's position; stop() ends it. */
function tapOutput(track: MediaStreamTrack, scorer: Scorer) {
  const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
  const reader = new Processor({ track, maxBufferSize: 8 }).readable.getReader();
  let stopped = false;
  let count = 0;
  let skipped = 0;
  const scored = new Set<number>();
  const loop = (async () => {
    while (!stopped) {
      const { value: frame, done } = await reader.read();
      if (done || !frame) return;
      try {
        const position = Schedule.position(frame.timestamp);
        // Only frames that carry a fed camera frame's timestamp, each once: a processor's repeat
        // of its last picture (our output worker's, during a stall) is no frame of the clip, and
        // Chromium re-delivers a track's last frame to a new reader with its timestamp.
        const own = Math.abs(frame.timestamp - Schedule.timestamp(position)) <= 1000;
        if (position >= 0 && own && !scored.has(position)) {
          scored.add(position);
          count++;
          scorer.score(frame, position);
        } else if (position >= 0) {
          skipped++;
        }
      } finally {
        frame.close();
      }
    }
  })();
  return {
    get count() {
      return count;
    },
    /** Output frames not scored: repeats, re-deliveries, frames off the clip's timestamps. */
    get skipped() {
      return skipped;
    },
    async stop() {
      stopped = true;
      await reader.cancel().catch(() => undefined);
      await loop.catch(() => undefined);
    },
  };
}

/** Feeds the generator: warm-up (the first frame held) until go(), then the scenario, in real time. */
function feedCamera(positions: Position[], width: number, height: number, fps: number) {
  const Generator = MediaStreamTrackGenerator as NonNullable<typeof MediaStreamTrackGenerator>;
  const generator = new Generator({ kind: 'video' });
  const writer = generator.writable.getWriter();
  const schedule = new Schedule(fps, positions.length);
  const first = positions[0] as Position;
  let warm = true;
  let stopped = false;
  let fed = 0;
  let warmPosition = -WARMUP_FRAMES * 100;
  let last = -1;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    finished = r;
  });
  const loop = (async () => {
    while (!stopped) {
      if (warm) {
        await writer.write(
          videoFrame(first.frame, width, height, Schedule.timestamp(warmPosition++)),
        );
        await sleep(schedule.intervalMs);
        continue;
      }
      const due = schedule.due();
      if (due >= positions.length) {
        finished();
        // The last frame stays on: a processor still working on a backlog is not starved.
        await sleep(schedule.intervalMs);
        continue;
      }
      if (due > last) {
        last = due;
        fed++;
        const at = positions[due] as Position;
        await writer.write(videoFrame(at.frame, width, height, Schedule.timestamp(due)));
      }
      await sleep(Math.max(1, schedule.msUntil(last + 1)));
    }
  })();
  return {
    track: generator as MediaStreamTrack,
    go() {
      warm = false;
      schedule.begin();
    },
    done,
    get fed() {
      return fed;
    },
    async stop() {
      stopped = true;
      await loop.catch(() => undefined);
      await writer.close().catch(() => undefined);
      generator.stop();
    },
  };
}

/** Runs one processor on one scenario and scores its output frames. */
export async function runEval(request: EvalRequest): Promise<EvalRun> {
  const errors: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    errors.push(args.map(String).join(' ').slice(0, 300));
    consoleError.apply(console, args);
  };
  const manifest = await loadManifest();
  const { width, height } = manifest;
  // Only what the scenario plays: every frame loaded costs the page a few conversions up front.
  const clips = scenarioClips(request, manifest.clips);
  const loaded = await loadClips(clips, width, height);
  const positions = buildScenario(request, clips, loaded);
  if (positions.length === 0) throw new Error(`no frames for ${request.scenario}`);
  const scorer = new Scorer(positions, width, height, request.stripRows);
  // The first start in a fresh page compiles shaders and wasm for a second or more: frames scored
  // during that would measure the start-up, not the masks.
  const settleMs = 3000;
  let framesFed = 0;
  let framesNotScored = 0;
  let durationS = 0;
  let stats: ProcessorStats | null = null;
  try {
    if (request.processor === 'twilio') {
      ({ framesFed, durationS } = await runTwilio(request, positions, scorer, width, height));
    } else {
      const camera = feedCamera(positions, width, height, request.fps);
      let stopProcessor: () => Promise<void> = async () => undefined;
      try {
        let out: MediaStreamTrack;
        if (request.processor === 'ours') {
          const vb = await createVirtualBackground({
            quality: request.quality ?? 'fast',
            background: { kind: 'color', color: '#00ff00' },
            adaptive: false,
          });
          out = await vb.start(camera.track);
          stopProcessor = () => {
            stats = vb.stats();
            return vb.stop();
          };
        } else {
          ({ out, stop: stopProcessor } = await startLivekit(request, camera.track, width, height));
        }
        await sleep(settleMs);
        const tap = tapOutput(out, scorer);
        const t0 = performance.now();
        camera.go();
        await camera.done;
        durationS = (performance.now() - t0) / 1000;
        // The frames still in flight: one more second, then whatever has not come is dropped.
        await sleep(1000);
        await tap.stop();
        framesFed = camera.fed;
        framesNotScored = tap.skipped;
      } finally {
        await stopProcessor();
        await camera.stop();
      }
    }
  } finally {
    console.error = consoleError;
  }
  const outputFrames = scorer.frames.length;
  return {
    processor: request.processor,
    quality: request.processor === 'ours' ? (request.quality ?? 'fast') : null,
    scenario: request.scenario,
    frames: scorer.frames,
    framesFed,
    scenarioFrames: positions.length,
    durationS,
    outputFps: durationS > 0 ? outputFrames / durationS : 0,
    cameraFps: durationS > 0 ? framesFed / durationS : 0,
    framesNotScored,
    strip: await scorer.strip(),
    stats,
    errors,
  };
}
