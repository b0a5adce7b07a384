import { beforeAll, describe, expect, it } from 'vitest';
import { PASCAL_VOC_LABELS } from '../../src/presets';
import {
  combinePersonAndClasses,
  type GroupedModel,
  personClassEngine,
  personFusionGroups,
} from '../../src/worker/class-fusion';
import type { SegmentationEngine } from '../../src/worker/segmenter';
import { installImageData } from './node-image-data';

beforeAll(installImageData);

const PERSON = PASCAL_VOC_LABELS.indexOf('person');
const DOG = PASCAL_VOC_LABELS.indexOf('dog');
const HORSE = PASCAL_VOC_LABELS.indexOf('horse');
const CLASSES = PASCAL_VOC_LABELS.length;

describe('personFusionGroups', () => {
  it('person and dog kept: the dog from the classes, every other object class dropped', () => {
    const [kept, dropped] = personFusionGroups(CLASSES, [PERSON, DOG], PERSON, 0);
    expect(kept).toEqual([DOG]);
    expect(dropped).toHaveLength(CLASSES - 3);
    expect(dropped).toContain(HORSE);
    for (const c of [0, PERSON, DOG]) expect(dropped).not.toContain(c);
  });

  it('the person alone: nothing else kept, every object class dropped', () => {
    const [kept, dropped] = personFusionGroups(CLASSES, [PERSON], PERSON, 0);
    expect(kept).toEqual([]);
    expect(dropped).toHaveLength(CLASSES - 2);
  });
});

describe('combinePersonAndClasses', () => {
  it('keeps the person unless a dropped class is there; kept classes count on their own', () => {
    const person = Float32Array.from([0.9, 0.9, 0.1, 0.0]);
    const kept = Float32Array.from([0.0, 0.0, 0.8, 0.2]);
    const dropped = Float32Array.from([0.0, 0.95, 0.0, 0.0]);
    const out = new Float32Array(4);
    combinePersonAndClasses(person, kept, dropped, out);
    expect(out[0]).toBeCloseTo(0.9, 6); // the person
    expect(out[1]).toBeLessThan(0.05); // a horse the person model half took for a person
    expect(out[2]).toBeCloseTo(0.8, 6); // the dog
    expect(out[3]).toBeCloseTo(0.2, 6);
  });
});

describe('personClassEngine', () => {
  // A 16:9 frame squashed into a 64x64 picture; the person model's input is 64x36.
  const g = { width: 64, height: 64, companion: { width: 64, height: 36 } };

  /** Left half red (the person), right half blue (the dog). */
  function picture(): ImageData {
    const image = new ImageData(64, 64);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const i = (y * 64 + x) * 4;
        image.data[i] = x < 32 ? 250 : 0;
        image.data[i + 2] = x < 32 ? 0 : 250;
        image.data[i + 3] = 255;
      }
    }
    return image;
  }

  function engines(keptEverywhere: boolean) {
    const log = { personInputs: [] as string[], disposed: [] as string[] };
    const classes: GroupedModel = {
      info: {
        engine: 'onnxruntime',
        backend: 'wasm',
        model: 'deeplab',
        inputWidth: 64,
        inputHeight: 64,
      },
      async run(image, outs) {
        // The dog group: the blue half (or nothing); dropped: a patch in the red half's top rows.
        for (let i = 0; i < 64 * 64; i++) {
          const blue = (image.data[i * 4 + 2] as number) > 128;
          (outs[0] as Float32Array)[i] = keptEverywhere && blue ? 1 : 0;
          (outs[1] as Float32Array)[i] = !blue && i < 64 * 8 ? 1 : 0;
        }
      },
      dispose: () => log.disposed.push('classes'),
    };
    const person: SegmentationEngine = {
      info: {
        engine: 'onnxruntime',
        backend: 'wasm',
        model: 'selfie',
        inputWidth: 64,
        inputHeight: 36,
      },
      segment(image, _t, out) {
        log.personInputs.push(`${image.width}x${image.height}`);
        // A person model that sees people in red.
        for (let i = 0; i < out.length; i++) out[i] = (image.data[i * 4] as number) > 128 ? 1 : 0;
      },
      dispose: () => log.disposed.push('person'),
    };
    return { classes, person, log };
  }

  it('the person from the person model, the dog from the classes, dropped classes veto', async () => {
    const { classes, person, log } = engines(true);
    const engine = personClassEngine(classes, person, g);
    const out = new Float32Array(64 * 64);
    await engine.segment(picture(), 0, out, 16 / 9);
    expect(log.personInputs).toEqual(['64x36']);
    const at = (x: number, y: number) => out[y * 64 + x] as number;
    expect(at(10, 40)).toBeGreaterThan(0.99); // person
    expect(at(50, 40)).toBeGreaterThan(0.99); // dog
    expect(at(10, 2)).toBeLessThan(0.01); // a dropped class over the person
    expect(engine.info.model).toBe('deeplab + selfie');
    engine.dispose();
    engine.dispose();
    expect(log.disposed).toEqual(['classes', 'person']);
  });

  it('with nothing but the person kept, the other half is replaced', async () => {
    const { classes, person } = engines(false);
    const engine = personClassEngine(classes, person, g);
    const out = new Float32Array(64 * 64);
    await engine.segment(picture(), 0, out, 16 / 9);
    expect(out[40 * 64 + 10]).toBeGreaterThan(0.99);
    expect(out[40 * 64 + 50]).toBeLessThan(0.01);
  });
});
