/**
 * The shipped DeepLabV3 (models/vendored → models/deeplabv3_257.onnx at install, the `deeplabv3`
 * preset) on real photos: the converted model against the reference interpreter (the largest
 * score difference is printed), and its argmax against the samoyed's hand-made mask.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PASCAL_VOC_LABELS } from '../../src/presets';
import { combinePersonAndClasses, personFusionGroups } from '../../src/worker/class-fusion';
import { fusionKernels } from '../../src/worker/fused-segmenter';
import { categoryReductionModel } from '../../src/worker/onnx-segmenter';
import { readTfliteModel } from '../../tools/tflite-to-onnx';
import { runReference } from '../../tools/tflite-to-onnx/reference';
import { sample } from '../fixtures/subjects-fixture';

ort.env.wasm.numThreads = 1;

const root = join(import.meta.dirname, '../..');
const SIZE = 257;
const CLASSES = PASCAL_VOC_LABELS.length;
const DOG = PASCAL_VOC_LABELS.indexOf('dog');
const PERSON = PASCAL_VOC_LABELS.indexOf('person');

function readPng(name: string): PNG {
  return PNG.sync.read(readFileSync(join(root, 'test/fixtures/subjects', name)));
}

/** Bilinear resize to SIZE x SIZE, as the pipeline's downscale does, then (p - 127.5) / 127.5. */
function modelInput(png: PNG): Float32Array {
  const out = new Float32Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      for (let c = 0; c < 3; c++) {
        const v = sample(png, (x + 0.5) / SIZE, (y + 0.5) / SIZE, c);
        out[(y * SIZE + x) * 3 + c] = (v - 127.5) / 127.5;
      }
    }
  }
  return out;
}

/** The samoyed mask's value (255 dog, 128 undecided border, 0 not dog) at a model pixel. */
function truthAt(mask: PNG, x: number, y: number): number {
  return (
    mask.data[
      (Math.min(mask.height - 1, Math.floor((y * mask.height) / SIZE)) * mask.width +
        Math.min(mask.width - 1, Math.floor((x * mask.width) / SIZE))) *
        4
    ] ?? 0
  );
}

function argmax(scores: Float32Array, i: number): number {
  let best = 0;
  for (let k = 1; k < CLASSES; k++) {
    if ((scores[i * CLASSES + k] ?? 0) > (scores[i * CLASSES + best] ?? 0)) best = k;
  }
  return best;
}

