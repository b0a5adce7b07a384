/**
 * In-page side of the fault and camera-change tests (test/browser/faults.spec.ts): a camera source
 * whose size, crop and flow the test changes mid-call, and a judge that looks at every output frame
 * as a receiver would see it (drawn at its display size) for its size, its background (the set
 * colour, never the raw room) and its person (kept).
 */

import type { Region } from './crops';
import { fractionNear, GREEN } from './pixels';

/** Where a source frame comes from in the camera's 1280x720 picture, and the size it is sent at. */
export interface Geometry {
  width: number;
  height: number;
  crop: { x: number; y: number; w: number; h: number };
}

export const LANDSCAPE = (width: number, height: number): Geometry => ({
  width,
  height,
  crop: { x: 0, y: 0, w: 1280, h: 720 },
});

/** A phone held upright: the middle 9:16 strip of the camera's picture. */
export const PORTRAIT = (width: number, height: number): Geometry => {
  const w = Math.round((720 * width) / height);
  return { width, height, crop: { x: Math.round((1280 - w) / 2), y: 0, w, h: 720 } };
};

export interface ControlledSource {
  track: MediaStreamTrack;
  set(geometry: Geometry): void;
  /** Stops sending frames (a muted or stalled camera) until resume(). */
  pause(): void;
  resume(): void;
  /** The geometry a frame of this capture timestamp was sent with (the newest one before it). */
  geometryAt(timestamp: number): Geometry;
  /**
   * The geometry of the camera frame an output frame of this timestamp and display size shows.
   * A repeat of the last picture (the output worker's, during a stall) or a frame sent just after
   * one carries a timestamp of its own, which may fall after a size change its picture predates:
   * the newest geometry before it of the size it shows.
   */
  geometryShown(timestamp: number, width: number, height: number): Geometry;
  /** Frames sent, per geometry key `WxH`. */
  sent: Record<string, number>;
  /** Whether a frame of this capture timestamp was sent (the output worker's repeats were not). */
  wasSent(timestamp: number): boolean;
  stop(): void;
}

/**
 * The fake camera re-sent through a MediaStreamTrackGenerator at whatever size and crop the test
 * sets, keeping each frame's capture timestamp (so output frames can be told apart by it).
 */
