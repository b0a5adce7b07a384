import { describe, expect, it } from 'vitest';
import { type Path, PathProbe } from '../../src/worker/path-probe';

/** Runs the probe like the worker does: ask next(), record that path's time. */
function drive(
  probe: PathProbe,
  cost: (path: Path, nth: number) => number,
  frames: number,
): Path[] {
  const used: Path[] = [];
  const seen: Record<Path, number> = { planes: 0, texture: 0 };
  for (let i = 0; i < frames; i++) {
    const path = probe.next();
    used.push(path);
    probe.record(path, cost(path, seen[path]++));
  }
  return used;
}

/** Per-path cost lists: the nth frame on a path costs that list's nth entry. */
function listed(planes: number[], texture: number[]): (path: Path, nth: number) => number {
  return (path, nth) => (path === 'planes' ? planes[nth] : texture[nth]) ?? 0;
}

describe('PathProbe', () => {
  it.each(['planes', 'texture'] as const)('with a forced path (%s) never changes', (forced) => {
    const probe = new PathProbe(forced);
    expect(probe.choice).toBe(forced);
    const used = drive(probe, (p) => (p === forced ? 100 : 1), 20);
    expect(used.every((p) => p === forced)).toBe(true);
    expect(probe.choice).toBe(forced);
    // Records are ignored once decided.
    expect(probe.measurements()).toEqual({ planes: [], texture: [] });
  });

  it('auto alternates planes and texture until it has perPath samples of each', () => {
    const probe = new PathProbe(null, 4);
    expect(probe.choice).toBeNull();
    const used: Path[] = [];
    for (let i = 0; i < 8; i++) {
      expect(probe.choice).toBeNull();
      const p = probe.next();
      used.push(p);
      probe.record(p, 5);
    }
    expect(used).toEqual([
      'planes',
      'texture',
      'planes',
      'texture',
      'planes',
      'texture',
      'planes',
      'texture',
    ]);
    expect(probe.choice).not.toBeNull();
    expect(probe.measurements().planes).toHaveLength(4);
    expect(probe.measurements().texture).toHaveLength(4);
  });

  it('does not decide before the last sample', () => {
    const probe = new PathProbe(null, 3);
    drive(probe, () => 1, 5);
    expect(probe.choice).toBeNull();
    drive(probe, () => 1, 1);
    expect(probe.choice).not.toBeNull();
  });

  it('picks texture when it is cheaper and sticks to it', () => {
    const probe = new PathProbe(null, 4);
    drive(probe, (p) => (p === 'planes' ? 10 : 4), 8);
    expect(probe.choice).toBe('texture');
    const later = drive(probe, (p) => (p === 'planes' ? 1 : 100), 10);
    expect(later.every((p) => p === 'texture')).toBe(true);
    expect(probe.choice).toBe('texture');
  });

  it('picks planes when it is cheaper', () => {
    const probe = new PathProbe(null, 4);
    drive(probe, (p) => (p === 'planes' ? 3 : 9), 8);
    expect(probe.choice).toBe('planes');
  });

  it('ignores each path first sample (warm-up): a huge first frame still wins', () => {
    const probe = new PathProbe(null, 4);
    // planes: 500 (warm-up), then 3, 3, 8 -> median of [3, 3, 8] is 3; texture is a steady 5.
    // Counting the warm-up sample would make planes' median 8 and hand the win to texture.
    const planes = [500, 3, 3, 8];
    const texture = [5, 5, 5, 5];
    drive(probe, listed(planes, texture), 8);
    expect(probe.choice).toBe('planes');
  });

  it('the same holds the other way round', () => {
    const probe = new PathProbe(null, 4);
    const planes = [5, 5, 5, 5];
    const texture = [900, 2, 2, 7];
    drive(probe, listed(planes, texture), 8);
    expect(probe.choice).toBe('texture');
  });

  it('uses the median, not the mean (one slow outlier does not flip the choice)', () => {
    const probe = new PathProbe(null, 4);
    const texture = [1, 2, 2, 200];
    const planes = [1, 4, 4, 4];
    drive(probe, listed(planes, texture), 8);
    expect(probe.choice).toBe('texture');
  });

  it('stops early when one path is over 4x slower on every kept sample', () => {
    const probe = new PathProbe(null, 4);
    // The warm-up samples (first of each) do not count; then planes 3 ms against texture 200 ms.
    const planes = [50, 3, 3, 3];
    const texture = [900, 200, 200, 200];
    const used = drive(probe, listed(planes, texture), 6);
    expect(used).toEqual(['planes', 'texture', 'planes', 'texture', 'planes', 'planes']);
    expect(probe.choice).toBe('planes');
    expect(probe.measurements().texture).toHaveLength(2);
  });

  it('and the other way round; a gap under 4x waits for the full sample', () => {
    const fast = new PathProbe(null, 4);
    drive(fast, listed([80, 90], [80, 10]), 4);
    expect(fast.choice).toBe('texture');
    const close = new PathProbe(null, 4);
    drive(close, (p) => (p === 'planes' ? 30 : 10), 4);
    expect(close.choice).toBeNull();
    drive(close, (p) => (p === 'planes' ? 30 : 10), 4);
    expect(close.choice).toBe('texture');
  });

  it('takes one second look after 30 frames: a chosen path 3x slower than the other gives way, for good', () => {
    const probe = new PathProbe(null, 4);
    // A noisy start: texture looks slightly cheaper (10 against 12 ms) and wins.
    const planes = [50, 12, 12, 12];
    const texture = [60, 10, 10, 10];
    drive(probe, listed(planes, texture), 8);
    expect(probe.choice).toBe('texture');
    // Then texture runs at 140 ms a frame: over 3x planes' 12.
    const steady = drive(probe, (p) => (p === 'texture' ? 140 : 20), 30);
    expect(steady.every((p) => p === 'texture')).toBe(true);
    expect(probe.choice).toBe('planes');
    // No third look: planes stays even when it turns slow.
    const after = drive(probe, (p) => (p === 'planes' ? 500 : 1), 60);
    expect(after.every((p) => p === 'planes')).toBe(true);
  });

  it('keeps a chosen path under 3x the other when the other is no cheaper in the steady state', () => {
    const probe = new PathProbe(null, 4);
    drive(probe, listed([50, 12, 12, 12], [60, 10, 10, 10]), 8);
    expect(probe.choice).toBe('texture');
    drive(probe, () => 30, 30);
    // The second look: planes runs 4 frames, as slow as texture now; texture stays.
    const retried = drive(probe, () => 30, 4);
    expect(retried.every((p) => p === 'planes')).toBe(true);
    expect(probe.choice).toBe('texture');
    const after = drive(probe, () => 1000, 60);
    expect(after.every((p) => p === 'texture')).toBe(true);
  });

  it('hands over at the second look when the other path is cheaper in the steady state', () => {
    const probe = new PathProbe(null, 4);
    // A close start picks texture; then texture runs at 29 ms and planes, retried, at 13.
    drive(probe, listed([50, 12, 12, 12], [60, 10, 10, 10]), 8);
    expect(probe.choice).toBe('texture');
    drive(probe, (p) => (p === 'texture' ? 29 : 13), 30);
    expect(probe.choice).toBe('texture');
    const retried = drive(probe, (p) => (p === 'texture' ? 29 : 13), 4);
    expect(retried.every((p) => p === 'planes')).toBe(true);
    expect(probe.choice).toBe('planes');
    const after = drive(probe, (p) => (p === 'planes' ? 500 : 1), 60);
    expect(after.every((p) => p === 'planes')).toBe(true);
  });

  it('retries after a clear-cut start too, and cuts the retry short when the other path is hopeless', () => {
    // Start-up samples say texture is clearly cheaper (the model load slowed planes), but in the
    // steady state texture runs at 45 ms and planes at 15: the retry hands over.
    const probe = new PathProbe(null, 4);
    drive(probe, listed([300, 200, 200, 200], [60, 20, 20, 20]), 6);
    expect(probe.choice).toBe('texture');
    drive(probe, (p) => (p === 'texture' ? 45 : 15), 30);
    const retried = drive(probe, (p) => (p === 'texture' ? 45 : 15), 4);
    expect(retried.every((p) => p === 'planes')).toBe(true);
    expect(probe.choice).toBe('planes');
    // The other way: planes clearly cheaper and still so; texture is tried on two frames only (its
    // first, left out, and one over 3x planes' median), then planes stays for good.
    const clear = new PathProbe(null, 4);
    drive(clear, listed([50, 3, 3, 3], [900, 200, 200, 200]), 6);
    expect(clear.choice).toBe('planes');
    const tried = drive(clear, (p) => (p === 'planes' ? 10 : 150), 40);
    const textureFrames = tried.filter((p) => p === 'texture').length;
    // Tried (its first frame left out, the next over 3x planes' median), then given up.
    expect(textureFrames).toBe(2);
    expect(tried.at(-1)).toBe('planes');
    expect(clear.choice).toBe('planes');
    const steady = drive(clear, (p) => (p === 'planes' ? 10 : 1), 60);
    expect(steady.every((p) => p === 'planes')).toBe(true);
  });

  it('a forced path is never looked at again', () => {
    const probe = new PathProbe('texture');
    drive(probe, (p) => (p === 'texture' ? 1000 : 1), 60);
    expect(probe.choice).toBe('texture');
  });

  it('measurements returns copies', () => {
    const probe = new PathProbe(null, 4);
    probe.record('planes', 3);
    const m = probe.measurements();
    m.planes.push(99);
    expect(probe.measurements().planes).toEqual([3]);
  });
});
