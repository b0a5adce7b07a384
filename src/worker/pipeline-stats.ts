/**
 * The counters and windows behind ProcessorStats: what came in, what went out, which frames got a
 * fresh mask, and the stage timings. Written by the pipeline as a frame goes through, read twice a
 * second by adaptive quality and on every stats report.
 */
import type { FramePath, ProcessorStats, Quality } from '../types';
import type { SegmenterInfo } from './segmenter';
import { droppedSince, RateMeter, SampleWindow } from './stats';

/** What stats() needs from the rest of the pipeline at the moment it is asked. */
export interface StatsContext {
  quality: Quality;
  info: SegmenterInfo | null;
  backendChoice: ProcessorStats['backendChoice'];
  /** The output path the settings force, or 'auto' to report the input path. */
  outputPathSetting: FramePath;
  framesOpen: number;
  glObjects: number;
}

export class PipelineStats {
  private framesIn = 0;
  private framesOut = 0;
  framesSegmented = 0;
  private framesReused = 0;
  private framesDropped = 0;
  private framesWithoutMask = 0;
  private firstTimestampUs: number | null = null;
  private frameIntervalUs = 0;
  private readonly inRate = new RateMeter();
  private readonly outRate = new RateMeter();
  private readonly maskRate = new RateMeter();
  private readonly latency = new SampleWindow(150);
  private readonly segmentMs = new SampleWindow(150);
  private readonly composeMs = new SampleWindow(150);
  private lastPath: ProcessorStats['inputPath'] = 'pending';

  constructor(frameRate: number) {
    this.setFrameRate(frameRate);
  }

  /** The camera's declared rate (a camera swap brings its own). */
  setFrameRate(frameRate: number): void {
    this.frameIntervalUs = frameRate > 0 ? 1e6 / frameRate : 0;
  }

  /** Drops are counted from capture timestamps: frames the camera made that never reached us. */
  frameIn(timestampUs: number, receivedAt: number): void {
    this.framesIn++;
    this.inRate.tick(receivedAt);
    this.firstTimestampUs ??= timestampUs;
    this.framesDropped = droppedSince(
      this.firstTimestampUs,
      timestampUs,
      this.frameIntervalUs,
      this.framesIn,
    );
  }

  /** Whether this frame was drawn with a mask that arrived for it (or since the last frame). */
  masked(fresh: boolean): void {
    if (fresh) {
      this.framesSegmented++;
      this.maskRate.tick(performance.now());
    } else {
      this.framesReused++;
    }
  }

  withoutMask(): void {
    this.framesWithoutMask++;
  }

  inference(ms: number): void {
    this.segmentMs.push(ms);
  }

  /** composeMs 0: a frame that was not composited (passthrough) adds no compose sample. */
  frameOut(receivedAt: number, composeMs: number, path: ProcessorStats['inputPath']): void {
    const now = performance.now();
    this.framesOut++;
    this.outRate.tick(now);
    this.latency.push(now - receivedAt);
    if (composeMs > 0) this.composeMs.push(composeMs);
    this.lastPath = path;
  }

  outputFps(now: number): number {
    return this.outRate.rate(now);
  }

  maskFps(now: number): number {
    return this.maskRate.rate(now);
  }

  snapshot(ctx: StatsContext): ProcessorStats {
    const now = performance.now();
    const info = ctx.info;
    const maskFps = this.maskRate.rate(now);
    const outFps = this.outRate.rate(now);
    const composited = this.lastPath !== 'passthrough' && this.lastPath !== 'pending';
    return {
      quality: ctx.quality,
      engine: info?.engine ?? 'none',
      backend: info?.backend ?? 'none',
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      framesSegmented: this.framesSegmented,
      framesDropped: this.framesDropped,
      fpsIn: this.inRate.rate(now),
      fpsOut: outFps,
      latencyMs: this.latency.summary(),
      segmentMs: this.segmentMs.summary(),
      composeMs: this.composeMs.summary(),
      inputPath: this.lastPath,
      outputPath:
        !composited || ctx.outputPathSetting === 'auto' ? this.lastPath : ctx.outputPathSetting,
      framesOpen: ctx.framesOpen,
      glObjects: ctx.glObjects,
      framesWithoutMask: this.framesWithoutMask,
      framesReused: this.framesReused,
      // The output worker counts these; the processor fills them in (processor.ts).
      framesRepeated: 0,
      segmentEvery: maskFps > 0 ? Math.max(1, Math.round((outFps / maskFps) * 10) / 10) : 1,
      model: info?.model ?? 'none',
      backendChoice: ctx.backendChoice,
    };
  }
}
