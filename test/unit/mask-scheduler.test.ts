import { describe, expect, it } from 'vitest';
import { MaskScheduler } from '../../src/worker/mask-scheduler';

function feed(s: MaskScheduler, frames: number, composeMs: number, inferenceMs: number): void {
  for (let i = 0; i < frames; i++) {
    s.recordCompose(composeMs);
    s.recordInference(inferenceMs);
  }
}

describe('MaskScheduler', () => {
  const interval = 1000 / 30;

  it('waits for the frame’s own mask when compositing and inference fit in the budget', () => {
    const s = new MaskScheduler(interval);
    feed(s, 30, 8, 10);
    expect(s.shouldWait()).toBe(true);
    // It may wait for what is left of the budget after compositing.
    expect(s.waitLimitMs()).toBeCloseTo(interval * 0.85 - 8, 1);
  });

  it('goes out with the previous mask when they do not fit (20 + 12 ms of a 28 ms budget)', () => {
    const s = new MaskScheduler(interval);
    feed(s, 30, 20, 12);
    expect(s.shouldWait()).toBe(false);
  });

  it('follows a change of cost: a 4x slower segmenter stops the waiting, recovery restores it', () => {
    const s = new MaskScheduler(interval);
    feed(s, 30, 8, 10);
    expect(s.shouldWait()).toBe(true);
    feed(s, 30, 8, 40);
    expect(s.shouldWait()).toBe(false);
    feed(s, 30, 8, 10);
    expect(s.shouldWait()).toBe(true);
  });

  it('never waits longer than 1 ms past the budget, even when compositing alone is over it', () => {
    const s = new MaskScheduler(interval);
    feed(s, 30, 40, 5);
    expect(s.shouldWait()).toBe(false);
    expect(s.waitLimitMs()).toBe(1);
  });

  it('waits (up to a second) when the frame rate is unknown', () => {
    const s = new MaskScheduler(0);
    feed(s, 10, 50, 50);
    expect(s.shouldWait()).toBe(true);
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
