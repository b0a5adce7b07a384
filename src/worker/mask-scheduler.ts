/**
 * Per-frame timing decisions between compositing (this thread) and segmentation (the segmenter
 * worker, in parallel). Each frame is held for its own mask while the next one comes in
 * (FramePipeline.process); how long it may wait then is what is left of the frame budget after
 * compositing, so waiting never costs frame rate: a mask that is later than that goes to the next
 * frame, and this one takes the newest mask there is.
 *
 * The segmenter's share of the time (its duty) is the other lever. On a machine with few cores
 * inference competes with compositing (and with a software renderer) for the same CPU: on this
 * project's 2-core machine the accurate level composited in 48 ms p50 with the engine busy 60% of
 * the time and in 20 ms at 8%. So while compositing overruns its budget the duty steps down,
 * never below what keeps a fresh mask every few frames, and steps back up once there is room.
 */
export class MaskScheduler {
  private composeEma = 0;
  private inferenceEma = 0;
  private lastRequestAt = Number.NEGATIVE_INFINITY;
  private dutyNow: number;

  /**
   * An upper bound on the duty set from outside, whatever the controller says: the pipeline lowers
   * it while another engine loads beside this one, so the load gets the CPU it needs.
   */
  dutyCap = 1;

  /**
   * @param frameIntervalMs the source's frame interval (1000 / frame rate); 0 when unknown
   * @param headroom share of the interval the pipeline may use (the rest is the browser's)
   * @param maxDuty the largest share of the time the segmenter may be busy
   * @param minMaskShare fresh masks per source frame the duty never goes below (adaptive quality
   *   calls a level overloaded under 0.25, so the controller alone never triggers a step down)
   */
  constructor(
    private readonly frameIntervalMs: number,
    private readonly headroom = 0.85,
    private readonly maxDuty = 0.6,
    private readonly minMaskShare = 0.3,
  ) {
    this.dutyNow = maxDuty;
  }

  /** The share of the time the segmenter may be busy now. */
  get duty(): number {
    return Math.min(this.dutyNow, this.dutyCap);
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

  /** How long a held frame may wait for its own mask before it goes out with the newest one. */
  waitLimitMs(): number {
    if (!(this.frameIntervalMs > 0)) return 1000;
    return Math.max(1, this.budgetMs - this.composeEma);
  }

  recordCompose(ms: number): void {
    this.composeEma = ema(this.composeEma, ms);
    if (!(this.frameIntervalMs > 0)) return;
    // Down fast (halves in about 14 frames) so an overrun costs few frames; up slowly (doubles
    // in about 70) so the duty does not swing between the two every second.
    if (this.composeEma > this.budgetMs) {
      this.dutyNow = Math.max(this.dutyFloor(), this.dutyNow * 0.95);
    } else if (this.composeEma < 0.7 * this.budgetMs) {
      this.dutyNow = Math.min(this.maxDuty, this.dutyNow * 1.01);
    }
  }

  /**
   * The duty that still gives minMaskShare fresh masks per source frame at today's inference cost.
   * An engine too slow for that share even at the full duty gets less the slower it is
   * (maxDuty² / needed, continuous at the full duty), down to half the full duty: DeepLabV3 here
   * (85 ms a mask alone, 150–700 ms beside compositing) held at the full duty kept its masks a
   * little fresher and took the CPU compositing needed (the bench's blur row: 20 fps of 30; 25 with
   * this floor). The lower bound stops a loop: inference slowed by contention would lower its own
   * floor.
   */
  private dutyFloor(): number {
    const needed = (this.minMaskShare * this.inferenceEma) / this.frameIntervalMs;
    if (needed > this.maxDuty) {
      return Math.max(this.maxDuty / 2, (this.maxDuty * this.maxDuty) / needed);
    }
    return Math.max(0.05, needed);
  }

  recordInference(ms: number): void {
    this.inferenceEma = ema(this.inferenceEma, ms);
  }
}

function ema(previous: number, sample: number, a = 0.2): number {
  return previous === 0 ? sample : previous + a * (sample - previous);
}
