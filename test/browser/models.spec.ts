import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { buildOnnxModel } from '../../src/onnx-writer';
import { EXTENDED, fixture, openPage, regions } from './helpers';
import type * as Models from './page/models';

type ModelsModule = typeof Models;
const MODELS = '/test/browser/page/models.ts';

test(
  'converter: our ONNX landscape model agrees with tasks-vision on 3 frames; the general model is sane',
  EXTENDED,
  async ({ page }) => {
    test.setTimeout(120_000);
    await openPage(page);
    const r = await page.evaluate(
      async ({ url, regions, width, height }) => {
        const m = (await import(url)) as ModelsModule;
        return m.compareConverter(regions, width, height);
      },
      { url: MODELS, regions, width: fixture.width, height: fixture.height },
    );
    console.log('[converter]', JSON.stringify(r));
    expect(r.frames).toHaveLength(3);
    for (const f of r.frames) {
      expect(f.mad).toBeLessThan(0.02);
      expect(f.iou).toBeGreaterThan(0.98);
      // Not a degenerate agreement on an empty mask.
      expect(f.personShare).toBeGreaterThan(0.1);
    }
    const person = Object.values(r.general.person);
    const background = Object.values(r.general.background);
    expect(person.reduce((a, b) => a + b, 0) / person.length).toBeGreaterThan(0.9);
    expect(background.reduce((a, b) => a + b, 0) / background.length).toBeLessThan(0.1);
    // Each engine's wasm compiled once: the second worker of each ran the first one's module (the
    // general model's sane mask above came from onnxruntime on the reused module) and gave the
    // same mask.
    expect(r.reuse).toMatchObject({
      tasksCompiled: true,
      tasksReused: true,
      onnxCompiled: true,
      onnxReused: true,
    });
    expect(r.reuse.tasksMad).toBeLessThan(1e-4);
  },
);