describe('DeepLabV3, as shipped', () => {
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(
      readFileSync(join(root, 'models/deeplabv3_257.onnx')),
    );
  }, 30_000);

  const run = async (input: Float32Array): Promise<Float32Array> => {
    const out = await session.run({
      [session.inputNames[0] as string]: new ort.Tensor('float32', input, [1, SIZE, SIZE, 3]),
    });
    return (out[session.outputNames[0] as string] as ort.Tensor).data as Float32Array;
  };

  it('keeps the samoyed: argmax dog against its mask, IoU >= 0.85 (border band not judged)', async () => {
    const scores = await run(modelInput(readPng('samoyed.png')));
    const mask = readPng('samoyed-mask.png');
    let both = 0;
    let either = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const truth = truthAt(mask, x, y);
        if (truth === 128) continue;
        const dog = argmax(scores, y * SIZE + x) === DOG;
        if (dog && truth === 255) both++;
        if (dog || truth === 255) either++;
      }
    }
    const iou = both / either;
    console.log(`[deeplab] samoyed dog IoU ${iou.toFixed(3)}`);
    expect(iou).toBeGreaterThanOrEqual(0.85);
  });

  it('finds the person in the portrait', async () => {
    const scores = await run(modelInput(readPng('grace-hopper.png')));
    // Her face: the middle of the upper half of the 512x600 portrait.
    let person = 0;
    let n = 0;
    for (let y = Math.round(SIZE * 0.2); y < Math.round(SIZE * 0.45); y++) {
      for (let x = Math.round(SIZE * 0.35); x < Math.round(SIZE * 0.65); x++) {
        n++;
        if (argmax(scores, y * SIZE + x) === PERSON) person++;
      }
    }
    console.log(`[deeplab] portrait face region: ${((100 * person) / n).toFixed(1)}% person`);
    expect(person / n).toBeGreaterThan(0.9);
  });

  it('agrees with the reference interpreter on the samoyed photo', async () => {
    const input = modelInput(readPng('samoyed.png'));
    const onnx = await run(input);
    const model = readTfliteModel(
      new Uint8Array(readFileSync(join(root, 'models/vendored/deeplabv3_257_mv_gpu.tflite'))),
    );
    const reference = runReference(model, { sub_7: input }).get('ResizeBilinear_3');
    if (!reference) throw new Error('the reference run has no output');
    let maxDiff = 0;
    let maxScore = 0;
    for (let i = 0; i < onnx.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((onnx[i] ?? 0) - (reference.data[i] ?? 0)));
      maxScore = Math.max(maxScore, Math.abs(reference.data[i] ?? 0));
    }
    let sameArgmax = 0;
    for (let i = 0; i < SIZE * SIZE; i++) {
      if (argmax(onnx, i) === argmax(reference.data, i)) sameArgmax++;
    }
    console.log(
      `[deeplab] onnx vs reference: largest score difference ${maxDiff.toExponential(2)} (scores up to ${maxScore.toFixed(1)}), argmax agrees on ${((100 * sameArgmax) / (SIZE * SIZE)).toFixed(3)}% of pixels`,
    );
    expect(maxDiff).toBeLessThan(1e-3 * Math.max(1, maxScore));
    expect(sameArgmax / (SIZE * SIZE)).toBeGreaterThan(0.999);
  }, 180_000);

  describe('with the person from the landscape selfie model (the preset when the person is kept)', () => {
    const { width: lw, height: lh } = { width: 256, height: 144 };
    let selfie: ort.InferenceSession;
    beforeAll(async () => {
      selfie = await ort.InferenceSession.create(
        readFileSync(join(root, 'models/selfie_segmentation_landscape.onnx')),
      );
    }, 30_000);

    /** What the preset keeps of the square photo for `foreground` (class-fusion.ts's rule). */
    const keptBy = async (png: PNG, foreground: number[]): Promise<Float32Array> => {
      const rgba = new Uint8ClampedArray(SIZE * SIZE * 4);
      const input = modelInput(png);
      for (let i = 0; i < SIZE * SIZE; i++) {
        for (let c = 0; c < 3; c++) {
          rgba[i * 4 + c] = Math.round((input[i * 3 + c] as number) * 127.5 + 127.5);
        }
        rgba[i * 4 + 3] = 255;
      }
      const [keptGroup, droppedGroup] = personFusionGroups(CLASSES, foreground, PERSON, 0);
      const reduction = await ort.InferenceSession.create(
        categoryReductionModel(
          SIZE,
          SIZE,
          CLASSES,
          [keptGroup, droppedGroup].filter((g) => g.length > 0),
          'nhwc',
        ),
      );
      const scores = await run(input);
      const groups = await reduction.run({
        scores: new ort.Tensor('float32', scores, [1, SIZE, SIZE, CLASSES]),
      });
      await reduction.release();
      const kept = keptGroup.length
        ? (groups.group0?.data as Float32Array)
        : new Float32Array(SIZE * SIZE);
      const dropped = groups[keptGroup.length ? 'group1' : 'group0']?.data as Float32Array;
      const k = fusionKernels(
        { width: SIZE, height: SIZE, companion: { width: lw, height: lh } },
        1,
      );
      const letterboxed = new Uint8ClampedArray(lw * lh * 4);
      k.letterbox(rgba, letterboxed);
      const selfieInput = new Float32Array(lw * lh * 3);
      for (let i = 0; i < lw * lh; i++) {
        for (let c = 0; c < 3; c++)
          selfieInput[i * 3 + c] = (letterboxed[i * 4 + c] as number) / 255;
      }
      const out = await selfie.run({
        [selfie.inputNames[0] as string]: new ort.Tensor('float32', selfieInput, [1, lh, lw, 3]),
      });
      const person = new Float32Array(SIZE * SIZE);
      k.fuse(person, out[selfie.outputNames[0] as string]?.data as Float32Array, person, 0);
      const mask = new Float32Array(SIZE * SIZE);
      combinePersonAndClasses(person, kept, dropped, mask);
      return mask;
    };

    it('keeps the samoyed with person and dog (IoU >= 0.85), replaces it with the person alone', async () => {
      const photo = readPng('samoyed.png');
      const truth = readPng('samoyed-mask.png');
      const both = await keptBy(photo, [PERSON, DOG]);
      const personOnly = await keptBy(photo, [PERSON]);
      let inBoth = 0;
      let inEither = 0;
      let dogPixels = 0;
      let dogKeptAlone = 0;
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const t = truthAt(truth, x, y);
          if (t === 128) continue;
          const kept = (both[y * SIZE + x] as number) >= 0.5;
          if (kept && t === 255) inBoth++;
          if (kept || t === 255) inEither++;
          if (t === 255) {
            dogPixels++;
            if ((personOnly[y * SIZE + x] as number) >= 0.5) dogKeptAlone++;
          }
        }
      }
      const iou = inBoth / inEither;
      console.log(
        `[deeplab+selfie] samoyed kept IoU ${iou.toFixed(3)}; with the person alone ${((100 * dogKeptAlone) / dogPixels).toFixed(1)}% of the dog kept`,
      );
      expect(iou).toBeGreaterThanOrEqual(0.85);
      // The selfie model alone takes the dog for a person on its own photo: DeepLab's dog vetoes it.
      expect(dogKeptAlone / dogPixels).toBeLessThan(0.1);
    }, 60_000);
  });
});
