/**
 * User-supplied models: bad ones must fail with typed errors while the current engine keeps
 * serving, and a custom multi-class model must keep exactly the classes asked for.
 */

import type { ProcessorStats } from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';
import type { Region } from './crops';
import { camera } from './inputs';
import { fractionNear } from './pixels';
import { tapTrack } from './taps';
import { sleep } from './util';

export interface BadModelResult {
  codes: Record<string, string>;
  before: ProcessorStats;
  after: ProcessorStats;
}

/** Bad models given to a running pipeline: typed errors, and the current engine keeps serving. */
export async function runBadModels(
  models: Record<string, { bytes: number[]; format: 'onnx' | 'tflite' }>,
): Promise<BadModelResult> {
  const cam = await camera();
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    background: { kind: 'color', color: '#00ff00' },
  });
  await vb.start(cam);
  await sleep(1000);
  const before = vb.stats();
  const codes: Record<string, string> = {};
  for (const [name, m] of Object.entries(models)) {
    const url = URL.createObjectURL(new Blob([new Uint8Array(m.bytes)]));
    try {
      await vb.update({
        model: {
          url,
          format: m.format,
          labels: ['background', 'person'],
          foreground: ['person'],
          inputWidth: 256,
          inputHeight: 144,
        },
      });
      codes[name] = 'resolved';
    } catch (error) {
      codes[name] = (error as { code?: string }).code ?? String(error);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  try {
    await vb.update({
      model: {
        url: 'x.onnx',
        labels: ['a', 'b'],
        foreground: ['horse'],
        inputWidth: 8,
        inputHeight: 8,
      },
    });
    codes.unknownLabel = 'resolved';
  } catch (error) {
    codes.unknownLabel = (error as { code?: string }).code ?? String(error);
  }
  await sleep(1000);
  const after = vb.stats();
  await vb.stop();
  cam.stop();
  return { codes, before, after };
}

export interface CustomModelResult {
  /** Share of each stripe's interior kept as the camera drew it (class kept) or shown as the background colour. */
  kept: Record<string, number>;
  replaced: Record<string, number>;
  frames: number;
  stats: ProcessorStats;
}

/**
 * A camera of three colour stripes (a = red, b = green, c = blue) and a model that labels pixels
 * by their strongest channel; `foreground` picks the stripes to keep.
 */
export async function runCustomModel(
  modelBytes: number[],
  foreground: string[],
  width: number,
  height: number,
  delegate: 'auto' | 'CPU' | 'GPU' = 'auto',
): Promise<CustomModelResult> {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const stripes: Array<[string, string]> = [
    ['a', '#e01010'],
    ['b', '#10e010'],
    ['c', '#1010e0'],
  ];
  let tick = 0;
  const draw = () => {
    stripes.forEach(([, colour], i) => {
      ctx.fillStyle = colour;
      ctx.fillRect((i * canvas.width) / 3, 0, canvas.width / 3, canvas.height);
    });
    // A moving dot keeps frames coming (captureStream only sends changed canvases).
    ctx.fillStyle = '#e01010';
    ctx.fillRect((tick++ * 7) % 200, 340, 4, 4);
  };
  draw();
  const timer = setInterval(draw, 33);
  const track = canvas.captureStream(30).getVideoTracks()[0] as MediaStreamTrack;
  const url = URL.createObjectURL(new Blob([new Uint8Array(modelBytes)]));
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    segmenterDelegate: delegate,
    background: { kind: 'color', color: '#ff00ff' },
    model: {
      url,
      format: 'onnx',
      labels: ['a', 'b', 'c'],
      foreground,
      inputWidth: width,
      inputHeight: height,
      onnx: { layout: 'nhwc', output: 'categories' },
    },
  });
  const out = await vb.start(track);
  // Stripe interiors, away from the edges where mask upsampling blends neighbours.
  const regions: Region[] = stripes.map(([name], i) => ({
    name,
    label: 'person',
    x0: Math.round(((i + 0.2) * 640) / 3),
    x1: Math.round(((i + 0.8) * 640) / 3),
    y0: 40,
    y1: 300,
  }));
  const sums = {
    kept: { a: 0, b: 0, c: 0 } as Record<string, number>,
    replaced: { a: 0, b: 0, c: 0 } as Record<string, number>,
  };
  let frames = 0;
  let seen = 0;
  const colours = Object.fromEntries(
    stripes.map(([n, c]) => [
      n,
      [
        Number.parseInt(c.slice(1, 3), 16),
        Number.parseInt(c.slice(3, 5), 16),
        Number.parseInt(c.slice(5, 7), 16),
      ] as [number, number, number],
    ]),
  );
  const tap = tapTrack(out, regions, (_ts, crops) => {
    if (++seen < 10) return;
    frames++;
    for (const [name] of stripes) {
      const crop = crops.get(name) as ImageData;
      sums.kept[name] =
        (sums.kept[name] ?? 0) + fractionNear(crop, colours[name] as [number, number, number], 24);
      sums.replaced[name] = (sums.replaced[name] ?? 0) + fractionNear(crop, [255, 0, 255], 24);
    }
  });
  const deadline = performance.now() + 20_000;
  while (frames < 30 && performance.now() < deadline) await sleep(50);
  await tap.stop();
  const stats = vb.stats();
  await vb.stop();
  clearInterval(timer);
  track.stop();
  URL.revokeObjectURL(url);
  const avg = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, frames ? v / frames : 0]));
  return { kept: avg(sums.kept), replaced: avg(sums.replaced), frames, stats };
}

export interface BrokenPresetResult {
  /** The error code update() rejected with ('resolved' if it did not). */
  code: string;
  message: string;
  before: ProcessorStats;
  after: ProcessorStats;
  /** Output frames judged while the broken model loaded and after it failed. */
  judged: number;
  /** The least share of any background region within 40 levels of green, over those frames. */
  minBackgroundGreen: number;
}

/**
 * The deeplabv3 preset asked of a running pipeline whose DeepLab file comes back broken (the test
 * routes the asset's URL): update() rejects with a typed error, and every output frame meanwhile
 * and after keeps the green background of the level that serves.
 */
export async function runBrokenPreset(regions: Region[]): Promise<BrokenPresetResult> {
  const cam = await camera();
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    background: { kind: 'color', color: '#00ff00' },
  });
  const out = await vb.start(cam);
  await sleep(1000);
  const background = regions.filter((r) => r.label === 'background');
  let judged = 0;
  let minBackgroundGreen = 1;
  const tap = tapTrack(out, background, (_ts, crops) => {
    judged++;
    for (const crop of crops.values()) {
      minBackgroundGreen = Math.min(minBackgroundGreen, fractionNear(crop, [0, 255, 0], 40));
    }
  });
  const before = vb.stats();
  let code = 'resolved';
  let message = '';
  try {
    await vb.update({ model: { preset: 'deeplabv3', foreground: ['person', 'dog'] } });
  } catch (error) {
    code = (error as { code?: string }).code ?? String(error);
    message = (error as Error).message ?? '';
  }
  await sleep(1500);
  await tap.stop();
  const after = vb.stats();
  await vb.stop();
  cam.stop();
  return { code, message, before, after, judged, minBackgroundGreen };
}
