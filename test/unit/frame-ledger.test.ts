import { describe, expect, it, vi } from 'vitest';
import { FrameLedger } from '../../src/worker/frame-ledger';

function fakeFrame(): VideoFrame & { close: ReturnType<typeof vi.fn> } {
  return { close: vi.fn() } as unknown as VideoFrame & { close: ReturnType<typeof vi.fn> };
}

describe('FrameLedger', () => {
  it('counts adopt, close and handOff', () => {
    const ledger = new FrameLedger();
    const a = fakeFrame();
    const b = fakeFrame();
    const c = fakeFrame();
    expect(ledger.adopt(a)).toBe(a);
    ledger.adopt(b);
    ledger.adopt(c);
    expect(ledger.count).toBe(3);
    expect(ledger.adopted).toBe(3);
    ledger.close(a);
    ledger.handOff(b);
    expect(ledger.closed).toBe(1);
    expect(ledger.handedOff).toBe(1);
    expect(ledger.count).toBe(1);
    expect(ledger.owns(a)).toBe(false);
    expect(ledger.owns(b)).toBe(false);
    expect(ledger.owns(c)).toBe(true);
  });

  it('close calls frame.close exactly once; handOff never calls it', () => {
    const ledger = new FrameLedger();
    const a = ledger.adopt(fakeFrame()) as ReturnType<typeof fakeFrame>;
    const b = ledger.adopt(fakeFrame()) as ReturnType<typeof fakeFrame>;
    ledger.close(a);
    ledger.handOff(b);
    expect(a.close).toHaveBeenCalledTimes(1);
    expect(b.close).not.toHaveBeenCalled();
  });

  it('throws on a double close without closing the frame again', () => {
    const ledger = new FrameLedger();
    const a = fakeFrame();
    ledger.adopt(a);
    ledger.close(a);
    expect(() => ledger.close(a)).toThrow(/does not own/);
    expect(a.close).toHaveBeenCalledTimes(1);
    expect(ledger.closed).toBe(1);
  });

  it('throws on a double handOff and on closing a handed-off frame', () => {
    const ledger = new FrameLedger();
    const a = fakeFrame();
    ledger.adopt(a);
    ledger.handOff(a);
    expect(() => ledger.handOff(a)).toThrow();
    expect(() => ledger.close(a)).toThrow();
    expect(a.close).not.toHaveBeenCalled();
    expect(ledger.handedOff).toBe(1);
  });

  it('throws on a double adopt', () => {
    const ledger = new FrameLedger();
    const a = fakeFrame();
    ledger.adopt(a);
    expect(() => ledger.adopt(a)).toThrow(/twice/);
    expect(ledger.adopted).toBe(1);
    expect(ledger.count).toBe(1);
  });

  it('throws on closing or handing off a frame it never adopted', () => {
    const ledger = new FrameLedger();
    const stranger = fakeFrame();
    expect(() => ledger.close(stranger)).toThrow();
    expect(() => ledger.handOff(stranger)).toThrow();
    expect(stranger.close).not.toHaveBeenCalled();
  });

  it('a frame can be adopted again after it left', () => {
    const ledger = new FrameLedger();
    const a = fakeFrame();
    ledger.adopt(a);
    ledger.handOff(a);
    expect(() => ledger.adopt(a)).not.toThrow();
    expect(ledger.count).toBe(1);
  });

  it('closeAll closes every open frame once and leaves handed-off frames alone', () => {
    const ledger = new FrameLedger();
    const frames = Array.from({ length: 5 }, () => fakeFrame());
    for (const f of frames) ledger.adopt(f);
    const [gone] = frames;
    if (!gone) throw new Error('no frames');
    ledger.handOff(gone);
    ledger.closeAll();
    expect(ledger.count).toBe(0);
    expect(gone.close).not.toHaveBeenCalled();
    for (const f of frames.slice(1)) expect(f.close).toHaveBeenCalledTimes(1);
    expect(ledger.closed).toBe(4);
    expect(ledger.adopted).toBe(ledger.closed + ledger.handedOff + ledger.count);
    // Idempotent once empty.
    ledger.closeAll();
    expect(ledger.closed).toBe(4);
  });
});
