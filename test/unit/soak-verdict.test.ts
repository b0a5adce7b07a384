import { describe, expect, it } from 'vitest';
import type { SoakMinute, SoakResult } from '../../test/browser/page/soak';
import { judgeSoak } from '../../tools/soak-verdict';

const MB = 1024 * 1024;

function minute(
  n: number,
  fpsOut: number,
  heap: Record<string, number>,
  requested: SoakMinute['requested'] = 'balanced',
): SoakMinute {
  return {
    minute: n,
    requested,
    quality: requested,
    fpsIn: 30,
    fpsOut,
    latencyP50: 60,
    latencyP95: 90,
    framesOpen: 2,
    glObjects: 80,
    framesOut: n * 1800,
    heap,
  };
}

function result(minutes: SoakMinute[], after = { framesOpen: 0, glObjects: 0 }): SoakResult {
  return {
    minutes,
    afterStop: { ...after, heap: {} },
    backgroundChanges: 6,
    qualityChanges: 1,
    errors: [],
    recovered: 0,
  };
}

describe('judgeSoak', () => {
  it('passes a flat run', () => {
    const v = judgeSoak(
      result([
        minute(1, 29.5, { page: 20 * MB, 'worker.ts': 30 * MB }),
        minute(2, 29.4, { page: 21 * MB, 'worker.ts': 31 * MB }),
        minute(3, 29.6, { page: 20.5 * MB, 'worker.ts': 32 * MB }),
      ]),
    );
    expect(v.failures).toEqual([]);
    expect(v.heapGrowth['worker.ts']).toBe(2 * MB);
  });

  it('catches heap growth in one context, leftovers after stop and a frame rate that sagged', () => {
    const v = judgeSoak(
      result(
        [
          minute(1, 29.5, { page: 20 * MB, 'worker.ts': 30 * MB }),
          minute(2, 27, { page: 21 * MB, 'worker.ts': 36 * MB }),
          minute(3, 25, { page: 20 * MB, 'worker.ts': 41 * MB }),
        ],
        { framesOpen: 1, glObjects: 3 },
      ),
    );
    expect(v.failures).toHaveLength(4);
    expect(v.failures[0]).toMatch(/worker\.ts heap grew 11\.0 MB/);
    expect(v.failures.join()).toMatch(/1 VideoFrames open/);
    expect(v.failures.join()).toMatch(/3 GL objects/);
    expect(v.failures.join()).toMatch(/under 90%/);
  });

  it('compares minute 1 with the last minute at the same level, not with another level', () => {
    const v = judgeSoak(
      result([
        minute(1, 29, { page: 20 * MB }),
        minute(2, 20, { page: 20 * MB }, 'accurate'),
        minute(3, 29.5, { page: 20 * MB }, 'fast'),
        minute(4, 28, { page: 20 * MB }),
        minute(5, 19, { page: 20 * MB }, 'accurate'),
      ]),
    );
    expect(v.fpsLast).toBe(28);
    expect(v.failures).toEqual([]);
    const short = judgeSoak(
      result([minute(1, 29, { page: 20 * MB }), minute(2, 20, { page: 20 * MB }, 'accurate')]),
    );
    expect(short.failures.join()).toMatch(/no later minute at balanced/);
  });

  it('compares a context that appeared later from its first minute', () => {
    const v = judgeSoak(
      result([
        minute(1, 30, { page: 20 * MB }),
        minute(2, 30, { page: 20 * MB, 'segmenter-worker.ts': 50 * MB }),
        minute(3, 30, { page: 20 * MB, 'segmenter-worker.ts': 52 * MB }),
      ]),
    );
    expect(v.heapGrowth['segmenter-worker.ts']).toBe(2 * MB);
    expect(v.failures).toEqual([]);
  });
});
