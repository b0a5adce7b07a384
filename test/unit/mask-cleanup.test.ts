import { describe, expect, it } from 'vitest';
import { HOLE_SHARE, MaskCleanup } from '../../src/worker/mask-cleanup';

const W = 64;
const H = 36;

function blank(): Float32Array {
  return new Float32Array(W * H);
}

function fill(mask: Float32Array, x: number, y: number, w: number, h: number, v = 1): void {
  for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) mask[j * W + i] = v;
}

const sum = (mask: Float32Array, x: number, y: number, w: number, h: number) => {
  let s = 0;
  for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) s += mask[j * W + i] as number;
  return s;
};

describe('MaskCleanup: clean shapes at model resolution', () => {
  it('drops a small region floating beside the person, with its soft ring', () => {
    const m = blank();
    fill(m, 20, 5, 14, 30); // the person: 420 px
    fill(m, 45, 10, 4, 4); // a flag chunk: 16 px, under 15% of the person
    fill(m, 44, 9, 6, 1, 0.3); // its soft edge above
    const r = new MaskCleanup(W, H).apply(m);
    expect(r.removedRegions).toBe(1);
    expect(sum(m, 44, 9, 6, 6)).toBe(0);
    expect(sum(m, 20, 5, 14, 30)).toBe(420);
  });

  it('keeps a small region near the person (a hand cut off at the wrist)', () => {
    const m = blank();
    fill(m, 20, 5, 14, 30);
    fill(m, 36, 20, 3, 3); // 2 texels right of the body
    const r = new MaskCleanup(W, H).apply(m);
    expect(r.removedRegions).toBe(0);
    expect(sum(m, 36, 20, 3, 3)).toBe(9);
  });

  it('keeps a second person (a sizeable share of the first)', () => {
    const m = blank();
    fill(m, 5, 5, 14, 30); // 420 px
    fill(m, 40, 12, 10, 20); // 200 px: another person, further back
    const r = new MaskCleanup(W, H).apply(m);
    expect(r.removedRegions).toBe(0);
    expect(sum(m, 40, 12, 10, 20)).toBe(200);
  });

  it('holes only: fills a hole but keeps a floating region', () => {
    const m = blank();
    fill(m, 20, 5, 20, 30); // 600 px
    fill(m, 28, 15, 3, 3, 0.1); // 9 px hole
    fill(m, 50, 10, 4, 4); // a 16 px chunk far from her
    const r = new MaskCleanup(W, H, false).apply(m);
    expect(r).toEqual({ removedRegions: 0, filledHoles: 1 });
    expect(sum(m, 28, 15, 3, 3)).toBe(9);
    expect(sum(m, 50, 10, 4, 4)).toBe(16);
  });

  it('fills a small hole inside the person (a held helmet, a logo)', () => {
    const m = blank();
    fill(m, 20, 5, 20, 30); // 600 px
    fill(m, 28, 15, 3, 3, 0.1); // 9 px hole: under 2% of the person
    expect(9).toBeLessThan(HOLE_SHARE * 600);
    const r = new MaskCleanup(W, H).apply(m);
    expect(r.filledHoles).toBe(1);
    expect(sum(m, 28, 15, 3, 3)).toBe(9);
  });

  it('keeps a large enclosed gap (between an arm and the body) and background touching the border', () => {
    const m = blank();
    fill(m, 10, 2, 40, 32); // 1280 px
    fill(m, 20, 10, 10, 10, 0); // 100 px enclosed: over 2%, a real gap
    fill(m, 10, 30, 5, 4, 0); // a notch open to the bottom border
    const r = new MaskCleanup(W, H).apply(m);
    expect(r.filledHoles).toBe(0);
    expect(sum(m, 20, 10, 10, 10)).toBe(0);
    expect(sum(m, 10, 30, 5, 4)).toBe(0);
  });

  it('leaves an empty mask and a lone person alone', () => {
    const empty = blank();
    expect(new MaskCleanup(W, H).apply(empty)).toEqual({ removedRegions: 0, filledHoles: 0 });
    const m = blank();
    fill(m, 20, 5, 14, 30);
    const before = m.slice();
    new MaskCleanup(W, H).apply(m);
    expect(m).toEqual(before);
  });
});
