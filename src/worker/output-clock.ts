/**
 * The output track's timestamps (output-worker.ts). Frames go out with their camera frame's capture
 * timestamp, so an app (and the tests) can pair them; the track's clock must never step back,
 * or encoders drop or misorder frames. Two things could make it: repeats of the last frame during a
 * restart, stamped at wall-clock pace, run a pipeline's latency ahead of the next real frames
 * (those few are dropped); and a camera swap to a source on another clock (a canvas or a
 * generator track counts from its own zero), where every later frame would be older than the
 * last one out (from then on the frames are shifted to follow on).
 */
export class OutputClock {
  private last = Number.NEGATIVE_INFINITY;
  private offsetUs = 0;

  /** A step back larger than this is another clock, not a repeat that ran ahead. */
  constructor(private readonly jumpUs = 1_000_000) {}

  get lastTimestamp(): number {
    return this.last;
  }

  /** The timestamp a pipeline's frame goes out with, or null: drop it. */
  place(timestamp: number, intervalUs: number): number | null {
    let t = timestamp + this.offsetUs;
    if (t <= this.last) {
      if (this.last - t < this.jumpUs) return null;
      this.offsetUs += this.last + intervalUs - t;
      t = this.last + intervalUs;
    }
    this.last = t;
    return t;
  }

  /** The timestamp of a repeat of the last frame, `elapsedUs` after it. */
  repeat(elapsedUs: number): number {
    this.last += Math.max(1, elapsedUs);
    return this.last;
  }
}
