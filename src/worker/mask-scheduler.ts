/**
 * Per-frame timing decisions between compositing (this thread) and segmentation (the segmenter
 * worker, in parallel). Each frame is held for its own mask while the next one comes in
 * (FramePipeline.process); how long it may wait then, and how much of the time the segmenter may
 * be busy (its duty), are the drawn level's (LevelConfig.scheduling in src/levels.ts).
 *
 * Frames first (`fast`): a held frame waits what is left of the frame budget after compositing, so
 * waiting never costs frame rate (a later mask goes to the next frame); the segmenter is busy at
 * most 60% of the time. On a machine with few cores inference competes with compositing (and with
 * a software renderer) for the same CPU: on this project's 2-core machine the accurate level
 * composited in 48 ms p50 with the engine busy 60% of the time and in 20 ms at 8%. So while
 * compositing overruns its budget the duty steps down, never below what keeps a fresh mask every
 * few frames, and steps back up once there is room.
 *
 * Masks first (`balanced`, `accurate`): the segmenter takes every frame it can and a held frame
 * waits up to a whole interval, so inference and compositing take turns; where that costs the
 * output its rate, the level yields to frames first for a while (watchOutputRate).
 */
import { FRAMES_FIRST, type SchedulingSettings } from '../levels';

/** Output rate judged over this window… */
const RATE_WINDOW_MS = 1500;
/** …under this share of the camera's rate… */
const YIELD_BELOW_SHARE = 0.75;
/** …and a level that waits for its masks stops waiting this long before it tries again. */
const YIELD_MS = 10_000;

export class MaskScheduler {
  private composeEma = 0;
  private inferenceEma = 0;
  private lastRequestAt = Number.NEGATIVE_INFINITY;
  private dutyNow: number;
  /** The drawn level's settings, and the ones in force (frames first while masks first yields). */
  private level = FRAMES_FIRST;
  private settings = FRAMES_FIRST;
  /** When the settings in force took over (performance.now()). */
  private settingsSince = Number.NEGATIVE_INFINITY;
  /** When the frames of the last RATE_WINDOW_MS came in and were drawn. */
  private readonly cameraAt: number[] = [];
  private readonly drawnAt: number[] = [];

  /**
   * An upper bound on the duty set from outside, whatever the controller says: the pipeline lowers
   * it while another engine loads beside this one, so the load gets the CPU it needs.
   */
  dutyCap = 1;

  /**
   * @param frameIntervalMs the source's frame interval (1000 / frame rate); 0 when unknown
   * @param headroom share of the interval the pipeline may use (the rest is the browser's)
   */
  constructor(
    /** The camera's frame interval; a camera swap (setInput) sets its own. */
    public frameIntervalMs: number,
    private readonly headroom = 0.85,
  ) {
    this.dutyNow = this.settings.maxDuty;
  }

  /** The drawn level's settings (LevelConfig.scheduling); a change takes effect at once. */
  set scheduling(next: SchedulingSettings) {
    if (next === this.level) return;
    this.level = next;
    this.settings = next;
    this.settingsSince = Number.NEGATIVE_INFINITY;
    // As at a start: the controller steps down from there if compositing overruns.
    this.dutyNow = next.maxDuty;
  }

  /**
   * The share of the time the segmenter may be busy now. The floor holds at every moment, at
   * today's inference cost: a fused level answers a still picture from its last mask in 0.1 ms,
   * its cost average fell and the floor with it, and a compositing overrun then (a level starting
   * beside the camera's first frames) took the duty down to 0.05; once the picture moved, a mask
   * came every 400 ms and took seconds to recover (the eval's moving clips at `balanced`: IoU 0.24
   * over the first sixth where `fast` scored 0.46).
   */
  get duty(): number {
    return Math.min(Math.max(this.dutyNow, this.dutyFloor()), this.dutyCap);
  }

  /** Whether an idle segmenter may take a new frame now (ms, performance.now()). */
  mayRequest(now: number): boolean {
    return now - this.lastRequestAt >= this.inferenceEma / this.duty;
  }

  recordRequest(now: number): void {
    this.lastRequestAt = now;
  }

