import { describe, expect, it } from 'vitest';
import { OutputClock } from '../../src/worker/output-clock';

const INTERVAL = 33_333;
const INTERVAL_MS = INTERVAL / 1000;

/**
 * A source feeding the clock: frames captured every `periodMs`, each arriving `latencyMs(i)`
 * later (null: never, dropped upstream); between arrivals the output worker's ticker runs every
 * half frame interval and repeats when the silence passes the clock's threshold. Returns what
 * went out, in order.
 */
function run(periodMs: number, frames: number, latencyMs: (i: number) => number | null) {
  const clock = new OutputClock();
  const out: Array<{ kind: 'frame' | 'repeat'; index: number; timestamp: number | null }> = [];
  const arrivals = Array.from({ length: frames }, (_, i) => ({
    i,
    latency: latencyMs(i),
    timestamp: Math.round((1000 + i * periodMs) * 1000),
  }))
    .filter((a) => a.latency !== null)
    .map((a) => ({ ...a, at: a.timestamp / 1000 + (a.latency as number) }));
  const end = Math.max(...arrivals.map((a) => a.at)) + INTERVAL_MS;
  let lastFrameAt = Number.NaN;
  let lastWrittenAt = Number.NaN;
  let next = 0;
  for (let now = 1000; now <= end; now += INTERVAL_MS / 2) {
    while (next < arrivals.length && (arrivals[next]?.at ?? Infinity) <= now) {
      const a = arrivals[next++] as (typeof arrivals)[number];
      const t = clock.place(a.timestamp, INTERVAL, a.at);
      out.push({ kind: 'frame', index: a.i, timestamp: t });
      lastFrameAt = a.at;
      if (t !== null) lastWrittenAt = a.at;
    }
    if (Number.isNaN(lastFrameAt)) continue;
    if (now - lastFrameAt < clock.silenceMs(INTERVAL_MS, 4)) continue;
    if (now - lastWrittenAt < INTERVAL_MS * 0.75) continue;
    lastWrittenAt = now;
    out.push({ kind: 'repeat', index: -1, timestamp: clock.repeat(now) });
  }
  return { clock, out };
}

function increasing(values: Array<number | null>): boolean {
  const placed = values.filter((v): v is number => v !== null);
  return placed.every((v, i) => i === 0 || v > (placed[i - 1] as number));
}

describe('OutputClock', () => {
  it('passes camera timestamps through while they move forward', () => {
    const clock = new OutputClock();
    expect(clock.place(1_000_000, INTERVAL, 1050)).toBe(1_000_000);
    expect(clock.place(1_033_333, INTERVAL, 1083)).toBe(1_033_333);
  });

  it('a camera at 5 fps is never padded with repeats, and every frame goes out at its own time', () => {
    const { clock, out } = run(200, 40, () => 50);
    // 200 ms gaps: twice that is past the 250 ms cap, which still exceeds the camera's own gap.
    // The first gaps, before the clock has seen the camera's pace, may repeat once or twice.
    const repeats = out.filter((o) => o.kind === 'repeat');
    expect(repeats.length).toBeLessThanOrEqual(2);
    const frames = out.filter((o) => o.kind === 'frame');
    expect(frames).toHaveLength(40);
    for (const f of frames) expect(f.timestamp).toBe((1000 + f.index * 200) * 1000);
    expect(clock.late).toBe(0);
    expect(clock.silenceMs(INTERVAL_MS, 4)).toBe(250);
  });

  it('a pipeline that stalls for a second: repeats during it, then every frame it delivers goes out', () => {
    // Frames 30–57 never come (the camera's queue kept the newest two); 58 and 59 come together
    // when the pipeline wakes, a second after frame 30 was due.
    const stallEnd = 1000 + 30 * INTERVAL_MS + 1000;
    const { clock, out } = run(INTERVAL_MS, 90, (i) => {
      if (i >= 30 && i < 58) return null;
      if (i === 58 || i === 59) return stallEnd + (i - 58) * 5 - (1000 + i * INTERVAL_MS);
      return 40;
    });
    const repeats = out.filter((o) => o.kind === 'repeat');
    expect(repeats.length).toBeGreaterThan(20);
    const frames = out.filter((o) => o.kind === 'frame');
    expect(frames.map((f) => f.index)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => i),
      ...Array.from({ length: 32 }, (_, i) => 58 + i),
    ]);
    expect(frames.every((f) => f.timestamp !== null)).toBe(true);
    expect(increasing(out.map((o) => o.timestamp))).toBe(true);
    // At most the first one back was behind the last repeat (its lag, 67 ms, is past the 40 seen).
    expect(clock.late).toBeLessThanOrEqual(1);
    for (const f of frames.filter((f) => f.index >= 59)) {
      expect(f.timestamp).toBe(Math.round((1000 + f.index * INTERVAL_MS) * 1000));
    }
  });

  it('a real frame a repeat got ahead of goes out 1 ms after it; an exact duplicate is dropped', () => {
    const clock = new OutputClock();
    clock.place(1_000_000, INTERVAL, 1040);
    // A repeat long after, with the 40 ms lag seen: stamped 40 ms behind its send time.
    expect(clock.repeat(1300)).toBe(1_260_000);
    expect(clock.place(1_250_000, INTERVAL, 1301)).toBe(1_261_000);
    expect(clock.late).toBe(1);
    expect(clock.place(1_261_000, INTERVAL, 1302)).toBeNull();
    expect(clock.place(1_283_333, INTERVAL, 1323)).toBe(1_283_333);
  });

  it('a frame older than one already out is dropped, and the clock is not shifted for it', () => {
    const clock = new OutputClock();
    clock.place(2_000_000, INTERVAL, 1000);
    expect(clock.place(1_966_667, INTERVAL, 1010)).toBeNull();
    expect(clock.place(2_033_333, INTERVAL, 1033)).toBe(2_033_333);
  });

  it('repeats never step back, whatever the lag', () => {
    const clock = new OutputClock();
    clock.place(5_000_000, INTERVAL, 100);
    const a = clock.repeat(150);
    const b = clock.repeat(151);
    expect(b).toBeGreaterThan(a);
    expect(a).toBeGreaterThan(5_000_000);
  });

  it('follows a camera on another clock: shifted to come right after the last frame, and kept so', () => {
    const clock = new OutputClock();
    clock.place(50_000_000, INTERVAL, 1000);
    // setInput() to a canvas track counting from 0.
    expect(clock.place(0, INTERVAL, 1033)).toBe(50_000_000 + INTERVAL);
    expect(clock.place(33_333, INTERVAL, 1066)).toBe(50_000_000 + INTERVAL + 33_333);
  });

  it('waits for silence beyond the source’s own gaps, at most 250 ms', () => {
    const clock = new OutputClock();
    expect(clock.silenceMs(INTERVAL_MS, 4)).toBeCloseTo(133.3, 0);
    let t = 0;
    for (let i = 0; i < 10; i++) {
      t += 150_000;
      clock.place(t, INTERVAL, t / 1000);
    }
    expect(clock.silenceMs(INTERVAL_MS, 4)).toBe(250);
    for (let i = 0; i < 5; i++) {
      t += 500_000;
      clock.place(t, INTERVAL, t / 1000);
    }
    expect(clock.silenceMs(INTERVAL_MS, 4)).toBe(250);
  });
});
