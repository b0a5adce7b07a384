/**
 * Engine start-up as the output sees it: whether loading another engine stalls the frames being
 * served, and the backend trial that picks the faster tasks-vision delegate and remembers it.
 */

import type { ProcessorStats, VirtualBackgroundOptions } from '../../../src/index';
import { createVirtualBackground } from '../../../src/index';
import { RemoteSegmenter } from '../../../src/worker/remote-segmenter';
import { camera } from './inputs';
import { tapTrack } from './taps';
import { assets, sleep } from './util';

/** Diagnostics: output frame gaps at `fast` while another engine loads in the background. */
export async function gapsWhileLoading(
  kind: 'mediapipe-cpu' | 'mediapipe-gpu' | 'ort-wasm' | 'none',
): Promise<{ before: number; during: number; loadMs: number }> {
  const cam = await camera();
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    segmenterDelegate: 'CPU',
    background: { kind: 'color', color: '#00ff00' },
  });
  const out = await vb.start(cam);
  let last = 0;
  let maxGap = 0;
  const tap = tapTrack(out, [], () => {
    const now = performance.now();
    if (last) maxGap = Math.max(maxGap, now - last);
    last = now;
  });
  await sleep(2500);
  const before = maxGap;
  maxGap = 0;
  const t0 = performance.now();
  let seg: RemoteSegmenter | null = null;
  if (kind.startsWith('mediapipe')) {
    seg = await RemoteSegmenter.create({
      engine: 'mediapipe',
      modelUrl: `${assets}selfie_segmenter_landscape.tflite`,
      modelName: 'x',
      wasm: {
        loader: `${assets}wasm/vision_wasm_module_internal.js`,
        binary: `${assets}wasm/vision_wasm_module_internal.wasm`,
      },
      width: 256,
      height: 144,
      delegate: kind === 'mediapipe-gpu' ? 'GPU' : 'CPU',
      foreground: [],
      // Raw model output: these compare engines, not the shape clean-up.
      cleanShapes: false,
    });
  } else if (kind === 'ort-wasm') {
    seg = await RemoteSegmenter.create({
      engine: 'onnxruntime',
      modelUrl: `${assets}selfie_segmentation.onnx`,
      modelName: 'x',
      wasm: {
        mjs: `${assets}ort/ort-wasm-simd-threaded.jsep.mjs`,
        wasm: `${assets}ort/ort-wasm-simd-threaded.jsep.wasm`,
      },
      width: 256,
      height: 256,
      backend: 'wasm',
      layout: 'nhwc',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      output: 'probability',
      foreground: [],
      // Raw model output: these compare engines, not the shape clean-up.
      cleanShapes: false,
      threads: 1,
    });
  } else await sleep(3000);
  const loadMs = performance.now() - t0;
  await sleep(500);
  const during = maxGap;
  seg?.dispose();
  await tap.stop();
  await vb.stop();
  cam.stop();
  return { before, during, loadMs };
}

export interface TrialResult {
  first: ProcessorStats;
  second: ProcessorStats;
  remembered: Record<string, string>;
  /** ms from start() resolving to the first output frame, first run. */
  firstFrameMs: number;
  /** Longest output arrival gap during the first run's measurement. */
  maxGapMs: number;
}

/**
 * Backend measurement at start (forced on, as software GL would skip it): the first run measures
 * tasks-vision CPU against GPU and keeps the faster; the second start remembers it.
 */
export async function runBackendTrial(): Promise<TrialResult> {
  localStorage.removeItem('virtual-background:backends');
  const options: VirtualBackgroundOptions = {
    quality: 'fast',
    adaptive: false,
    backendTrial: 'always',
    background: { kind: 'color', color: '#00ff00' },
  };
  const cam = await camera();
  const vb = await createVirtualBackground(options);
  const out = await vb.start(cam);
  const started = performance.now();
  let firstFrameMs = -1;
  let last = 0;
  let maxGapMs = 0;
  const tap = tapTrack(out, [], () => {
    const now = performance.now();
    if (firstFrameMs < 0) firstFrameMs = now - started;
    else maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  });
  const deadline = performance.now() + 40_000;
  while (vb.stats().backendChoice !== 'measured' && performance.now() < deadline) await sleep(200);
  await sleep(1500);
  const first = vb.stats();
  await tap.stop();
  await vb.stop();
  const remembered = JSON.parse(localStorage.getItem('virtual-background:backends') ?? '{}');
  const vb2 = await createVirtualBackground(options);
  await vb2.start(cam);
  await sleep(4000);
  const second = vb2.stats();
  await vb2.stop();
  cam.stop();
  return { first, second, remembered, firstFrameMs, maxGapMs };
}
