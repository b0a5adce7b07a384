/** Fixed-size ring of the latest samples; percentiles over what it holds. No allocation per sample. */
export class SampleWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity = 120) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.values.length;
    this.filled = Math.min(this.filled + 1, this.values.length);
  }

  get size(): number {
    return this.filled;
  }

  /** Nearest-rank percentile, p in 0..100; 0 when empty. */
  percentile(p: number): number {
    if (this.filled === 0) return 0;
    const sorted = Array.from(this.values.subarray(0, this.filled)).sort((a, b) => a - b);
    const rank = Math.min(this.filled - 1, Math.max(0, Math.ceil((p / 100) * this.filled) - 1));
    return sorted[rank] ?? 0;
  }

  summary(): { p50: number; p95: number } {
    return { p50: round2(this.percentile(50)), p95: round2(this.percentile(95)) };
  }

  clear(): void {
    this.next = 0;
    this.filled = 0;
  }
}

/** Events per second over a sliding window of `windowMs`, from event times in ms. */
export class RateMeter {
  private readonly times: number[] = [];
  constructor(private readonly windowMs = 2000) {}

  tick(now: number): void {
    this.times.push(now);
    this.trim(now);
  }

  rate(now: number): number {
    this.trim(now);
    if (this.times.length < 2) return 0;
    const first = this.times[0] ?? now;
    const span = Math.max(now - first, 1);
    return round2(((this.times.length - 1) * 1000) / span);
  }

  private trim(now: number): void {
    while (this.times.length > 0 && (this.times[0] ?? now) < now - this.windowMs)
      this.times.shift();
  }
}

/**
 * Frames the source dropped before we saw them: frames the camera produced between the first and
 * the latest capture timestamp (µs) we received, less the ones we received. Counting over the whole
 * span, not gap by gap, keeps timestamp jitter (a 0.6 then a 1.4 interval) from adding phantom drops.
 */
export function droppedSince(
  firstUs: number,
  latestUs: number,
  frameIntervalUs: number,
  received: number,
): number {
  if (!(frameIntervalUs > 0) || !(latestUs >= firstUs)) return 0;
  return Math.max(0, Math.round((latestUs - firstUs) / frameIntervalUs) + 1 - received);
}

export function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
