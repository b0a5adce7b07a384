import { beforeAll, describe, expect, it } from 'vitest';
import {
  axisTaps,
  type FusionCounts,
  fusedEngine,
  fusionKernels,
  primaryWeight,
  StillWatch,
} from '../../src/worker/fused-segmenter';
import { MaskCleanup } from '../../src/worker/mask-cleanup';
import type { SegmentationEngine } from '../../src/worker/segmenter';
import { installImageData } from './node-image-data';

beforeAll(installImageData);

const GEOMETRY = { width: 256, height: 256, companion: { width: 256, height: 144 } };

/** A square picture: left half red, right half blue. */
function splitPicture(): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(256 * 256 * 4);
  for (let y = 0; y < 256; y++) {
    for (let x = 0; x < 256; x++) {
      const i = (y * 256 + x) * 4;
      rgba[i] = x < 128 ? 250 : 0;
      rgba[i + 2] = x < 128 ? 0 : 250;
      rgba[i + 3] = 255;
    }
  }
  return rgba;
}

describe('axisTaps', () => {
  it('weights sum to 1 per output and read inside the source', () => {
    for (const [source, target, offsets] of [
      [256, 144, [0.25, 0.75]],
      [144, 256, [0.5]],
      [456, 256, [0.25, 0.75]],
    ] as const) {
      const t = axisTaps(source, target, offsets);
      for (let i = 0; i < target; i++) {
        let sum = 0;
        for (let k = 0; k < t.taps; k++) {
          sum += t.weight[i * t.taps + k] as number;
          const index = t.index[i * t.taps + k] as number;
          expect(index).toBeGreaterThanOrEqual(0);
          expect(index).toBeLessThan(source);
        }
        expect(sum).toBeCloseTo(1, 5);
      }
    }
  });

  it('is the identity at the same size', () => {
    const t = axisTaps(10, 10, [0.5]);
    for (let i = 0; i < 10; i++) {
      expect(t.index[i * 2]).toBe(i);
      expect(t.weight[i * 2]).toBeCloseTo(1, 6);
    }
  });
});

describe('fusionKernels', () => {
  it('letterboxes a square picture into the middle of the landscape input, edges repeated', () => {
    const k = fusionKernels(GEOMETRY);
    const out = new Uint8ClampedArray(256 * 144 * 4);
    k.letterbox(splitPicture(), out);
    const at = (x: number, y: number) => [out[(y * 256 + x) * 4], out[(y * 256 + x) * 4 + 2]];
    // The square is 144 wide in the middle (columns 56..199): red left of 128, blue right.
    expect(at(10, 70)).toEqual([250, 0]); // repeated left edge: red
    expect(at(100, 70)).toEqual([250, 0]);
    expect(at(160, 70)).toEqual([0, 250]);
    expect(at(250, 70)).toEqual([0, 250]); // repeated right edge: blue
    expect(out[3]).toBe(255);
  });

  it('shows a 16:9 picture whole, no bars', () => {
    const k = fusionKernels(GEOMETRY, 16 / 9);
    const out = new Uint8ClampedArray(256 * 144 * 4);
    k.letterbox(splitPicture(), out);
    // Squashed back to its true aspect: red up to the middle column, blue after.
    expect(out[(70 * 256 + 120) * 4]).toBe(250);
    expect(out[(70 * 256 + 136) * 4 + 2]).toBe(250);
  });

  it('averages the two masks, reading only the middle of the companion', () => {
    const k = fusionKernels(GEOMETRY);
    const primary = new Float32Array(256 * 256).fill(0.2);
    const companion = new Float32Array(256 * 144);
    for (let y = 0; y < 144; y++) {
      for (let x = 0; x < 256; x++) companion[y * 256 + x] = x >= 56 && x < 200 ? 0.8 : 1;
    }
    const out = new Float32Array(256 * 256);
    k.fuse(primary, companion, out, 0.5);
    for (const i of [0, 255, 128 * 256 + 128, 256 * 256 - 1]) expect(out[i]).toBeCloseTo(0.5, 5);
    k.fuse(primary, companion, out, 0);
    for (const i of [0, 255, 128 * 256 + 128, 256 * 256 - 1]) expect(out[i]).toBeCloseTo(0.8, 5);
  });

  it('places the companion where the picture is: a person on the left stays on the left', () => {
    const k = fusionKernels(GEOMETRY);
    const companion = new Float32Array(256 * 144);
    // Person in the left half of the letterboxed square (columns 56..127).
    for (let y = 0; y < 144; y++) for (let x = 56; x < 128; x++) companion[y * 256 + x] = 1;
    const out = new Float32Array(256 * 256);
    k.fuse(new Float32Array(256 * 256), companion, out, 0);
    expect(out[128 * 256 + 30]).toBeCloseTo(1, 5);
    expect(out[128 * 256 + 220]).toBeCloseTo(0, 5);
  });
});

describe('primaryWeight', () => {
  it('counts the primary fully on a square picture and not at all on a squashed 16:9 frame', () => {
    expect(primaryWeight(1)).toBe(0.5);
    expect(primaryWeight(16 / 9)).toBe(0);
    // A crop clamped at the frame's edge, a little wider than tall: as a square.
    expect(primaryWeight(1.3)).toBe(0.5);
  });
});

