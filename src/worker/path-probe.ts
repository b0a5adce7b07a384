export type Path = 'texture' | 'planes';

/** How many times slower than the other on every kept sample a path must be to lose at once. */
const CLEAR_FACTOR = 4;
/** Frames the chosen path runs before the one second look at the choice. */
const RECHECK_FRAMES = 30;
/** How many times the other path's probe median the chosen one's must reach to be given up at once. */
const RECHECK_FACTOR = 3;
/** Frames the other path gets at the second look, in the steady state (the first is left out). */
const RETRY_FRAMES = 4;
/** The other path wins the second look when its median is under this share of the chosen one's. */
const RETRY_MARGIN = 0.85;

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.POSITIVE_INFINITY;
};

/**
 * 'auto' frame-path choice: try each path on a few real frames, keep the cheaper (median ms), or
 * stop early when one path is clearly the slower. The probe runs at start, when the model load and
 * the warm-up share the CPU, so the choice gets one second look: after RECHECK_FRAMES frames on
 * the chosen path, a median RECHECK_FACTOR times the other path's start-up median hands the choice
 * over at once (once, here, a noisy start picked `texture` on SwiftShader: 6.4 fps instead of about
 * 25); short of that, the other path runs RETRY_FRAMES frames now that start-up is over (cut short
 * when one of them is RECHECK_FACTOR times the chosen median), and the cheaper of the two steady
 * medians keeps it, for good. At 640x360 the start picked `texture` in about half the runs here,
 * at 29–45 ms per frame against 13–20 on planes (20 fps instead of 27), some of them clear-cut:
 * start-up samples are taken while the model loads and say little about the steady state.
 */
export class PathProbe {
  private readonly samples: Record<Path, number[]> = { planes: [], texture: [] };
  private decided: Path | null;
  /** The chosen path's times after the decision, until the second look; null once it is done. */
  private afterDecision: number[] | null = [];
  /** The other path's steady times at the second look, while it is being retried. */
  private retry: number[] | null = null;

  constructor(
    forced: Path | null,
    private readonly perPath = 4,
  ) {
    this.decided = forced;
    if (forced) this.afterDecision = null;
  }

  get choice(): Path | null {
    return this.decided;
  }

  /** The path to use for the next frame. */
  next(): Path {
    if (this.decided && this.retry) return this.decided === 'planes' ? 'texture' : 'planes';
    if (this.decided) return this.decided;
    return this.samples.planes.length <= this.samples.texture.length ? 'planes' : 'texture';
  }

  record(path: Path, ms: number): void {
    if (this.decided) {
      this.recheck(path, ms);
      return;
    }
    this.samples[path].push(ms);
    // The first sample of each path pays for allocation and shader warm-up; leave it out.
    const planes = this.samples.planes.slice(1);
    const texture = this.samples.texture.slice(1);
    if (planes.length === 0 || texture.length === 0) return;
    // A path that is several times slower on every frame so far has lost: each further sample of
    // it is a slow output frame (on SwiftShader the texture path's frames took 150–250 ms here
    // against 20 on planes).
    const clearly = (a: number[], b: number[]) => Math.max(...a) * CLEAR_FACTOR < Math.min(...b);
    if (clearly(planes, texture)) this.decided = 'planes';
    else if (clearly(texture, planes)) this.decided = 'texture';
    else if (planes.length >= this.perPath - 1 && texture.length >= this.perPath - 1) {
      this.decided = median(planes) <= median(texture) ? 'planes' : 'texture';
    }
  }

  private recheck(path: Path, ms: number): void {
    const after = this.afterDecision;
    const chosen = this.decided;
    if (!after || !chosen) return;
    const other: Path = chosen === 'planes' ? 'texture' : 'planes';
    if (this.retry) {
      if (path !== other) return;
      this.retry.push(ms);
      const counted = this.retry.slice(1);
      const hopeless = counted.some((v) => v > RECHECK_FACTOR * median(after));
      if (this.retry.length < RETRY_FRAMES && !hopeless) return;
      if (!hopeless && median(counted) < RETRY_MARGIN * median(after)) this.decided = other;
      this.retry = null;
      this.afterDecision = null;
      return;
    }
    if (path !== chosen) return;
    after.push(ms);
    if (after.length < RECHECK_FRAMES) return;
    const otherSamples = this.samples[other].slice(1);
    if (otherSamples.length > 0 && median(after) > RECHECK_FACTOR * median(otherSamples)) {
      this.decided = other;
      this.afterDecision = null;
    } else if (otherSamples.length === 0) {
      this.afterDecision = null;
    } else {
      this.retry = [];
    }
  }

  measurements(): Record<Path, number[]> {
    return { planes: [...this.samples.planes], texture: [...this.samples.texture] };
  }
}
