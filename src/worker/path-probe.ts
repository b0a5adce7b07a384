export type Path = 'texture' | 'planes';

/** How many times slower than the other on every kept sample a path must be to lose at once. */
const CLEAR_FACTOR = 4;

/**
 * 'auto' frame-path choice: try each path on a few real frames, keep the cheaper (median ms), or
 * stop early when one path is clearly the slower.
 */
export class PathProbe {
  private readonly samples: Record<Path, number[]> = { planes: [], texture: [] };
  private decided: Path | null;

  constructor(
    forced: Path | null,
    private readonly perPath = 4,
  ) {
    this.decided = forced;
  }

  get choice(): Path | null {
    return this.decided;
  }

  /** The path to use for the next frame. */
  next(): Path {
    if (this.decided) return this.decided;
    return this.samples.planes.length <= this.samples.texture.length ? 'planes' : 'texture';
  }

  record(path: Path, ms: number): void {
    if (this.decided) return;
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
      const median = (v: number[]) => {
        const s = [...v].sort((a, b) => a - b);
        return s[Math.floor(s.length / 2)] ?? Number.POSITIVE_INFINITY;
      };
      this.decided = median(planes) <= median(texture) ? 'planes' : 'texture';
    }
  }

  measurements(): Record<Path, number[]> {
    return { planes: [...this.samples.planes], texture: [...this.samples.texture] };
  }
}
