/**
 * In-page side of `npm run eval`: plays clips with true masks as a camera at a fixed frame rate,
 * runs one processor on them (ours at a level, livekit's or twilio's, all replacing the background
 * with pure green), and scores every output frame it gets back against the true mask of the frame
 * it was made from (matched by timestamp: the clip's frame index is in it). Scoring is from the
 * output pixels only (score.ts). Loaded by the eval runner into the test page.
 */
import { BackgroundProcessor } from '@livekit/track-processors';
import { VirtualBackgroundProcessor } from '@twilio/video-processors';
import type { ProcessorOptions, Track } from 'livekit-client';
import { createVirtualBackground, type Quality } from '../src/index';
import {
  downscale,
  type FrameScore,
  flicker,
  halo,
  haloBand,
  recoverAlpha,
  type ScoreGrid,
  scoreFrame,
  scoreGrid,
  shapeDefects,
} from './score';

const FIXTURES = '/test/fixtures/eval';
/** Scores are computed at the full size / this (320x180 for the 640x360 clips). */
const SCORE_FACTOR = 2;
/** The boundary band: ±3 pixels of the true edge at the scoring size. */
const BAND_RADIUS = 3;
const WARMUP_FRAMES = 45;
const USE_TWILIO_WORKER = (globalThis as { evalTwilioWorker?: boolean }).evalTwilioWorker ?? false;

export type ProcessorName = 'ours' | 'livekit' | 'twilio';
export type ScenarioName = 'moving' | 'portraits';

export interface EvalRequest {
  processor: ProcessorName;
  quality?: Quality;
  scenario: ScenarioName;
  /** Times the moving clips are played (portraits: each held this many times 20 frames). */
  passes: number;
  fps: number;
  /** Only these clips (by name), when given: the suite's short setting. */
  clips?: string[];
  livekitAssets: { tasksVisionFileSet: string; modelAssetPath: string };
  twilioAssets: string;
  /** Positions in the scenario whose output goes into the PNG strip. */
  stripRows: number;
}

export interface FrameRecord extends FrameScore {
  position: number;
  clip: string;
  segment: number;
  /** Frame index within its segment: 0 is the first frame after a cut. */
  index: number;
  haloMean: number;
  haloWithin: number;
  flicker: number | null;
  /** Pixels at the scoring size: kept chunks touching no part of the person, holes inside it. */
  floating: number;
  holes: number;
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
  /** PNG (base64): rows of frame | true mask | recovered mask | output. */
  strip: string | null;
  errors: string[];
}

interface ManifestClip {
  name: string;
  kind: 'moving' | 'composite' | 'portrait';
  frames: Array<{ image: string; mask: string }>;
}

interface SourceFrame {
  clip: string;
  /** As the browser shows the I420 frame: what the processors see, and what scoring compares with. */
  rgba: Uint8ClampedArray;
  i420: Uint8Array;
  mask: Uint8Array;
  grid: ScoreGrid;
  band: Uint8Array;
}

