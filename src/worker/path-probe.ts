export type Path = 'texture' | 'planes';

/** 'auto' frame-path choice: try each path on a few real frames, keep the cheaper (median ms). */
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
    if (this.samples.planes.length >= this.perPath && this.samples.texture.length >= this.perPath) {
      // The first sample of each path pays for allocation and shader warm-up; leave it out.
      const median = (v: number[]) => {
        const s = v.slice(1).sort((a, b) => a - b);
        return s[Math.floor(s.length / 2)] ?? Number.POSITIVE_INFINITY;
      };
      this.decided =
        median(this.samples.planes) <= median(this.samples.texture) ? 'planes' : 'texture';
    }
  }

  measurements(): Record<Path, number[]> {
    return { planes: [...this.samples.planes], texture: [...this.samples.texture] };
  }
}