test('levels switch live fast → accurate → balanced → fast: no stall, background never raw, stats name the engine, nothing leaves the machine', async ({
  page,
}) => {
  test.setTimeout(150_000);
  // Both engines load, serve and close here: no request may go beyond the page's origin,
  // tasks-vision's usage logger (which sends on close) included.
  const offMachine: string[] = [];
  await page.route(
    (url) => url.hostname !== 'localhost' && url.hostname !== '127.0.0.1',
    (route) => {
      offMachine.push(route.request().url());
      return route.abort();
    },
  );
  // Segmenter workers (nested in the pipeline worker): when each started and closed.
  const segmenters: Array<{ openedAt: number; closedAt: number | null }> = [];
  page.on('worker', (worker) => {
    if (!worker.url().includes('segmenter-worker')) return;
    const entry = { openedAt: Date.now(), closedAt: null as number | null };
    segmenters.push(entry);
    worker.on('close', () => {
      entry.closedAt = Date.now();
    });
  });
  await openPage(page);
  const r = await page.evaluate(
    async ({ url, regions }) => {
      const m = (await import(url)) as ModelsModule;
      return m.runQualitySwitches(regions, ['fast', 'accurate', 'balanced', 'fast'], 40);
    },
    { url: MODELS, regions },
  );
  const finishedAt = Date.now();
  // The last engine closed at stop(): time for a logger's request on close to be made.
  await page.waitForTimeout(1500);
  expect(offMachine).toEqual([]);
  for (const p of r.phases) {
    console.log(
      `[switch] ${p.quality}: ${p.stats.engine}/${p.stats.backend} ${p.stats.model}, switch ${Math.round(p.switchMs)} ms, ` +
        `${p.frames} frames, max gap ${Math.round(p.maxGapMs)} ms at ${Math.round(p.maxGapAtMs)} ms, max capture gap ${Math.round(p.maxTimestampGapMs)} ms (camera's own ${Math.round(p.maxInputGapMs)} ms, most camera frames skipped in a row ${p.maxFramesSkipped} at ${Math.round(p.maxSkipAtMs)} ms, ${Math.round(p.shownShare * 100)}% of camera frames shown), min bg green ${p.minBackgroundGreen.toFixed(3)}, ` +
        `min person ${p.minPerson.toFixed(3)}, fps ${p.stats.fpsOut}`,
    );
  }
  const engines = r.phases.map((p) => `${p.quality}:${p.stats.engine}:${p.stats.quality}`);
  expect(engines).toEqual([
    'fast:mediapipe:fast',
    'accurate:onnxruntime:accurate',
    'balanced:mediapipe:balanced',
    'fast:mediapipe:fast',
  ]);
  expect(r.phases[1]?.stats.model).toBe(
    'selfie_segmentation.onnx + selfie_segmentation_landscape.onnx',
  );
  // Old engines are released after each switch (their worker about a second after it): one worker
  // per engine that served (balanced and the final fast share one), and the first two (tasks-vision
  // for fast, onnxruntime for accurate) closed while the run went on, not by stop(), which closed
  // the last one (the run's last two phases take about 3 s).
  console.log(
    '[switch] segmenter worker lifetimes ms',
    JSON.stringify(segmenters.map((w) => (w.closedAt ? w.closedAt - w.openedAt : null))),
  );
  expect(segmenters).toHaveLength(3);
  const stoppedAt = segmenters[2]?.closedAt ?? finishedAt;
  for (const w of segmenters.slice(0, 2)) {
    expect(w.closedAt).not.toBeNull();
    expect(stoppedAt - (w.closedAt as number)).toBeGreaterThan(250);
  }
  expect(r.phases[1]?.stats.backend).toMatch(/^(wasm|webgpu)$/);
  // Output continuity, judged against the camera: the camera frames the output skipped between
  // two of its frames (capture timestamps; arrival times on the page's busy main thread jitter
  // too much to judge by, and a frame the starved fake camera never captured is no frame lost).
  // The target is none skipped (two frame intervals at most). Steady `fast` skips none here
  // (Chromium 150). A switch that loads an engine skips at most 1 in a row in most runs and 2–3
  // in some: the load, and V8 compiling the new engine's wasm on background threads the first
  // time it runs (about 3 s of a core for onnxruntime), leave this 2-core machine too little for
  // a 30 fps software-GL output, and the camera's own queue drops the frames the worker could not
  // take (no frame the worker received is ever lost). Before engines loaded in their own workers
  // a switch stalled the output for the whole load (3–10 s here: 90 frames or more); before the
  // warm-up at start built every level's programs and the new engine settled before taking over,
  // a switch into `balanced` skipped 3–5. The bound follows the steady phase where a slower
  // browser build (Chromium 156 ran this code 1.5–2x slower than Chromium 150 on this project's
  // 2-core machines) already skips there, and so does one on a machine with other work running:
  // the bound is this run's own steady phase, doubled, plus two, and at most 30 (a second). A
  // switch that stalls for the load skips 90 or more. The steady phase must itself be video: a
  // good share of the camera's frames shown (0.72 here with both taps cropping on the page's
  // main thread). Not its longest run of skips: a clean-clone CI run skipped 13 in a row once in
  // steady `fast` (a hiccup of a busy machine, 0.4 s) and failed on a bound of 10.
  const steadySkips = r.phases[0]?.maxFramesSkipped ?? 0;
  const skipBound = Math.min(30, Math.max(3, 2 * steadySkips + 2));
  expect(r.phases[0]?.shownShare ?? 0).toBeGreaterThan(0.4);
  for (const p of r.phases) {
    expect(p.frames).toBeGreaterThanOrEqual(40);
    // Every frame: background replaced, person kept.
    expect(p.minBackgroundGreen).toBeGreaterThan(0.9);
    expect(p.minPerson).toBeGreaterThan(0.6);
    expect(p.maxFramesSkipped).toBeLessThanOrEqual(skipBound);
    // No bound on the capture-time gap itself: on a loaded machine the fake camera stalls for up to
    // 2 s on its own (switch into accurate: an output gap of 2.6 s spanning a 2.0 s camera stall
    // and 2 skipped frames), and a stall of ours shows as camera frames skipped, bounded above.
  }
});