  get budgetMs(): number {
    return this.frameIntervalMs * this.headroom;
  }

  /**
   * How long a held frame may wait for its own mask before it goes out with the newest one: what
   * compositing leaves of the budget, or with masks first a whole frame interval (the output may
   * then fall behind the camera's rate: the processor's frame buffer drops the oldest).
   */
  waitLimitMs(): number {
    if (!(this.frameIntervalMs > 0)) return 1000;
    if (this.settings.waitsWholeInterval) return this.frameIntervalMs;
    return Math.max(1, this.budgetMs - this.composeEma);
  }

  /** A frame was drawn, its compositing `ms` long, at `now` (performance.now()). */
  recordCompose(ms: number, now = performance.now()): void {
    this.composeEma = ema(this.composeEma, ms);
    if (!(this.frameIntervalMs > 0)) return;
    this.watchOutputRate(now);
    const { maxDuty } = this.settings;
    // Down fast (halves in about 14 frames) so an overrun costs few frames; up slowly (doubles
    // in about 70) so the duty does not swing between the two every second.
    if (this.composeEma > this.budgetMs) {
      this.dutyNow = Math.max(this.dutyFloor(), this.dutyNow * 0.95);
    } else if (this.composeEma < 0.7 * this.budgetMs) {
      this.dutyNow = Math.min(maxDuty, this.dutyNow * 1.01);
    }
  }

  /** A camera frame came in at `now` (performance.now()): the rate the output is judged against. */
  recordFrameIn(now = performance.now()): void {
    this.cameraAt.push(now);
    trim(this.cameraAt, now);
  }

  /**
   * Waiting for masks must not cost the output its rate for long: where compositing and inference
   * together take more than a frame interval (720p blur at `accurate` on this project's 2-core
   * software-GL machine: 18 fps of 29), the level yields to frames first for YIELD_MS, then tries
   * again.
   */
  private watchOutputRate(now: number): void {
    this.drawnAt.push(now);
    trim(this.drawnAt, now);
    if (this.settings.waitsWholeInterval) {
      // Judged over a full window only: one slow frame is not a trend.
      if (now - this.settingsSince < RATE_WINDOW_MS) return;
      const camera = this.cameraAt.length;
      if (camera >= 4 && this.drawnAt.length < YIELD_BELOW_SHARE * camera) {
        this.settings = FRAMES_FIRST;
        this.settingsSince = now;
        this.dutyNow = Math.min(this.dutyNow, FRAMES_FIRST.maxDuty);
      }
    } else if (this.settings !== this.level && now - this.settingsSince >= YIELD_MS) {
      this.settings = this.level;
      this.settingsSince = now;
      this.dutyNow = this.level.maxDuty;
    }
  }

  /**
   * The duty that still gives minMaskShare fresh masks per source frame at today's inference cost.
   * An engine too slow for that share even at the full duty gets less the slower it is
   * (maxDuty² / needed, continuous at the full duty), down to a third of the full duty: DeepLabV3
   * here (85 ms a mask alone, 150–700 ms beside compositing) held at the full duty kept its masks a
   * little fresher and took the CPU compositing needed (the bench's blur row: 20 fps of 30; 24–28
   * at half the full duty, 26–27 at a third). The lower bound stops a loop: inference slowed by
   * contention would lower its own floor.
   */
  private dutyFloor(): number {
    const { maxDuty, minMaskShare } = this.settings;
    if (!(this.frameIntervalMs > 0)) return 0.05;
    const needed = (minMaskShare * this.inferenceEma) / this.frameIntervalMs;
    if (needed > maxDuty) return Math.max(maxDuty / 3, (maxDuty * maxDuty) / needed);
    return Math.max(0.05, needed);
  }

  recordInference(ms: number): void {
    this.inferenceEma = ema(this.inferenceEma, ms);
  }
}

/** Drops the times older than the rate window. */
function trim(times: number[], now: number): void {
  while (times.length > 0 && now - (times[0] as number) > RATE_WINDOW_MS) times.shift();
}

function ema(previous: number, sample: number, a = 0.2): number {
  return previous === 0 ? sample : previous + a * (sample - previous);
}
