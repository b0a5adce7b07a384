import { describe, expect, it } from 'vitest';
import { FrameScheduler } from '../../src/worker/frame-scheduler';

/** Runs `frames` frames through the scheduler with fixed costs; returns how many were segmented. */
function run(s: FrameScheduler, frames: number, composeMs: number, segmentMs: number): number {
  let segmented = 0;
  for (let i = 0; i < frames; i++) {
    const d = s.next();
    if (d.segment) segmented++;
    s.record(composeMs, d.segment ? segmentMs : null);
  }
  return segmented;
}

describe('FrameScheduler', () => {
  const interval = 1000 / 30;

  it('segments every frame when everything fits in the frame interval', () => {
    const s = new FrameScheduler(interval);
    expect(run(s, 60, 10, 10)).toBe(60);
    expect(s.segmentEvery).toBe(1);
  });

  it('segments one frame in n when segmentation does not fit, keeping the average in budget', () => {
    const s = new FrameScheduler(interval);
    run(s, 30, 20, 12); // 32 ms > 28.3 ms budget
    expect(s.segmentEvery).toBe(2);
    const segmented = run(s, 60, 20, 12);
    expect(segmented).toBe(30);
    // Average cost per frame now fits the budget.
    expect(20 + 12 / s.segmentEvery).toBeLessThanOrEqual(interval * 0.85);
  });

  it('under a 4x slower segmenter reuses masks more, within maxEvery', () => {
    const s = new FrameScheduler(interval, 6);
    run(s, 60, 20, 48);
    expect(s.segmentEvery).toBe(6);
    const segmented = run(s, 60, 20, 48);
    expect(segmented).toBe(10);
  });

  it('never reuses a mask longer than maxEvery, even when compositing alone is over budget', () => {
    const s = new FrameScheduler(interval, 4);
    run(s, 30, 40, 10);
    expect(s.segmentEvery).toBe(4);
  });

  it('returns to segmenting every frame once there is room, without flapping at the edge', () => {
    const s = new FrameScheduler(interval);
    run(s, 30, 20, 12);
    expect(s.segmentEvery).toBe(2);
    // Just fits (27 ms of 28.3): not enough margin to go back to every frame.
    run(s, 60, 15, 12);
    expect(s.segmentEvery).toBe(2);
    // Plenty of room: back to every frame.
    run(s, 60, 8, 8);
    expect(s.segmentEvery).toBe(1);
  });

  it('segments every frame when the frame rate is unknown', () => {
    const s = new FrameScheduler(0);
    expect(run(s, 20, 50, 50)).toBe(20);
  });
});
