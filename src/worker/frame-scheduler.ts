/**
 * Decides, frame by frame, whether to run the segmenter or reuse the newest mask, so the output
 * keeps the camera's frame rate when segmentation and compositing together do not fit in one frame
 * interval. Every frame is still composited (with the newest mask); only inference is skipped.
 * When even compositing alone does not fit, the source drops frames (the processor's small buffer)
 * and nothing queues here, so latency cannot grow.
 */
export interface SchedulerDecision {
  segment: boolean;
  /** Segment one frame in `every` (1 = all). */
  every: number;
}

export class FrameScheduler {
  private segmentEma = 0;
  private composeEma = 0;
  private sinceSegment = Number.POSITIVE_INFINITY;
  private every = 1;

  /**
   * @param frameIntervalMs the source's frame interval (1000 / frame rate)
   * @param maxEvery never reuse a mask for more than this many frames in a row
   * @param headroom share of the interval the pipeline may use (the rest is the browser's)
   */
  constructor(
    private readonly frameIntervalMs: number,
    private readonly maxEvery = 6,
    private readonly headroom = 0.85,
  ) {}

  /** Call before each frame. */
  next(): SchedulerDecision {
    const segment = this.sinceSegment >= this.every;
    if (segment) this.sinceSegment = 0;
    this.sinceSegment++;
    return { segment, every: this.every };
  }

  /** Call after each frame with what it cost; `segmentMs` only for frames that were segmented. */
  record(composeMs: number, segmentMs: number | null): void {
    const a = 0.2;
    this.composeEma =
      this.composeEma === 0 ? composeMs : this.composeEma + a * (composeMs - this.composeEma);
    if (segmentMs !== null) {
      this.segmentEma =
        this.segmentEma === 0 ? segmentMs : this.segmentEma + a * (segmentMs - this.segmentEma);
    }
    this.every = this.cadence();
  }

  /** Smallest n with compose + segment / n within the budget, approached from above with hysteresis. */
  private cadence(): number {
    if (!(this.frameIntervalMs > 0)) return 1;
    const budget = this.frameIntervalMs * this.headroom;
    const spare = budget - this.composeEma;
    const needed = spare <= 0 ? this.maxEvery : Math.ceil(this.segmentEma / spare);
    const n = Math.min(this.maxEvery, Math.max(1, needed));
    // Go back to segmenting more often one step at a time, and only with 8% of the budget to
    // spare at the new cadence, so n does not flap around the edge.
    if (n < this.every) {
      const candidate = this.every - 1;
      return this.composeEma + this.segmentEma / candidate <= budget * 0.92
        ? candidate
        : this.every;
    }
    return n;
  }

  get segmentEvery(): number {
    return this.every;
  }

  /** Whether masks are already reused as long as allowed: the scheduler has nothing left to give. */
  get saturated(): boolean {
    return this.every >= this.maxEvery;
  }
}