describe('StillWatch', () => {
  it('compares with the anchor, so a slow drift adds up', () => {
    const watch = new StillWatch();
    const picture = splitPicture();
    expect(watch.still(picture)).toBe(false); // no anchor yet
    watch.setAnchor(picture);
    expect(watch.still(picture)).toBe(true);
    // A tenth of the picture changes: a person moving.
    const moved = picture.slice();
    for (let i = 0; i < moved.length / 10; i += 4) moved[i + 1] = 200;
    expect(watch.still(moved)).toBe(false);
    // Two steps of 0.6% of the texels each (the threshold is 1%): each alone is still, both
    // together against the anchor are not.
    const texels = 256 * 256;
    const share = Math.floor(texels * 0.006);
    const step1 = picture.slice();
    for (let t = 0; t < share; t++) step1[t * 4 + 1] = 200;
    const step2 = step1.slice();
    for (let t = share; t < 2 * share; t++) step2[t * 4 + 1] = 200;
    expect(watch.still(step1)).toBe(true);
    expect(watch.still(step2)).toBe(false);
  });
});

function fakeEngine(
  name: string,
  value: number,
  calls: string[],
): SegmentationEngine & { disposed: number } {
  const engine = {
    disposed: 0,
    info: {
      engine: 'onnxruntime' as const,
      backend: 'wasm',
      model: name,
      inputWidth: 0,
      inputHeight: 0,
    },
    segment(_image: ImageData, _ts: number, out: Float32Array): void {
      calls.push(name);
      out.fill(value);
    },
    dispose(): void {
      engine.disposed++;
    },
  };
  return engine;
}

describe('fusedEngine', () => {
  it('general alone on a moving picture, both on a still one, then the fused mask again; the landscape model alone on a squashed frame', async () => {
    const calls: string[] = [];
    const primary = fakeEngine('general', 0.2, calls);
    const companion = fakeEngine('landscape', 1, calls);
    const counts: FusionCounts = { fused: 0, single: 0, reused: 0 };
    const engine = fusedEngine(primary, companion, GEOMETRY, { counts });
    expect(engine.info.model).toBe('general + landscape');
    const image = new ImageData(256, 256);
    image.data.set(splitPicture());
    const out = new Float32Array(256 * 256);
    const step = async (aspect: number) => {
      calls.length = 0;
      out.fill(-1);
      await engine.segment(image, 0, out, aspect);
      return [...calls];
    };

    expect(await step(1)).toEqual(['general']); // first picture: nothing to compare with
    expect(out[1000]).toBeCloseTo(0.2, 5);
    expect(await step(1)).toEqual(['general', 'landscape']); // the same picture: still
    expect(out[1000]).toBeCloseTo(0.6, 5);
    for (let i = 0; i < 8; i++) {
      expect(await step(1)).toEqual([]); // still: the fused mask again
      expect(out[1000]).toBeCloseTo(0.6, 5);
    }
    expect(await step(1)).toEqual(['general', 'landscape']); // refreshed after 8
    // A cut: the whole 16:9 frame squashed into the square.
    expect(await step(16 / 9)).toEqual(['landscape']);
    expect(out[1000]).toBeCloseTo(1, 5);
    // The picture moves: the general model alone, nothing reused.
    const moved = image.data.slice();
    for (let i = 0; i < moved.length / 5; i += 4) moved[i + 1] = 200;
    image.data.set(moved);
    expect(await step(1)).toEqual(['general']);
    expect(counts).toEqual({ fused: 3, single: 2, reused: 8 });

    engine.dispose();
    engine.dispose();
    expect(primary.disposed).toBe(1);
    expect(companion.disposed).toBe(1);
  });
});

describe('fusedEngine clean-up', () => {
  it('drops a speck far from the person when the landscape model answered alone, and only then', async () => {
    // The landscape model's answer: a person in the middle, a speck of wall up to the right.
    const landscape: SegmentationEngine = {
      info: {
        engine: 'onnxruntime',
        backend: 'wasm',
        model: 'landscape',
        inputWidth: 256,
        inputHeight: 144,
      },
      segment(_image: ImageData, _ts: number, out: Float32Array): void {
        out.fill(0);
        for (let y = 20; y < 140; y++) for (let x = 60; x < 150; x++) out[y * 256 + x] = 1;
        for (let y = 8; y < 14; y++) for (let x = 220; x < 226; x++) out[y * 256 + x] = 1;
      },
      dispose(): void {},
    };
    const general = fakeEngine('general', 0, []);
    const image = new ImageData(256, 256);
    image.data.set(splitPicture());
    const speckAt = 20 * 256 + 223; // (x 223, y 11 of 144) grown to the picture
    const person = 128 * 256 + 105;

    const cleaned = fusedEngine(general, landscape, GEOMETRY, {
      companionShapes: new MaskCleanup(256, 256),
    });
    const out = new Float32Array(256 * 256);
    await cleaned.segment(image, 0, out, 16 / 9); // squashed: the landscape model alone
    expect(out[person]).toBeGreaterThan(0.9);
    expect(out[speckAt]).toBe(0);

    const kept = fusedEngine(general, landscape, GEOMETRY);
    await kept.segment(image, 0, out, 16 / 9);
    expect(out[speckAt]).toBeGreaterThan(0.5);

    // The full clean-up is for the landscape model's lone answers; holes are filled in the
    // others, once: a reused answer was cleaned when it was made.
    let full = 0;
    let holes = 0;
    const both = fusedEngine(fakeEngine('general', 0.6, []), landscape, GEOMETRY, {
      companionShapes: { apply: () => full++ },
      holes: { apply: () => holes++ },
    });
    await both.segment(image, 0, out, 1); // the general model alone
    await both.segment(image, 1, out, 1); // both models
    await both.segment(image, 2, out, 1); // reused
    expect([full, holes]).toEqual([0, 2]);
    await both.segment(image, 3, out, 16 / 9); // squashed: the landscape model alone
    expect([full, holes]).toEqual([1, 2]);
  });
});
