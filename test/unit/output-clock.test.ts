import { describe, expect, it } from 'vitest';
import { OutputClock } from '../../src/worker/output-clock';

const INTERVAL = 33_333;

describe('OutputClock', () => {
  it('passes camera timestamps through while they move forward', () => {
    const clock = new OutputClock();
    expect(clock.place(1_000_000, INTERVAL)).toBe(1_000_000);
    expect(clock.place(1_033_333, INTERVAL)).toBe(1_033_333);
  });

  it('drops the few real frames a run of repeats got ahead of, then passes the rest unchanged', () => {
    const clock = new OutputClock();
    clock.place(1_000_000, INTERVAL);
    // Repeats at wall-clock pace during a restart.
    expect(clock.repeat(40_000)).toBe(1_040_000);
    expect(clock.repeat(40_000)).toBe(1_080_000);
    // The new pipeline's first frames were captured before the last repeat went out.
    expect(clock.place(1_066_000, INTERVAL)).toBeNull();
    expect(clock.place(1_099_000, INTERVAL)).toBe(1_099_000);
  });

  it('follows a camera on another clock: shifted to come right after the last frame, and kept so', () => {
    const clock = new OutputClock();
    clock.place(50_000_000, INTERVAL);
    // setInput() to a canvas track counting from 0.
    expect(clock.place(0, INTERVAL)).toBe(50_000_000 + INTERVAL);
    expect(clock.place(33_333, INTERVAL)).toBe(50_000_000 + INTERVAL + 33_333);
  });
});