interface Position {
  frame: SourceFrame;
  segment: number;
  index: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function context2d(width: number, height: number) {
  const canvas = new OffscreenCanvas(width, height);
  return canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D;
}

async function fetchBitmap(path: string): Promise<ImageBitmap> {
  const res = await fetch(`${FIXTURES}/${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return createImageBitmap(await res.blob());
}

/** Limited-range BT.601 (a webcam's usual colours), 4:2:0 with 2x2 chroma averages. */
function toI420(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 1.5);
  const cw = width / 2;
  const uOff = width * height;
  const vOff = uOff + cw * (height / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const r = rgba[i] as number;
      const g = rgba[i + 1] as number;
      const b = rgba[i + 2] as number;
      out[y * width + x] = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
    }
  }
  for (let y = 0; y < height / 2; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const i = ((2 * y + dy) * width + 2 * x + dx) * 4;
        r += rgba[i] as number;
        g += rgba[i + 1] as number;
        b += rgba[i + 2] as number;
      }
      r /= 4 * 255;
      g /= 4 * 255;
      b /= 4 * 255;
      out[uOff + y * cw + x] = 128 + (-37.797 * r - 74.203 * g + 112 * b);
      out[vOff + y * cw + x] = 128 + (112 * r - 93.786 * g - 18.214 * b);
    }
  }
  return out;
}

const COLOUR_SPACE: VideoColorSpaceInit = {
  matrix: 'smpte170m',
  primaries: 'smpte170m',
  transfer: 'smpte170m',
  fullRange: false,
};

function videoFrame(source: SourceFrame, width: number, height: number, timestamp: number) {
  return new VideoFrame(source.i420, {
    format: 'I420',
    codedWidth: width,
    codedHeight: height,
    timestamp,
    duration: 0,
    colorSpace: COLOUR_SPACE,
  });
}

async function loadClips(
  clips: ManifestClip[],
  width: number,
  height: number,
): Promise<Map<string, SourceFrame[]>> {
  const ctx = context2d(width, height);
  const loaded = new Map<string, SourceFrame[]>();
  for (const clip of clips) {
    const frames: SourceFrame[] = [];
    for (const f of clip.frames) {
      const [image, maskImage] = await Promise.all([fetchBitmap(f.image), fetchBitmap(f.mask)]);
      ctx.drawImage(image, 0, 0, width, height);
      image.close();
      const i420 = toI420(ctx.getImageData(0, 0, width, height).data, width, height);
      ctx.drawImage(maskImage, 0, 0, width, height);
      maskImage.close();
      const maskRgba = ctx.getImageData(0, 0, width, height).data;
      const mask = new Uint8Array(width * height);
      for (let p = 0; p < mask.length; p++) mask[p] = (maskRgba[p * 4] as number) >= 128 ? 1 : 0;
      const source: SourceFrame = {
        clip: clip.name,
        rgba: new Uint8ClampedArray(0),
        i420,
        mask,
        grid: scoreGrid(mask, width, height, SCORE_FACTOR, BAND_RADIUS),
        band: haloBand(mask, width, height),
      };
      // What the browser draws for this I420 frame is the input every processor gets.
      const vf = videoFrame(source, width, height, 0);
      ctx.drawImage(vf, 0, 0);
      vf.close();
      source.rgba = ctx.getImageData(0, 0, width, height).data;
      frames.push(source);
    }
    loaded.set(clip.name, frames);
  }
  return loaded;
}

function buildScenario(
  request: EvalRequest,
  manifest: ManifestClip[],
  loaded: Map<string, SourceFrame[]>,
): Position[] {
  const positions: Position[] = [];
  let segment = 0;
  const wanted = (c: ManifestClip) => !request.clips || request.clips.includes(c.name);
  for (let pass = 0; pass < request.passes; pass++) {
    for (const clip of manifest.filter(wanted)) {
      const frames = loaded.get(clip.name) as SourceFrame[];
      const moving = clip.kind === 'moving' || clip.kind === 'composite';
      if (moving !== (request.scenario === 'moving')) continue;
      const sequence = moving ? frames : Array.from({ length: 20 }, () => frames[0] as SourceFrame);
      sequence.forEach((frame, index) => {
        positions.push({ frame, segment, index });
      });
      segment++;
    }
  }
  return positions;
}

/**
 * The camera: frame k of the schedule is due at start + k·interval. A feeder that wakes late (a
 * processor blocking the main thread) skips to the frame due now, as a camera drops frames nobody
 * read; warm-up frames (the scenario's first, held) come before the scenario's position 0.
 */
class Schedule {
  readonly intervalMs: number;
  private startAt = 0;
  constructor(
    fps: number,
    readonly length: number,
  ) {
    this.intervalMs = 1000 / fps;
  }
  begin(): void {
    this.startAt = performance.now();
  }
  /** Milliseconds until `position` is due (≤ 0: due already). */
  msUntil(position: number): number {
    return this.startAt + position * this.intervalMs - performance.now();
  }
  /** The scenario position due now (may be ≥ length: the scenario is over). */
  due(): number {
    return Math.floor((performance.now() - this.startAt) / this.intervalMs);
  }
  /** Timestamps (µs) carry the position: warm-up frames are negative. */
  static timestamp(position: number): number {
    return 1_000_000 + position * 33_333;
  }
  static position(timestamp: number): number {
    return Math.round((timestamp - 1_000_000) / 33_333);
  }
}

class Scorer {
  readonly frames: FrameRecord[] = [];
  private previous: { alpha: Float32Array; position: Position } | null = null;
  private readonly stripCtx: OffscreenCanvasRenderingContext2D | null;
  private stripRowsDone = 0;
  private readonly stripAt: number[];
  private readonly ctx: OffscreenCanvasRenderingContext2D;

  constructor(
    private readonly positions: Position[],
    private readonly width: number,
    private readonly height: number,
    stripRows: number,
  ) {
    this.ctx = context2d(width, height);
    // Spread over the scenario, a few frames into a segment (past the cut's own frames).
    this.stripAt = Array.from({ length: stripRows }, (_, i) =>
      Math.floor(((i + 0.5) * positions.length) / Math.max(1, stripRows)),
    );
    this.stripCtx = stripRows > 0 ? context2d((width / 2) * 4, (height / 2) * stripRows) : null;
  }

  /** Scores an output picture (any drawable the size of the clip) made from scenario `position`. */
  score(picture: CanvasImageSource, position: number): void {
    const at = this.positions[position];
    if (!at) return;
    const { width, height } = this;
    this.ctx.drawImage(picture, 0, 0, width, height);
    const output = this.ctx.getImageData(0, 0, width, height).data;
    const recovered = recoverAlpha(at.frame.rgba, output, width, height);
    const alpha = downscale(recovered.alpha, width, height, SCORE_FACTOR);
    const prevPos = position > 0 ? this.positions[position - 1] : undefined;
    const previousTruth = at.index > 0 && prevPos ? prevPos.frame.grid : null;
    const s = scoreFrame(alpha, at.frame.grid, previousTruth);
    const h = halo(at.frame.rgba, output, at.frame.band);
    const defects = shapeDefects(alpha, at.frame.grid);
    const last = this.previous;
    const f =
      last && last.position.segment === at.segment
        ? flicker(alpha, last.alpha, at.frame.grid, last.position.frame.grid)
        : null;
    this.frames.push({
      ...s,
      position,
      clip: at.frame.clip,
      segment: at.segment,
      index: at.index,
      haloMean: h.meanDistance,
      haloWithin: h.withinTolerance,
      flicker: f,
      floating: defects.floating,
      holes: defects.holes,
    });
    this.previous = { alpha, position: at };
    this.addToStrip(position, at, alpha, output);
  }

  private addToStrip(
    position: number,
    at: Position,
    alpha: Float32Array,
    output: Uint8ClampedArray,
  ): void {
    const row = this.stripRowsDone;
    const target = this.stripAt[row];
    if (!this.stripCtx || target === undefined || position < target) return;
    this.stripRowsDone++;
    const w = this.width / 2;
    const h = this.height / 2;
    const tile = (rgba: Uint8ClampedArray, full: boolean) => {
      const img = new ImageData(w, h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = (y * w + x) * 4;
          const i = full ? (2 * y * this.width + 2 * x) * 4 : o;
          img.data[o] = rgba[i] as number;
          img.data[o + 1] = rgba[i + 1] as number;
          img.data[o + 2] = rgba[i + 2] as number;
          img.data[o + 3] = 255;
        }
      }
      return img;
    };
    const grey = (values: (i: number) => number) => {
      const rgba = new Uint8ClampedArray(w * h * 4);
      for (let i = 0; i < w * h; i++) {
        const v = values(i);
        // Ambiguous pixels (input near green) in magenta: the scorer did not judge them.
        const nan = Number.isNaN(v);
        rgba[i * 4] = nan ? 255 : v * 255;
        rgba[i * 4 + 1] = nan ? 0 : v * 255;
        rgba[i * 4 + 2] = nan ? 255 : v * 255;
      }
      return tile(rgba, false);
    };
    const y = row * h;
    this.stripCtx.putImageData(tile(at.frame.rgba, true), 0, y);
    this.stripCtx.putImageData(
      grey((i) => at.frame.grid.truthSoft[i] as number),
      w,
      y,
    );
    this.stripCtx.putImageData(
      grey((i) => alpha[i] as number),
      2 * w,
      y,
    );
    this.stripCtx.putImageData(tile(output, true), 3 * w, y);
    void position;
  }

  async strip(): Promise<string | null> {
    if (!this.stripCtx || this.stripRowsDone === 0) return null;
    const blob = await (this.stripCtx.canvas as OffscreenCanvas).convertToBlob({
      type: 'image/png',
    });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }
}

function greenPng(width: number, height: number): Promise<Blob> {
  const ctx = context2d(width, height);
  ctx.fillStyle = '#00ff00';
  ctx.fillRect(0, 0, width, height);
  return (ctx.canvas as OffscreenCanvas).convertToBlob({ type: 'image/png' });
}

/** Reads every frame of `track` and scores it by its timestamp's position; stop() ends it. */
function tapOutput(track: MediaStreamTrack, scorer: Scorer) {
  const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
  const reader = new Processor({ track, maxBufferSize: 8 }).readable.getReader();
  let stopped = false;
  let count = 0;
  const loop = (async () => {
    while (!stopped) {
      const { value: frame, done } = await reader.read();
      if (done || !frame) return;
      try {
        const position = Schedule.position(frame.timestamp);
        if (position >= 0) {
          count++;
          scorer.score(frame, position);
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

async function loadManifest() {
  const res = await fetch(`${FIXTURES}/manifest.json`);
  return (await res.json()) as { width: number; height: number; clips: ManifestClip[] };
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
  const clips = manifest.clips.filter((c) => !request.clips || request.clips.includes(c.name));
  const loaded = await loadClips(clips, width, height);
  const positions = buildScenario(request, clips, loaded);
  if (positions.length === 0) throw new Error(`no frames for ${request.scenario}`);
  const scorer = new Scorer(positions, width, height, request.stripRows);
  const settleMs = 1500;
  let framesFed = 0;
  let durationS = 0;
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
          stopProcessor = () => vb.stop();
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
    strip: await scorer.strip(),
    errors,
  };
}

async function startLivekit(
  request: EvalRequest,
  track: MediaStreamTrack,
  width: number,
  height: number,
): Promise<{ out: MediaStreamTrack; stop: () => Promise<void> }> {
  // livekit-client hands a processor the <video> that plays the camera.
  const element = document.createElement('video');
  element.muted = true;
  element.playsInline = true;
  element.srcObject = new MediaStream([track]);
  document.body.append(element);
  await element.play();
  const green = URL.createObjectURL(await greenPng(width, height));
  const processor = BackgroundProcessor(
    { mode: 'virtual-background', imagePath: green, assetPaths: request.livekitAssets },
    'virtual-background',
  );
  const init: ProcessorOptions<Track.Kind> = {
    kind: 'video' as Track.Kind.Video,
    track,
    element,
  };
  await processor.init(init);
  const out = processor.processedTrack;
  if (!out) throw new Error('livekit processor has no processedTrack after init()');
  return {
    out,
    async stop() {
      await processor.destroy();
      element.srcObject = null;
      element.remove();
      URL.revokeObjectURL(green);
    },
  };
}

/**
 * twilio-video calls a processor's processFrame() with each captured frame on the main thread and
 * drops frames while one is in progress: the same here, with the schedule as the camera.
 */
async function runTwilio(
  request: EvalRequest,
  positions: Position[],
  scorer: Scorer,
  width: number,
  height: number,
): Promise<{ framesFed: number; durationS: number }> {
  const image = new Image();
  image.src = URL.createObjectURL(await greenPng(width, height));
  await image.decode();
  const processor = new VirtualBackgroundProcessor({
    assetsPath: request.twilioAssets,
    backgroundImage: image,
    useWebWorker: USE_TWILIO_WORKER,
  });
  console.log('[twilio] loading model');
  await processor.loadModel();
  console.log('[twilio] model loaded');
  const output = document.createElement('canvas');
  output.width = width;
  output.height = height;
  const first = positions[0] as Position;
  const warmUntil = performance.now() + 1500;
  let warm = -WARMUP_FRAMES * 100;
  while (performance.now() < warmUntil) {
    const vf = videoFrame(first.frame, width, height, Schedule.timestamp(warm++));
    await processor.processFrame(vf, output);
    vf.close();
    await sleep(0);
  }
  const schedule = new Schedule(request.fps, positions.length);
  schedule.begin();
  const t0 = performance.now();
  let last = -1;
  for (;;) {
    const due = schedule.due();
    if (due >= positions.length) break;
    if (due === last) {
      await sleep(2);
      continue;
    }
    last = due;
    const at = positions[due] as Position;
    const vf = videoFrame(at.frame, width, height, Schedule.timestamp(due));
    await processor.processFrame(vf, output);
    vf.close();
    scorer.score(output, due);
  }
  URL.revokeObjectURL(image.src);
  // The schedule is the camera: every position was due once, whether twilio took it or not.
  return { framesFed: positions.length, durationS: (performance.now() - t0) / 1000 };
}