/**
 * The backend tests judge the person where she is whatever the camera's pan and zoom: the face
 * and the collar, not the suit's sides (15 photo px inside her outline). WebGPU here is SwiftShader
 * on the CPU: 1.6–1.8 s per mask on a quiet machine, 3.7–8.8 s with one core busy, when the run
 * gets one mask in the whole phase. That mask, moved with the person (one shift for her, no
 * zoom), lags the fixture's pan and zoom at her sides: the right of the suit went 0.24–0.87 green
 * over a phase (measured 2026-12-02, 4 of 12 loaded runs), while the face and collar stayed
 * hers. What is judged here is the backend's mask; how a reused mask follows the picture is the
 * eval's (moving people, docs/quality.md) and docs/limitations.md says where it falls short.
 */
const coreRegions = regions.filter(
  (r) => r.label === 'background' || r.name === 'face' || r.name === 'collar',
);

for (const delegate of ['CPU', 'GPU'] as const) {
  const backend = delegate === 'CPU' ? 'wasm' : 'webgpu';
  test.describe(`accurate on onnxruntime-web ${backend}`, () => {
    // WebGPU here is SwiftShader on the CPU: about 40 s to the first mask of the two models.
    test(
      'person kept, background replaced',
      delegate === 'GPU' ? EXTENDED : {},
      async ({ page }) => {
        test.setTimeout(120_000);
        // Without person regions nothing would judge the person: the fixture must still have both.
        expect(coreRegions.filter((r) => r.label === 'person').map((r) => r.name)).toEqual([
          'face',
          'collar',
        ]);
        await openPage(page);
        const r = await page.evaluate(
          async ({ url, regions, delegate }) => {
            const m = (await import(url)) as ModelsModule;
            return m.runQualitySwitches(regions, ['accurate'], 30, { segmenterDelegate: delegate });
          },
          { url: MODELS, regions: coreRegions, delegate },
        );
        const p = r.phases[0];
        console.log(
          `[${backend}] ${p?.stats.engine}/${p?.stats.backend} segment p50 ${p?.stats.segmentMs.p50} ms, ` +
            `masks ${p?.stats.framesSegmented}, fps ${p?.stats.fpsOut}, min bg green ${p?.minBackgroundGreen}, min person ${p?.minPerson}`,
        );
        expect(p?.stats.engine).toBe('onnxruntime');
        expect(p?.stats.backend).toBe(backend);
        expect(p?.stats.backendChoice).toBe('forced');
        expect(p?.minBackgroundGreen).toBeGreaterThan(0.9);
        expect(p?.minPerson).toBeGreaterThan(0.6);
      },
    );
  });
}

