/** The soak's pass/fail reading (tools/soak.ts), apart so unit tests can check it. */
import type { SoakResult } from '../test/browser/page/soak';

const MB = 1024 * 1024;
/** The bar: no context's heap may grow this much after minute 1. */
const HEAP_GROWTH_LIMIT = 10 * MB;

export interface SoakVerdict {
  /** Minute 1's frame rate and that of the last minute at the same requested level. */
  heapGrowth: Record<string, number>;
  fpsFirst: number;
  fpsLast: number;
  failures: string[];
}

/** Heap growth per context after minute 1, VideoFrames and GL objects left after stop(), fps drift. */
export function judgeSoak(r: SoakResult): SoakVerdict {
  const first = r.minutes[0];
  const lastMinute = r.minutes.at(-1);
  const failures: string[] = [];
  const heapGrowth: Record<string, number> = {};
  if (first && lastMinute) {
    for (const [context, bytes] of Object.entries(lastMinute.heap)) {
      const before = first.heap[context];
      // A context that was not there at minute 1 (a segmenter worker of a later level) is
      // compared from its first minute on.
      const from = before ?? r.minutes.find((m) => m.heap[context] !== undefined)?.heap[context];
      if (from === undefined) continue;
      heapGrowth[context] = bytes - from;
      if (bytes - from >= HEAP_GROWTH_LIMIT) {
        failures.push(`${context} heap grew ${((bytes - from) / MB).toFixed(1)} MB`);
      }
    }
  }
  if (r.afterStop.framesOpen !== 0)
    failures.push(`${r.afterStop.framesOpen} VideoFrames open after stop()`);
  if (r.afterStop.glObjects !== 0)
    failures.push(`${r.afterStop.glObjects} GL objects alive after stop()`);
  // The first minute against the last one run at the same level (the level changes every
  // minute); a minute with a restart in it has no comparable rate.
  const last = [...r.minutes]
    .reverse()
    .find((m) => m !== first && m.requested === first?.requested && Number.isFinite(m.fpsOut));
  const fpsFirst = first?.fpsOut ?? 0;
  const fpsLast = last?.fpsOut ?? Number.NaN;
  if (!last) {
    failures.push(
      `no later minute at ${first?.requested} to compare the first with (run 4 minutes or more)`,
    );
  } else if (fpsLast < 0.9 * fpsFirst) {
    failures.push(
      `minute ${last.minute} at ${last.requested}: ${fpsLast.toFixed(1)} fps, under 90% of minute 1's ${fpsFirst.toFixed(1)}`,
    );
  }
  if (r.errors.length > 0) failures.push(`errors: ${r.errors.join('; ')}`);
  return { heapGrowth, fpsFirst, fpsLast, failures };
}
