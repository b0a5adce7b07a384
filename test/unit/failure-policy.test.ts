import { describe, expect, it } from 'vitest';
import { engineFailureAction, FailureWindow } from '../../src/failure-policy';

describe('FailureWindow', () => {
  it('counts failures within the window only', () => {
    const w = new FailureWindow(60_000);
    expect(w.record(0)).toBe(1);
    expect(w.record(10_000)).toBe(2);
    expect(w.record(59_999)).toBe(3);
    // The first has left the window.
    expect(w.count(60_000)).toBe(2);
    expect(w.record(70_001)).toBe(2);
    expect(w.count(200_000)).toBe(0);
  });
});

describe('engineFailureAction', () => {
  it('replaces the engine first, steps down from the second failure where a lower engine exists', () => {
    expect(engineFailureAction(1, true)).toBe('replace');
    expect(engineFailureAction(2, true)).toBe('step-down');
    expect(engineFailureAction(5, true)).toBe('step-down');
  });

  it('with no lower engine, replaces until the fourth failure, then gives up', () => {
    expect(engineFailureAction(1, false)).toBe('replace');
    expect(engineFailureAction(3, false)).toBe('replace');
    expect(engineFailureAction(4, false)).toBe('give-up');
  });
});