test('bad models: typed errors naming the problem, the running level keeps serving', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openPage(page);
  const onnx = [...readFileSync('models/selfie_segmentation_landscape.onnx')];
  const tflite = [...readFileSync('models/selfie_segmenter_landscape.tflite')];
  const unknownOp = buildOnnxModel({
    inputs: [{ name: 'image', elemType: 'float32', shape: [1, 144, 256, 3] }],
    outputs: [{ name: 'mask', elemType: 'float32', shape: [1, 144, 256, 1] }],
    nodes: [{ opType: 'NoSuchSegmentationOp', inputs: ['image'], outputs: ['mask'] }],
  });
  const r = await page.evaluate(
    async ({ url, models }) => {
      const m = (await import(url)) as ModelsModule;
      return m.runBadModels(models);
    },
    {
      url: MODELS,
      models: {
        truncatedOnnx: { bytes: onnx.slice(0, onnx.length >> 1), format: 'onnx' as const },
        randomOnnx: {
          bytes: Array.from({ length: 4096 }, (_, i) => (i * 7919) & 255),
          format: 'onnx' as const,
        },
        unknownOperator: { bytes: [...unknownOp], format: 'onnx' as const },
        truncatedTflite: { bytes: tflite.slice(0, tflite.length >> 1), format: 'tflite' as const },
      },
    },
  );
  console.log('[bad models]', JSON.stringify(r.codes));
  expect(r.codes).toEqual({
    truncatedOnnx: 'model-load-failed',
    randomOnnx: 'model-load-failed',
    unknownOperator: 'model-load-failed',
    truncatedTflite: 'model-load-failed',
    unknownLabel: 'invalid-option',
  });
  expect(r.after.engine).toBe(r.before.engine);
  expect(r.after.model).toBe(r.before.model);
  expect(r.after.quality).toBe(r.before.quality);
  expect(r.after.framesOut).toBeGreaterThan(r.before.framesOut + 20);
});

// A DeepLab file broken on its way (a proxy cutting the download short: the model does not parse;
// a server answering a missing file with its HTML page: the asset is not there, which says where
// to look): the preset's request fails typed, the level serving keeps on.
const deeplab = readFileSync('models/deeplabv3_257.onnx');
for (const [name, body, contentType, code] of [
  [
    'truncated',
    deeplab.subarray(0, deeplab.length >> 1),
    'application/octet-stream',
    'model-load-failed',
  ],
  [
    'an HTML page',
    Buffer.from('<!doctype html><title>Not here</title><p>404'),
    'text/html',
    'asset-load-failed',
  ],
] as const) {
  test(`deeplabv3 preset, its model file ${name}: ${code}, the running level keeps serving, background never raw`, async ({
    page,
    context,
  }) => {
    test.setTimeout(120_000);
    let served = 0;
    await context.route('**/deeplabv3_257.onnx', (route) => {
      served++;
      return route.fulfill({ status: 200, contentType, body: Buffer.from(body) });
    });
    await openPage(page);
    const r = await page.evaluate(
      async ({ url, regions }) => {
        const m = (await import(url)) as ModelsModule;
        return m.runBrokenPreset(regions);
      },
      { url: MODELS, regions },
    );
    console.log(
      `[broken deeplab: ${name}]`,
      JSON.stringify({
        code: r.code,
        message: r.message,
        served,
        judged: r.judged,
        minBackgroundGreen: r.minBackgroundGreen,
        model: r.after.model,
      }),
    );
    expect(served).toBeGreaterThan(0); // the broken file is what the worker got
    expect(r.code).toBe(code);
    expect(r.message).toContain('deeplabv3_257.onnx');
    expect(r.after.model).toBe(r.before.model);
    expect(r.after.quality).toBe('fast');
    expect(r.judged).toBeGreaterThan(20);
    expect(r.after.framesOut).toBeGreaterThan(r.before.framesOut + 20);
    expect(r.minBackgroundGreen).toBeGreaterThan(0.95);
  });
}

