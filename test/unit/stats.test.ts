import { describe, expect, it } from 'vitest';
import { droppedSince, RateMeter, round2, SampleWindow } from '../../src/worker/stats';

describe('SampleWindow', () => {
  it('returns 0 when empty', () => {
    const w = new SampleWindow(10);
    expect(w.size).toBe(0);
    expect(w.percentile(50)).toBe(0);
    expect(w.summary()).toEqual({ p50: 0, p95: 0 });
  });

  it('uses nearest-rank percentiles', () => {
    const w = new SampleWindow(100);
    // Pushed out of order: 1..10.
    for (const v of [7, 3, 10, 1, 9, 2, 8, 4, 6, 5]) w.push(v);
    expect(w.size).toBe(10);
    expect(w.percentile(0)).toBe(1);
    expect(w.percentile(10)).toBe(1);
    expect(w.percentile(11)).toBe(2);
    expect(w.percentile(50)).toBe(5);
    expect(w.percentile(51)).toBe(6);
    expect(w.percentile(90)).toBe(9);
    expect(w.percentile(95)).toBe(10);
    expect(w.percentile(100)).toBe(10);
  });

  it('nearest rank on 100 samples: p95 is the 95th value', () => {
    const w = new SampleWindow(100);
    for (let i = 100; i >= 1; i--) w.push(i);
    expect(w.percentile(95)).toBe(95);
    expect(w.percentile(50)).toBe(50);
    expect(w.percentile(1)).toBe(1);
  });

  it('handles a single sample', () => {
    const w = new SampleWindow(4);
    w.push(42);
    expect(w.percentile(0)).toBe(42);
    expect(w.percentile(50)).toBe(42);
    expect(w.percentile(100)).toBe(42);
  });

  it('overwrites the oldest samples once full', () => {
    const w = new SampleWindow(4);
    for (const v of [100, 200, 300, 400]) w.push(v);
    expect(w.percentile(100)).toBe(400);
    for (const v of [1, 2, 3]) w.push(v);
    // Holds 400, 1, 2, 3 now.
    expect(w.size).toBe(4);
    expect(w.percentile(0)).toBe(1);
    expect(w.percentile(100)).toBe(400);
    w.push(4);
    // 400 is gone too.
    expect(w.percentile(100)).toBe(4);
    expect(w.percentile(50)).toBe(2);
  });

  it('rounds the summary to two decimals', () => {
    const w = new SampleWindow(20);
    for (let i = 1; i <= 20; i++) w.push(i + 0.123456);
    expect(w.summary()).toEqual({ p50: 10.12, p95: 19.12 });
    const v = new SampleWindow(2);
    v.push(1.005 + 1e-9);
    v.push(2.6789);
    expect(v.summary()).toEqual({ p50: 1.01, p95: 2.68 });
  });

  it('clear empties it', () => {
    const w = new SampleWindow(4);
    w.push(5);
    w.push(6);
    w.clear();
    expect(w.size).toBe(0);
    expect(w.percentile(50)).toBe(0);
    w.push(9);
    expect(w.summary()).toEqual({ p50: 9, p95: 9 });
  });
});

describe('RateMeter', () => {
  it('is 0 with fewer than two events', () => {
    const m = new RateMeter(2000);
    expect(m.rate(0)).toBe(0);
    m.tick(100);
    expect(m.rate(100)).toBe(0);
  });

  it('measures ~30/s for ticks every 33.3 ms', () => {
    const m = new RateMeter(2000);
    let t = 0;
    for (let i = 0; i < 90; i++) {
      t = i * (1000 / 30);
      m.tick(t);
    }
    expect(m.rate(t)).toBeCloseTo(30, 1);
  });

  it('measures ~15/s for ticks every 66.7 ms', () => {
    const m = new RateMeter(1000);
    let t = 0;
    for (let i = 0; i < 40; i++) {
      t = 5000 + i * (1000 / 15);
      m.tick(t);
    }
    expect(m.rate(t)).toBeCloseTo(15, 1);
  });

  it('only counts events inside the window', () => {
    const m = new RateMeter(1000);
    // A burst at 100/s long ago, then 10/s recently.
    for (let i = 0; i < 100; i++) m.tick(i * 10);
    for (let i = 0; i <= 20; i++) m.tick(5000 + i * 100);
    expect(m.rate(7000)).toBeCloseTo(10, 5);
  });

  it('drops to 0 once every event has left the window', () => {
    const m = new RateMeter(1000);
    for (let i = 0; i < 30; i++) m.tick(i * 33);
    expect(m.rate(1000)).toBeGreaterThan(0);
    expect(m.rate(10_000)).toBe(0);
  });

  it('measures over the time since the oldest kept event, up to now', () => {
    const m = new RateMeter(2000);
    m.tick(0);
    m.tick(100);
    // Two events, 1 interval over 500 ms of window so far.
    expect(m.rate(500)).toBe(2);
  });
});

describe('droppedSince', () => {
  const interval = 33_333;

  it('counts nothing when every frame arrived', () => {
    expect(droppedSince(0, 9 * interval, interval, 10)).toBe(0);
    expect(droppedSince(5, 5, interval, 1)).toBe(0);
  });

  it('counts the frames produced over the span but not received', () => {
    expect(droppedSince(0, 9 * interval, interval, 7)).toBe(3);
    expect(droppedSince(1000, 1000 + 29 * interval, interval, 15)).toBe(15);
  });

  it('is not fooled by jitter between consecutive frames', () => {
    // 0.6 + 1.4 intervals: three frames over two intervals, none lost.
    expect(droppedSince(0, 2 * interval, interval, 3)).toBe(0);
    expect(droppedSince(0, 2.3 * interval, interval, 3)).toBe(0);
  });

  it('is 0 for a bad interval, a backwards span or more frames than expected', () => {
    expect(droppedSince(0, 3 * interval, 0, 1)).toBe(0);
    expect(droppedSince(0, 3 * interval, Number.NaN, 1)).toBe(0);
    expect(droppedSince(10 * interval, 0, interval, 1)).toBe(0);
    expect(droppedSince(0, interval, interval, 5)).toBe(0);
  });
});

describe('round2', () => {
  it('rounds to two decimals', () => {
    expect(round2(1.234)).toBe(1.23);
    expect(round2(1.236)).toBe(1.24);
    expect(round2(30)).toBe(30);
    expect(round2(-0.554)).toBe(-0.55);
    expect(round2(0.005 + 1e-9)).toBe(0.01);
  });
});