export function controlledSource(camera: MediaStreamTrack): ControlledSource {
  const Generator = MediaStreamTrackGenerator as NonNullable<typeof MediaStreamTrackGenerator>;
  const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
  const generator = new Generator({ kind: 'video' });
  const writer = generator.writable.getWriter();
  const reader = new Processor({ track: camera }).readable.getReader();
  let geometry = LANDSCAPE(1280, 720);
  const history: Array<{ from: number; geometry: Geometry }> = [];
  const sent: Record<string, number> = {};
  const sentTimestamps = new Set<number>();
  let paused = false;
  let stopped = false;
  const canvas = new OffscreenCanvas(16, 16);
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  (async () => {
    for (;;) {
      const { value: frame, done } = await reader.read();
      if (done || stopped) {
        frame?.close();
        return;
      }
      if (paused) {
        frame.close();
        continue;
      }
      const g = geometry;
      if (canvas.width !== g.width || canvas.height !== g.height) {
        canvas.width = g.width;
        canvas.height = g.height;
      }
      ctx.drawImage(frame, g.crop.x, g.crop.y, g.crop.w, g.crop.h, 0, 0, g.width, g.height);
      const out = new VideoFrame(canvas, { timestamp: frame.timestamp });
      if (history.at(-1)?.geometry !== g) history.push({ from: frame.timestamp, geometry: g });
      frame.close();
      const key = `${g.width}x${g.height}`;
      sent[key] = (sent[key] ?? 0) + 1;
      sentTimestamps.add(out.timestamp);
      await writer.write(out).catch(() => out.close());
    }
  })();
  return {
    track: generator,
    set(g) {
      geometry = g;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    geometryAt(timestamp) {
      let found = history[0]?.geometry ?? geometry;
      for (const h of history) if (h.from <= timestamp) found = h.geometry;
      return found;
    },
    geometryShown(timestamp, width, height) {
      if (this.wasSent(timestamp)) return this.geometryAt(timestamp);
      let found: Geometry | null = null;
      for (const h of history) {
        if (h.from <= timestamp && h.geometry.width === width && h.geometry.height === height) {
          found = h.geometry;
        }
      }
      return found ?? this.geometryAt(timestamp);
    },
    sent,
    wasSent(timestamp) {
      // The generator may round a timestamp by a microsecond or so.
      for (const t of [timestamp, timestamp - 1, timestamp + 1])
        if (sentTimestamps.has(t)) return true;
      return false;
    },
    stop() {
      stopped = true;
      reader.cancel().catch(() => undefined);
      generator.stop();
    },
  };
}

export interface OutputVerdict {
  /** performance.now() when it was read. */
  at: number;
  timestamp: number;
  width: number;
  height: number;
  /** Share of the background regions' pixels showing the set green. */
  backgroundGreen: number;
  /** Share of the person regions' pixels not green. */
  personKept: number;
  /** Mean luma over the frame's judged pixels (a black frame is near 0). */
  meanLuma: number;
}

export interface OutputJudge {
  verdicts: OutputVerdict[];
  stop(): Promise<void>;
}

const JUDGE_WIDTH = 320;

/** `regions` (camera pixels) through `g` into a frame drawn `w` x `h`: the parts inside its crop. */
function mapRegions(regions: Region[], g: Geometry, w: number, h: number): Region[] {
  const sx = w / g.crop.w;
  const sy = h / g.crop.h;
  const mapped: Region[] = [];
  for (const r of regions) {
    const x0 = Math.max(r.x0, g.crop.x);
    const x1 = Math.min(r.x1, g.crop.x + g.crop.w);
    const y0 = Math.max(r.y0, g.crop.y);
    const y1 = Math.min(r.y1, g.crop.y + g.crop.h);
    // Keep regions with a fair part inside (at least 24 camera pixels each way).
    if (x1 - x0 < 24 || y1 - y0 < 24) continue;
    mapped.push({
      ...r,
      x0: Math.ceil((x0 - g.crop.x) * sx),
      x1: Math.floor((x1 - g.crop.x) * sx),
      y0: Math.ceil((y0 - g.crop.y) * sy),
      y1: Math.floor((y1 - g.crop.y) * sy),
    });
  }
  return mapped;
}

/**
 * Reads every frame of `output` and judges it against the regions of the geometry its timestamp
 * was sent with (frames the pipeline repeats while it restarts carry new timestamps: they take the
 * newest geometry before them, which is the frame they repeat).
 */
export function judgeOutput(
  output: MediaStreamTrack,
  regions: Region[],
  geometryAt: (timestamp: number, width: number, height: number) => Geometry,
): OutputJudge {
  const verdicts: OutputVerdict[] = [];
  const reader = new (MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>)({
    track: output,
  }).readable.getReader();
  const canvas = new OffscreenCanvas(16, 16);
  const ctx = canvas.getContext('2d', {
    willReadFrequently: true,
  }) as OffscreenCanvasRenderingContext2D;
  const done = (async () => {
    for (;;) {
      const { value: frame, done } = await reader.read().catch(() => ({
        value: undefined,
        done: true as const,
      }));
      if (done || !frame) return;
      const width = frame.displayWidth;
      const height = frame.displayHeight;
      const timestamp = frame.timestamp;
      const jw = JUDGE_WIDTH;
      const jh = Math.max(1, Math.round((JUDGE_WIDTH * height) / width));
      canvas.width = jw;
      canvas.height = jh;
      ctx.drawImage(frame, 0, 0, jw, jh);
      frame.close();
      const g = geometryAt(timestamp, width, height);
      const mapped = mapRegions(regions, g, jw, jh);
      let green = 0;
      let bg = 0;
      let kept = 0;
      let person = 0;
      let luma = 0;
      for (const r of mapped) {
        const img = ctx.getImageData(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
        const n = img.width * img.height;
        const g24 = fractionNear(img, GREEN, 40);
        for (let i = 0; i < img.data.length; i += 4) {
          luma += 0.299 * (img.data[i] ?? 0) + 0.587 * (img.data[i + 1] ?? 0);
        }
        if (r.label === 'background') {
          green += g24 * n;
          bg += n;
        } else {
          kept += (1 - g24) * n;
          person += n;
        }
      }
      verdicts.push({
        at: performance.now(),
        timestamp,
        width,
        height,
        backgroundGreen: bg ? green / bg : Number.NaN,
        personKept: person ? kept / person : Number.NaN,
        meanLuma: luma / Math.max(1, bg + person),
      });
    }
  })();
  return {
    verdicts,
    async stop() {
      await reader.cancel().catch(() => undefined);
      await done;
    },
  };
}

/** The largest gap between consecutive verdicts read in [from, to] (performance.now() ms). */
export function largestGap(verdicts: OutputVerdict[], from: number, to: number): number {
  let gap = 0;
  let last: number | null = null;
  for (const v of verdicts) {
    if (v.at < from || v.at > to) continue;
    if (last !== null) gap = Math.max(gap, v.at - last);
    last = v.at;
  }
  return gap;
}