for (const delegate of ['CPU', 'GPU'] as const) {
  const backend = delegate === 'CPU' ? 'wasm' : 'webgpu';
  test(`custom multi-class ONNX model on ${backend}: foreground ['a','c'] keeps exactly classes a and c`, async ({
    page,
  }) => {
    test.setTimeout(120_000);
    await openPage(page);
    const width = 64;
    const height = 36;
    // Scores = 20 x RGB: the softmax picks a pixel's strongest channel, so a = red, b = green, c = blue.
    const model = buildOnnxModel({
      inputs: [{ name: 'image', elemType: 'float32', shape: [1, height, width, 3] }],
      outputs: [{ name: 'classes', elemType: 'float32', shape: [1, height, width, 3] }],
      nodes: [{ opType: 'Mul', inputs: ['image', 'gain'], outputs: ['classes'] }],
      initializers: [
        { name: 'gain', dataType: 'float32', dims: [1], data: new Float32Array([20]) },
      ],
    });
    const r = await page.evaluate(
      async ({ url, bytes, width, height, delegate }) => {
        const m = (await import(url)) as ModelsModule;
        return m.runCustomModel(bytes, ['a', 'c'], width, height, delegate);
      },
      { url: MODELS, bytes: [...model], width, height, delegate },
    );
    console.log(
      `[custom model ${backend}]`,
      JSON.stringify({ kept: r.kept, replaced: r.replaced, frames: r.frames }),
    );
    expect(r.stats.engine).toBe('onnxruntime');
    expect(r.stats.backend).toBe(backend);
    expect(r.frames).toBeGreaterThanOrEqual(30);
    expect(r.kept.a).toBeGreaterThan(0.99);
    expect(r.kept.c).toBeGreaterThan(0.99);
    expect(r.replaced.b).toBeGreaterThan(0.99);
  });
}

test('backend chosen by measurement at start, remembered for the next start', async ({ page }) => {
  test.setTimeout(120_000);
  await openPage(page);
  const r = await page.evaluate(
    async ({ url }) => {
      const m = (await import(url)) as ModelsModule;
      return m.runBackendTrial();
    },
    { url: MODELS },
  );
  console.log(
    `[trial] first ${r.first.backend} (${r.first.backendChoice}), second ${r.second.backend} (${r.second.backendChoice}), ` +
      `remembered ${JSON.stringify(r.remembered)}, first frame after ${Math.round(r.firstFrameMs)} ms, max gap ${Math.round(r.maxGapMs)} ms`,
  );
  expect(r.first.backendChoice).toBe('measured');
  // Software GL here: the emulated GPU delegate is the slower one.
  expect(r.first.backend).toBe('cpu');
  expect(Object.values(r.remembered)).toEqual(['cpu']);
  expect(Object.keys(r.remembered)[0]).toContain('mediapipe|selfie_segmenter_landscape.tflite|');
  expect(r.second.backendChoice).toBe('remembered');
  expect(r.second.backend).toBe('cpu');
  // start() resolves once the output can flow: its first frame comes within 500 ms, or on a loaded
  // machine within the run's own longest gap between output frames.
  expect(r.firstFrameMs).toBeLessThan(Math.max(500, r.maxGapMs));
});

for (const quality of ['fast', 'balanced', 'accurate'] as const) {
  test(
    `${quality}: pixel checks on the person fixture, every frame`,
    EXTENDED,
    async ({ page }) => {
      test.setTimeout(120_000);
      await openPage(page);
      const r = await page.evaluate(
        async ({ url, regions, quality }) => {
          const m = (await import(url)) as ModelsModule;
          return m.runQualitySwitches(regions, [quality], 90);
        },
        { url: MODELS, regions, quality },
      );
      const p = r.phases[0];
      const s = p?.stats;
      console.log(
        `[level] ${quality}: ${s?.engine}/${s?.backend} ${s?.model}, segment p50 ${s?.segmentMs.p50} ms, ` +
          `compose p50 ${s?.composeMs.p50} ms, fps ${s?.fpsOut}, mask accuracy: person kept ` +
          `${p?.meanPerson.toFixed(4)} (min ${p?.minPerson.toFixed(3)}), background replaced ` +
          `${p?.meanBackgroundGreen.toFixed(4)} (min ${p?.minBackgroundGreen.toFixed(3)}) over ${p?.frames} frames`,
      );
      expect(p?.frames).toBeGreaterThanOrEqual(90);
      expect(p?.meanPerson).toBeGreaterThan(0.95);
      expect(p?.meanBackgroundGreen).toBeGreaterThan(0.95);
      expect(p?.minPerson).toBeGreaterThan(0.6);
      expect(p?.minBackgroundGreen).toBeGreaterThan(0.9);
    },
  );
}
