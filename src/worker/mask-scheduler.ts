/**
 * Per-frame timing decisions between compositing (this thread) and segmentation (the segmenter
 * worker, in parallel). Every frame is composited with the newest mask; a new request goes out
 * whenever the segmenter is idle, so a slow engine means masks reused over more frames, never
 * frames queued. The one choice left is whether a frame waits for its own mask: only when
 * compositing plus inference fit in the frame budget; otherwise it goes out with the previous mask
 * and its own mask serves the next frame.
 */
export class MaskScheduler {
  private composeEma = 0;
  private inferenceEma = 0;
  private lastRequestAt = Number.NEGATIVE_INFINITY;

  /**
   * @param frameIntervalMs the source's frame interval (1000 / frame rate); 0 when unknown
   * @param headroom share of the interval the pipeline may use (the rest is the browser's)
   * @param messageMs round trip to the segmenter worker, beyond inference
   * @param duty share of the time the segmenter may be busy (the pipeline lowers it while
   *   another engine loads)
   */
  constructor(
    private readonly frameIntervalMs: number,
    private readonly headroom = 0.85,
    private readonly messageMs = 2,
    public duty = 0.6,
  ) {}

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

  /** Whether the frame that just sent a request should wait for its mask. */
  shouldWait(): boolean {
    if (!(this.frameIntervalMs > 0)) return true;
    return this.composeEma + this.inferenceEma + this.messageMs <= this.budgetMs;
  }

  /** How long a waiting frame may wait before it goes out with the previous mask. */
  waitLimitMs(): number {
    if (!(this.frameIntervalMs > 0)) return 1000;
    return Math.max(1, this.budgetMs - this.composeEma);
  }

  recordCompose(ms: number): void {
    this.composeEma = ema(this.composeEma, ms);
  }

  recordInference(ms: number): void {
    this.inferenceEma = ema(this.inferenceEma, ms);
  }
}

function ema(previous: number, sample: number, a = 0.2): number {
  return previous === 0 ? sample : previous + a * (sample - previous);
}
