/**
 * The eval's material and camera: the clips with true masks (test/fixtures/eval, made by
 * tools/make-eval-clips.ts) loaded as I420 frames the way a webcam delivers them, the scenarios
 * built from them, and the schedule that plays them in real time with the clip position in each
 * frame's timestamp.
 */
import type { EvalRequest, ScenarioName } from './page';
import { GREEN, haloBand, nearGreen, type ScoreGrid, scoreGrid } from './score';

export const FIXTURES = '/test/fixtures/eval';
/** Scores are computed at the full size / this (320x180 for the 640x360 clips). */
export const SCORE_FACTOR = 2;
/** The boundary band: ±3 pixels of the true edge at the scoring size. */
export const BAND_RADIUS = 3;
export const WARMUP_FRAMES = 45;

export interface ManifestClip {
  name: string;
  kind: 'moving' | 'composite' | 'portrait' | 'shapes';
  frames: Array<{ image: string; mask: string }>;
}

export interface SourceFrame {
  clip: string;
  /** As the browser shows the I420 frame: what the processors see, and what scoring compares with. */
  rgba: Uint8ClampedArray;
  i420: Uint8Array;
  mask: Uint8Array;
  grid: ScoreGrid;
  /** The halo band at full size: 1..6 = pixels outside the true mask, 0 = not in the band. */
  band: Uint8Array;
  /**
   * 1 where the true mask itself, composited onto green and sent through I420 as the browser draws
   * it, shows green (within the halo tolerance): the pixels a 4:2:0 output (I420, NV12) can get
   * right. Beside the person a pixel shares its chroma sample with her, so her colour bleeds into
   * it whatever the mask; a halo judged on such an output leaves those pixels out.
   */
  greenThrough420: Uint8Array;
}

export interface Position {
  frame: SourceFrame;
  segment: number;
  index: number;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function context2d(width: number, height: number) {
  const canvas = new OffscreenCanvas(width, height);
  return canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D;
}

export async function fetchBitmap(path: string): Promise<ImageBitmap> {
  const res = await fetch(`${FIXTURES}/${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return createImageBitmap(await res.blob());
}

/** Limited-range BT.601 (a webcam's usual colours), 4:2:0 with 2x2 chroma averages. */
export function toI420(rgba: Uint8ClampedArray, width: number, height: number): Uint8Array {
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

export function videoFrame(source: SourceFrame, width: number, height: number, timestamp: number) {
  return new VideoFrame(source.i420, {
    format: 'I420',
    codedWidth: width,
    codedHeight: height,
    timestamp,
    duration: 0,
    colorSpace: COLOUR_SPACE,
  });
}

export async function loadClips(
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
        greenThrough420: new Uint8Array(0),
      };
      // What the browser draws for this I420 frame is the input every processor gets.
      const vf = videoFrame(source, width, height, 0);
      ctx.drawImage(vf, 0, 0);
      vf.close();
      source.rgba = ctx.getImageData(0, 0, width, height).data;
      // The best any processor can do through a 4:2:0 output: the truth, composited exactly.
      const perfect = source.rgba.slice();
      for (let p = 0; p < mask.length; p++) if (mask[p] === 0) perfect.set(GREEN, p * 4);
      const through = videoFrame(
        { ...source, i420: toI420(perfect, width, height) },
        width,
        height,
        0,
      );
      ctx.drawImage(through, 0, 0);
      through.close();
      source.greenThrough420 = nearGreen(ctx.getImageData(0, 0, width, height).data);
      frames.push(source);
    }
    loaded.set(clip.name, frames);
  }
  return loaded;
}

/** The clip kinds each scenario plays. */
const SCENARIO_KINDS: Record<ScenarioName, ReadonlyArray<ManifestClip['kind']>> = {
  moving: ['moving', 'composite'],
  portraits: ['portrait'],
  shapes: ['shapes'],
};

/** The clips a scenario plays, in manifest order: the only ones it needs loaded. */
export function scenarioClips(request: EvalRequest, manifest: ManifestClip[]): ManifestClip[] {
  return manifest.filter(
    (c) =>
      (!request.clips || request.clips.includes(c.name)) &&
      SCENARIO_KINDS[request.scenario].includes(c.kind),
  );
}

export function buildScenario(
  request: EvalRequest,
  manifest: ManifestClip[],
  loaded: Map<string, SourceFrame[]>,
): Position[] {
  const clips = scenarioClips(request, manifest);
  if (request.scenario === 'shapes') {
    // A shapes clip is one loop (its last frame leads into its first), so its passes play as one
    // segment with no cut: every frame is judged as settled, flicker across the seam included.
    return clips.flatMap((clip, segment) => {
      const frames = loaded.get(clip.name) as SourceFrame[];
      return Array.from({ length: request.passes * frames.length }, (_, index) => ({
        frame: frames[index % frames.length] as SourceFrame,
        segment,
        index,
      }));
    });
  }
  const positions: Position[] = [];
  let segment = 0;
  for (let pass = 0; pass < request.passes; pass++) {
    for (const clip of clips) {
      const frames = loaded.get(clip.name) as SourceFrame[];
      const moving = request.scenario === 'moving';
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
export class Schedule {
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

export async function loadManifest() {
  const res = await fetch(`${FIXTURES}/manifest.json`);
  return (await res.json()) as { width: number; height: number; clips: ManifestClip[] };
}
