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
        const truth =
          mask.data[
            (Math.min(mask.height - 1, Math.floor((y * mask.height) / SIZE)) * mask.width +
              Math.min(mask.width - 1, Math.floor((x * mask.width) / SIZE))) *
              4
          ] ?? 0;
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
});
