import { describe, expect, it } from 'vitest';
import { AdaptiveQuality } from '../../src/worker/adaptive-quality';

/** Feeds one observation per 500 ms from t0 to t1; returns the changes with their times. */
function feed(
  a: AdaptiveQuality,
  t0: number,
  t1: number,
  fps: number,
  maskFps: number,
): Array<[number, string]> {
  const changes: Array<[number, string]> = [];
  for (let t = t0; t <= t1; t += 500) {
    const c = a.observe(t, fps, maskFps);
    if (c) changes.push([t, c.quality]);
  }
  return changes;
}

describe('AdaptiveQuality', () => {
  it('steps down one level after 3 s of overload, then again no sooner than 5 s later', () => {
    const a = new AdaptiveQuality('accurate', 30);
    const changes = feed(a, 10_000, 30_000, 20, 5);
    expect(changes.map(([, q]) => q)).toEqual(['balanced', 'fast']);
    const [first, second] = changes;
    expect((first?.[0] ?? 0) - 10_000).toBeGreaterThanOrEqual(3000);
    expect((second?.[0] ?? 0) - (first?.[0] ?? 0)).toBeGreaterThanOrEqual(5000);
    expect(a.quality).toBe('fast');
  });

  it('does not step down while the output holds the frame rate and masks keep up', () => {
    const a = new AdaptiveQuality('balanced', 30);
    expect(feed(a, 10_000, 30_000, 28, 12)).toEqual([]);
  });

  it('steps down when masks fall behind even though every frame still goes out', () => {
    const a = new AdaptiveQuality('balanced', 30);
    const changes = feed(a, 10_000, 20_000, 30, 6);
    expect(changes.map(([, q]) => q)).toEqual(['fast']);
  });

  it('steps back up with headroom, never above the requested level', () => {
    const a = new AdaptiveQuality('balanced', 30);
    feed(a, 10_000, 20_000, 20, 5);
    expect(a.quality).toBe('fast');
    const up = feed(a, 20_500, 60_000, 30, 30);
    expect(up.map(([, q]) => q)).toEqual(['balanced']);
    expect(a.quality).toBe('balanced');
  });

  it('steps back up through a brief dip in every few seconds, as on a machine with other work', () => {
    const a = new AdaptiveQuality('balanced', 15);
    feed(a, 10_000, 20_000, 10, 2);
    expect(a.quality).toBe('fast');
    const ups: number[] = [];
    for (let t = 20_500; t <= 60_000; t += 500) {
      // One look in ten (0.5 s in every 5 s) just under the bar, as a loaded run's were.
      const dip = (t / 500) % 10 === 3;
      const c = a.observe(t, dip ? 14 : 15, dip ? 7 : 9);
      if (c) ups.push(t);
    }
    expect(ups.length).toBe(1);
    expect((ups[0] ?? 0) - 20_500).toBeLessThan(10_000);
    expect(a.quality).toBe('balanced');
  });

  it('does not oscillate: no more than one change per 5 s under a flapping load', () => {
    const a = new AdaptiveQuality('accurate', 30);
    const changes: number[] = [];
    for (let t = 10_000; t < 70_000; t += 500) {
      const bad = Math.floor(t / 4000) % 2 === 0;
      const c = a.observe(t, bad ? 15 : 30, bad ? 5 : 30);
      if (c) changes.push(t);
    }
    for (let i = 1; i < changes.length; i++) {
      expect((changes[i] ?? 0) - (changes[i - 1] ?? 0)).toBeGreaterThanOrEqual(5000);
    }
  });

  it('backs off: a step up undone soon after waits longer before the next try', () => {
    const a = new AdaptiveQuality('balanced', 30);
    feed(a, 0, 4_000, 10, 5); // down to fast at 3 s
    const ups: number[] = [];
    // A function, so TypeScript does not narrow the getter across observe() calls.
    const level = (): string => a.quality;
    let t = 4_500;
    for (let cycle = 0; cycle < 3; cycle++) {
      // Room at fast until it steps up, then overloaded at balanced until it steps down again.
      while (level() === 'fast') {
        a.observe(t, 30, 30);
        if (level() === 'balanced') ups.push(t);
        t += 500;
      }
      while (level() === 'balanced') {
        a.observe(t, 10, 5);
        t += 500;
      }
    }
    expect(ups.length).toBe(3);
    expect((ups[2] ?? 0) - (ups[1] ?? 0)).toBeGreaterThan((ups[1] ?? 0) - (ups[0] ?? 0));
  });

  it('a new request resets the level and the ceiling', () => {
    const a = new AdaptiveQuality('accurate', 30);
    feed(a, 10_000, 14_000, 10, 5);
    expect(a.quality).toBe('balanced');
    a.request('fast', 15_000);
    expect(a.quality).toBe('fast');
    expect(feed(a, 15_500, 40_000, 30, 30)).toEqual([]);
  });

  it('looks twice a second, never in the first 3 s after the first frame or while not eligible', () => {
    const a = new AdaptiveQuality('balanced', 30);
    const looks: number[] = [];
    for (let t = 1000; t <= 6000; t += 100) {
      // Not eligible from 4 s to 5 s (a switch under way): the first frame's time still counts.
      if (a.due(t, t < 4000 || t >= 5000)) looks.push(t);
    }
    expect(looks).toEqual([5000, 5500, 6000]);
    const b = new AdaptiveQuality('balanced', 30);
    b.due(0, false);
    expect(b.due(2900, true)).toBe(false);
    expect(b.due(3000, true)).toBe(true);
    expect(b.due(3400, true)).toBe(false);
    expect(b.due(3500, true)).toBe(true);
  });
});
