import { describe, expect, it } from 'vitest';
import {
  type CropRect,
  FULL_FRAME,
  isFullFrame,
  nextCrop,
  personBox,
  SceneWatch,
} from '../../src/worker/person-crop';

const FRAME = { width: 1280, height: 720 };
const SQUARE = { width: 256, height: 256 };
const LANDSCAPE = { width: 256, height: 144 };

function maskWith(w: number, h: number, x0: number, y0: number, x1: number, y1: number) {
  const m = new Float32Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * w + x] = 0.9;
  return m;
}

/** The crop's aspect in pixels of FRAME. */
const pixelAspect = (c: CropRect) => (c.w * FRAME.width) / (c.h * FRAME.height);

describe('personBox', () => {
  it('is null when nobody is in the mask', () => {
    expect(personBox(new Float32Array(16 * 9), 16, 9, FULL_FRAME)).toBeNull();
  });

  it('maps the box of a mask made through a crop back into frame uv', () => {
    // Texels 4..8 x 2..6 of a 16x8 mask that covered the frame's right half, bottom half.
    const crop = { x: 0.5, y: 0.5, w: 0.5, h: 0.5 };
    const box = personBox(maskWith(16, 8, 4, 2, 8, 6), 16, 8, crop);
    expect(box).not.toBeNull();
    expect(box?.x).toBeCloseTo(0.5 + (4 / 16) * 0.5);
    expect(box?.y).toBeCloseTo(0.5 + (2 / 8) * 0.5);
    expect(box?.w).toBeCloseTo((4 / 16) * 0.5);
    expect(box?.h).toBeCloseTo((4 / 8) * 0.5);
  });

  it('ignores confidences at or below one half', () => {
    const m = new Float32Array(16 * 9).fill(0.5);
    expect(personBox(m, 16, 9, FULL_FRAME)).toBeNull();
  });
});

describe('nextCrop', () => {
  it('is the whole frame when nobody was found', () => {
    expect(isFullFrame(nextCrop(null, FULL_FRAME, FULL_FRAME, FRAME, SQUARE))).toBe(true);
  });

  it('frames a standing person square for a square model, with margin, inside the frame', () => {
    // A person in the middle: 10% of the width, 60% of the height.
    const box = { x: 0.45, y: 0.3, w: 0.1, h: 0.6 };
    const c = nextCrop(box, FULL_FRAME, FULL_FRAME, FRAME, SQUARE);
    expect(pixelAspect(c)).toBeCloseTo(1, 2);
    expect(c.x).toBeLessThan(box.x);
    expect(c.x + c.w).toBeGreaterThan(box.x + box.w);
    expect(c.y).toBeGreaterThanOrEqual(0);
    expect(c.y + c.h).toBeLessThanOrEqual(1 + 1e-9);
    // More model pixels on the person than the whole frame gives.
    expect(c.w).toBeLessThan(0.6);
  });

  it('keeps the landscape model in 16:9', () => {
    const box = { x: 0.3, y: 0.4, w: 0.2, h: 0.3 };
    const c = nextCrop(box, FULL_FRAME, FULL_FRAME, FRAME, LANDSCAPE);
    expect(pixelAspect(c)).toBeCloseTo(16 / 9, 2);
  });

  it('never zooms in past the minimum height', () => {
    const tiny = { x: 0.5, y: 0.5, w: 0.01, h: 0.01 };
    const c = nextCrop(tiny, FULL_FRAME, FULL_FRAME, FRAME, LANDSCAPE);
    expect(c.h).toBeGreaterThanOrEqual(0.35 - 1e-9);
  });

  it('squashes rather than leaves the frame when the person is wider than the aspect allows', () => {
    const wide = { x: 0.05, y: 0.1, w: 0.9, h: 0.8 };
    const c = nextCrop(wide, FULL_FRAME, FULL_FRAME, FRAME, SQUARE);
    expect(c.x).toBeGreaterThanOrEqual(0);
    expect(c.x + c.w).toBeLessThanOrEqual(1 + 1e-9);
    expect(c.w).toBeCloseTo(1);
  });

  it('reaches out on a side where the person was cut off by the crop', () => {
    const from = { x: 0.3, y: 0, w: 0.4, h: 1 };
    // The person's box runs into the crop's right side.
    const box = { x: 0.5, y: 0.2, w: 0.2, h: 0.6 };
    const c = nextCrop(box, from, from, FRAME, SQUARE);
    expect(c.x + c.w).toBeGreaterThan(0.8);
  });

  it('keeps the previous crop while it still frames the person, so the zoom does not shimmer', () => {
    const box = { x: 0.45, y: 0.3, w: 0.1, h: 0.6 };
    const first = nextCrop(box, FULL_FRAME, FULL_FRAME, FRAME, SQUARE);
    const moved = { ...box, x: box.x + 0.005 };
    expect(nextCrop(moved, first, first, FRAME, SQUARE)).toEqual(first);
    // A person who walked well away gets a new crop.
    const away = { ...box, x: 0.1 };
    expect(nextCrop(away, first, first, FRAME, SQUARE)).not.toEqual(first);
  });
});

describe('SceneWatch', () => {
  const crop = { x: 0.2, y: 0, w: 0.5, h: 1 };
  const picture = (f: (i: number) => number) => {
    const p = new Uint8ClampedArray(64 * 64 * 4);
    for (let i = 0; i < 64 * 64; i++) p[i * 4 + 1] = f(i);
    return p;
  };
  /** Whether a fresh watch calls `second` (through `secondCrop`) a cut after `first`. */
  const cutAfter = (
    first: (i: number) => number,
    second: (i: number) => number,
    secondCrop = crop,
  ): boolean => {
    const watch = new SceneWatch();
    watch.cut(picture(first), crop);
    return watch.cut(picture(second), secondCrop);
  };

  it('sees a cut when most of the picture changed through the same crop', () => {
    const watch = new SceneWatch();
    expect(
      watch.cut(
        picture((i) => (i % 64) * 4),
        crop,
      ),
    ).toBe(false);
    expect(
      watch.cut(
        picture((i) => (i % 64) * 4 + 3),
        crop,
      ),
    ).toBe(false);
    expect(
      watch.cut(
        picture((i) => 255 - (i % 64) * 4),
        crop,
      ),
    ).toBe(true);
  });

  it('does not compare pictures seen through different crops', () => {
    expect(
      cutAfter(
        () => 0,
        () => 255,
        { ...crop, x: 0.3 },
      ),
    ).toBe(false);
  });

  it('lets a moving part of the picture pass', () => {
    // A fifth of the picture changed: a person moving, not a cut (the eval's moving clips change
    // up to 0.21 between frames two apart).
    expect(
      cutAfter(
        () => 100,
        (i) => (i < (64 * 64) / 5 ? 250 : 100),
      ),
    ).toBe(false);
  });

  it('sees a cut between similar scenes where two fifths changed', () => {
    // The eval's portraits (street scenes) change 0.40-0.51 of the samples across their cuts.
    expect(
      cutAfter(
        () => 100,
        (i) => (i % 5 < 2 ? 200 : 100),
      ),
    ).toBe(true);
  });
});
