import { describe, expect, it } from 'vitest';
import { FRAMES_FIRST, LEVELS } from '../../src/levels';
import { MaskScheduler } from '../../src/worker/mask-scheduler';

function feed(s: MaskScheduler, frames: number, composeMs: number, inferenceMs: number): void {
  for (let i = 0; i < frames; i++) {
    s.recordCompose(composeMs);
    s.recordInference(inferenceMs);
  }
}

describe('MaskScheduler', () => {
  const interval = 1000 / 30;

  it('lets a held frame wait for what is left of the budget after compositing', () => {
    const s = new MaskScheduler(interval);
    feed(s, 30, 8, 10);
    expect(s.waitLimitMs()).toBeCloseTo(interval * 0.85 - 8, 1);
    // Slower compositing leaves less: waiting must never cost frame rate.
    feed(s, 60, 20, 10);
    expect(s.waitLimitMs()).toBeCloseTo(interval * 0.85 - 20, 0);
  });

  it('never waits longer than 1 ms past the budget, even when compositing alone is over it', () => {
    const s = new MaskScheduler(interval);
    feed(s, 30, 40, 5);
    expect(s.waitLimitMs()).toBe(1);
  });

  it('waits (up to a second) when the frame rate is unknown', () => {
    const s = new MaskScheduler(0);
    feed(s, 10, 50, 50);
    expect(s.waitLimitMs()).toBe(1000);
  });
});

describe('MaskScheduler duty cycle', () => {
  it('lets a fast segmenter take every frame', () => {
    const s = new MaskScheduler(1000 / 30);
    feed(s, 10, 8, 12);
    s.recordRequest(1000);
    expect(s.mayRequest(1000 + 1000 / 30)).toBe(true);
  });

  it('keeps a slow segmenter (100 ms) idle 40% of the time: next request after 167 ms', () => {
    const s = new MaskScheduler(1000 / 30);
    feed(s, 30, 8, 100);
    s.recordRequest(1000);
    expect(s.mayRequest(1100)).toBe(false);
    expect(s.mayRequest(1160)).toBe(false);
    expect(s.mayRequest(1167)).toBe(true);
  });
});

describe('MaskScheduler duty control', () => {
  const interval = 1000 / 30;

  it('lowers the duty while compositing overruns its budget, down to the floor that keeps 0.3 fresh masks per frame', () => {
    const s = new MaskScheduler(interval);
    feed(s, 5, 15, 25);
    expect(s.duty).toBeCloseTo(0.6, 5);
    feed(s, 200, 45, 25);
    // 0.3 masks per 33.3 ms frame at 25 ms per inference: busy 22.5% of the time.
    expect(s.duty).toBeCloseTo(0.225, 3);
    // At that duty the next request waits 25 / 0.225 = 111 ms: 3.3 frames.
    s.recordRequest(1000);
    expect(s.mayRequest(1100)).toBe(false);
    expect(s.mayRequest(1112)).toBe(true);
  });

  it('steps down faster than it steps back up, and returns to the full duty once there is room', () => {
    const s = new MaskScheduler(interval);
    feed(s, 30, 45, 25);
    const lowered = s.duty;
    expect(lowered).toBeLessThan(0.3);
    feed(s, 30, 10, 25);
    // 30 frames of room undo less than 30 frames of overrun did.
    expect(s.duty).toBeGreaterThan(lowered);
    expect(s.duty).toBeLessThan(0.45);
    feed(s, 200, 10, 25);
    expect(s.duty).toBeCloseTo(0.6, 5);
  });

  it('holds the duty between the two thresholds (no swinging around the budget)', () => {
    const s = new MaskScheduler(interval);
    feed(s, 100, 45, 25);
    const lowered = s.duty;
    // 24 ms: under the 28.3 ms budget, above 70% of it.
    feed(s, 100, 24, 25);
    expect(s.duty).toBeCloseTo(lowered, 5);
  });

  it('an engine too slow for 0.3 fresh masks per frame gets less duty the slower it is', () => {
    // 60 ms: 0.3 masks per frame need a duty of 0.54, under the full 0.6: that is the floor.
    const s = new MaskScheduler(interval);
    feed(s, 200, 45, 60);
    expect(s.duty).toBeCloseTo(0.54, 3);
    // 100 ms would need 0.9: the floor is 0.6² / 0.9 = 0.4; 200 ms (1.8): 0.2; 700 ms: a third
    // of the full duty, 0.2, not less.
    const slow = new MaskScheduler(interval);
    feed(slow, 200, 45, 100);
    expect(slow.duty).toBeCloseTo(0.4, 3);
    for (const ms of [200, 700]) {
      const slower = new MaskScheduler(interval);
      feed(slower, 200, 45, ms);
      expect(slower.duty).toBeCloseTo(0.2, 3);
    }
  });

  it('an outside cap (another engine loading) wins over the controller', () => {
    const s = new MaskScheduler(interval);
    feed(s, 30, 10, 25);
    s.dutyCap = 0.25;
    expect(s.duty).toBe(0.25);
    s.dutyCap = 1;
    expect(s.duty).toBeCloseTo(0.6, 5);
  });

  it('leaves the duty alone when the frame rate is unknown', () => {
    const s = new MaskScheduler(0);
    feed(s, 100, 200, 25);
    expect(s.duty).toBeCloseTo(0.6, 5);
  });
});

