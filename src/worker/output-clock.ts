/**
 * The output track's timestamps and when to repeat (output-worker.ts). Frames go out with their
 * camera frame's capture timestamp, so an app (and the tests) can pair them; the track's clock
 * must never step back, or encoders drop or misorder frames.
 *
 * Repeats of the last frame (a pipeline worker gone silent, a restart) are stamped as a frame
 * arriving now with the longest lag seen lately would be: behind the real frames still on their
 * way, so those go out after them with their own timestamps. Repeats stamped at the wall clock's
 * pace from the last frame ran a pipeline's latency ahead of the real frames, and every real
 * frame that came after a repeat was dropped: behind a camera slower than the repeat threshold
 * (a webcam at 5–7 fps in dim light) or a pipeline that stalls now and then, the output showed
 * repeats and dropped the camera's frames. A real frame that a repeat still got ahead of goes out
 * 1 ms after it, never dropped.
 *
 * When to repeat: after silence well beyond the gaps this source leaves anyway (a slow camera, a
 * level that waits for masks), so a slow source is never padded with repeats of itself; during a
 * restart, which the page announces, after the nominal 4 frame intervals.
 *
 * A camera swap to a source on another clock (a canvas or a generator track counts from its own
 * zero), where every later frame would be older than the last real frame out, is shifted to
 * follow on.
 */
export class OutputClock {
  private last = Number.NEGATIVE_INFINITY;
  /** The last real (not repeated) frame's output timestamp. */
  private lastReal = Number.NEGATIVE_INFINITY;
  private offsetUs = 0;
  /** Arrival time (ms, this worker's clock) minus output timestamp (µs → ms), last LAG_WINDOW frames. */
  private lags: number[] = [];
  private lastArrivalMs = Number.NaN;
  /** The longest recent gap between frames (ms), decaying frame by frame. */
  private gapMs = 0;
  private lateCount = 0;

  /** A step back from the last real frame larger than this is another clock, not disorder. */
  constructor(private readonly jumpUs = 1_000_000) {}

  /** Real frames that a repeat had got ahead of, sent 1 ms after it instead of at their own time. */
  get late(): number {
    return this.lateCount;
  }

  /**
   * The timestamp a pipeline's frame goes out with, or null: drop it (a duplicate, or a frame
   * older than one already out by less than `jumpUs`). `arrivalMs` is when it came
   * (performance.now()).
   */
  place(timestamp: number, intervalUs: number, arrivalMs: number): number | null {
    let t = timestamp + this.offsetUs;
    if (t <= this.lastReal) {
      // Older than a frame already out: a frame out of order (or a duplicate) is dropped; far
      // older, it is another clock (a camera's own never steps back a second).
      if (this.lastReal - t < this.jumpUs) return null;
      this.offsetUs += this.last + intervalUs - t;
      t = this.last + intervalUs;
    } else if (t <= this.last) {
      // Behind only the repeats.
      this.lateCount++;
      t = this.last + 1000;
    }
    this.last = t;
    this.lastReal = t;
    this.noteArrival(arrivalMs, t);
    return t;
  }

  /** The timestamp of a repeat of the last frame sent at `nowMs`. */
  repeat(nowMs: number): number {
    const lag = this.lags.length > 0 ? Math.max(...this.lags) : 0;
    const t = Math.max(Math.round((nowMs - lag) * 1000), this.last + 1000);
    this.last = t;
    return t;
  }

  /**
   * Silence (ms) after which the last frame is repeated on the output worker's own initiative:
   * `intervals` frame intervals of the nominal rate, or twice the longest recent gap if that is
   * more, at most 250 ms: a camera down to 4 fps is not padded, and a pipeline that stalls (an
   * engine replaced beside it) leaves no longer gap (at 500 ms a clean-clone run saw 714 ms). During
   * a restart the page asks for repeats and the worker waits the nominal intervals only.
   */
  silenceMs(frameIntervalMs: number, intervals: number): number {
    return Math.min(250, Math.max(frameIntervalMs * intervals, 2 * this.gapMs));
  }

  private noteArrival(arrivalMs: number, timestampUs: number): void {
    const gap = arrivalMs - this.lastArrivalMs;
    // A gap of a second or more is itself a stall (or the first frame): it says nothing of pace.
    if (gap >= 0 && gap < 1000) this.gapMs = Math.max(gap, this.gapMs * GAP_DECAY);
    this.lastArrivalMs = arrivalMs;
    this.lags.push(arrivalMs - timestampUs / 1000);
    if (this.lags.length > LAG_WINDOW) this.lags.shift();
  }
}

/** Frames whose lag the repeats stay behind: about two seconds at 30 fps. */
const LAG_WINDOW = 60;
/** Per frame: a gap 60 frames old counts about 5% of itself. */
const GAP_DECAY = 0.95;