describe('MaskScheduler levels: frames first or masks first', () => {
  const interval = 1000 / 30;
  const masksFirst = LEVELS.accurate.scheduling;

  it('masks first: the segmenter takes every frame it can, a frame waits a whole interval', () => {
    const s = new MaskScheduler(interval);
    s.scheduling = masksFirst;
    feed(s, 30, 20, 25);
    expect(s.duty).toBe(1);
    s.recordRequest(1000);
    expect(s.mayRequest(1026)).toBe(true);
    expect(s.waitLimitMs()).toBeCloseTo(interval, 5);
    // Frames first, the same machine: 60% busy at most, the budget's remainder to wait.
    const f = new MaskScheduler(interval);
    f.scheduling = FRAMES_FIRST;
    feed(f, 30, 20, 25);
    expect(f.duty).toBeCloseTo(0.6, 5);
    expect(f.waitLimitMs()).toBeCloseTo(interval * 0.85 - 20, 0);
  });

  it('masks first keeps fresh masks for 0.7 of the frames while compositing overruns', () => {
    const s = new MaskScheduler(interval);
    s.scheduling = masksFirst;
    feed(s, 200, 45, 20);
    expect(s.duty).toBeCloseTo((0.7 * 20) / interval, 3);
  });

  it('holds the floor at every moment: answers from a reused mask do not leave the duty at 0.05 once inference costs again', () => {
    const s = new MaskScheduler(interval);
    // A still picture answered from the last mask in 0.1 ms while compositing overruns.
    feed(s, 200, 45, 0.1);
    expect(s.duty).toBeLessThan(0.06);
    // The picture moves: a real inference again. The floor for 0.3 masks per frame at once.
    for (let i = 0; i < 10; i++) s.recordInference(25);
    expect(s.duty).toBeGreaterThan(0.2);
  });

  it('a level switch applies the new settings at once, the duty inside the new bounds', () => {
    const s = new MaskScheduler(interval);
    s.scheduling = masksFirst;
    feed(s, 30, 10, 10);
    expect(s.duty).toBe(1);
    s.scheduling = FRAMES_FIRST;
    expect(s.duty).toBeCloseTo(0.6, 5);
  });
});

describe('MaskScheduler: waiting for masks yields when it costs the frame rate', () => {
  const interval = 1000 / 30;

  /** `seconds` of camera frames every interval, a frame drawn every `drawEvery` of them. */
  function run(s: MaskScheduler, from: number, seconds: number, drawEvery: number): number {
    const frames = Math.round((seconds * 1000) / interval);
    let now = from;
    for (let i = 0; i < frames; i++) {
      now = from + i * interval;
      s.recordFrameIn(now);
      s.recordInference(15);
      if (i % drawEvery === 0) s.recordCompose(10, now);
    }
    return now;
  }

  it('keeps waiting while the output keeps the rate, yields under 0.75 of it, tries again after 10 s', () => {
    const s = new MaskScheduler(interval);
    s.scheduling = LEVELS.accurate.scheduling;
    let now = run(s, 0, 3, 1);
    expect(s.waitLimitMs()).toBeCloseTo(interval, 5);
    // Every other frame drawn: half the camera's rate.
    now = run(s, now + interval, 2, 2);
    expect(s.waitLimitMs()).toBeLessThan(interval * 0.85);
    expect(s.duty).toBeLessThanOrEqual(0.6);
    // Still yielding 5 s later, whatever the rate; waiting again after 10 s.
    now = run(s, now + interval, 5, 1);
    expect(s.waitLimitMs()).toBeLessThan(interval * 0.85);
    run(s, now + interval, 6, 1);
    expect(s.waitLimitMs()).toBeCloseTo(interval, 5);
  });

  it('a frame dropped now and then (0.9 of the rate) is not a reason to yield', () => {
    const s = new MaskScheduler(interval);
    s.scheduling = LEVELS.accurate.scheduling;
    const frames = 300;
    for (let i = 0; i < frames; i++) {
      const now = i * interval;
      s.recordFrameIn(now);
      s.recordInference(15);
      if (i % 10 !== 9) s.recordCompose(10, now);
    }
    expect(s.waitLimitMs()).toBeCloseTo(interval, 5);
  });
});
