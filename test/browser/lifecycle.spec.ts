import { expect, test } from '@playwright/test';
import { type HarnessModule, mainThreadFree, mean, openPage, regions } from './helpers';
import type { AdaptiveResult, PerformanceResult, RunResult, SlowdownResult } from './page/harness';

const HARNESS = '/test/browser/page/harness.ts';
/** The public entry point as a page on the dev server imports it. */
const API = '/src/index.ts';
type Api = typeof import('../../src/index');

test('1280x720 fast: frame rate and stage timings, main thread never blocked', async ({ page }) => {
  await openPage(page);
  const result: PerformanceResult = await page.evaluate(
    async ({ url }) => {
      const h = (await import(url)) as HarnessModule;
      return h.measurePerformance(10, 'fast', { kind: 'blur' }, {}, { external: true });
    },
    { url: HARNESS },
  );
  const s = result.stats;
  const ext = result.external;
  console.log(
    [
      '[performance] 1280x720 fast blur, 10 s',
      `  start() resolved in ${result.startMs.toFixed(0)} ms`,
      `  fps in ${s.fpsIn}, out ${s.fpsOut}, displayed by <video> ${result.videoFps.toFixed(1)}`,
      `  frames in ${s.framesIn}, out ${s.framesOut}, segmented ${s.framesSegmented}, dropped at source ${s.framesDropped}`,
      `  latency p50 ${s.latencyMs.p50} ms, p95 ${s.latencyMs.p95} ms`,
      `  segment p50 ${s.segmentMs.p50} ms, p95 ${s.segmentMs.p95} ms (${s.engine}/${s.backend})`,
      `  compose p50 ${s.composeMs.p50} ms, p95 ${s.composeMs.p95} ms (in: ${s.inputPath}, out: ${s.outputPath})`,
      `  camera track ${ext?.fpsIn} fps, output track ${ext?.fpsOut} fps (taps)`,
      `  main-thread long tasks: ${result.longTasks.length} (${result.longTasks.map((d) => d.toFixed(0)).join(', ')})`,
    ].join('\n'),
  );
  expect(mainThreadFree(result.longTasks, s.framesOut), `long tasks ${result.longTasks}`).toBe(
    true,
  );
  expect(s.framesOut).toBeGreaterThan(0);
  // A floor against collapse, judged against the camera's own rate in this run: a pipeline that
  // serialises segmentation and compositing on the main thread runs 1–2 fps here (livekit, in the
  // bench). With a core taken by other work ours gave 11.8–19.1 of 27.5–28.6; the quiet-machine
  // figure (29+ of 30) is the bench's.
  expect(ext?.fpsOut ?? 0).toBeGreaterThan(0.25 * (ext?.fpsIn ?? 30));
  // Nothing is lost inside the pipeline: every frame that came in went out, except, when the stats
  // were taken, the one held for its own mask and the one being uploaded beside it.
  expect(s.framesIn - s.framesOut).toBeGreaterThanOrEqual(0);
  expect(s.framesIn - s.framesOut).toBeLessThanOrEqual(2);
});

test('stop(): output track ended, worker gone, no VideoFrame left open', async ({ page }) => {
  const logs = await openPage(page);
  const result = await page.evaluate(async (url) => {
    const { createVirtualBackground } = (await import(url)) as Api;
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: 1280, height: 720 },
    });
    const vb = await createVirtualBackground({
      quality: 'fast',
      background: { kind: 'color', color: '#123456' },
    });
    const out = await vb.start(stream.getVideoTracks()[0] as MediaStreamTrack);
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = new MediaStream([out]);
    await video.play();
    // Until the output has flowed a while: seconds on a loaded machine, not a fixed wait.
    const deadline = performance.now() + 20_000;
    while (vb.stats().framesOut <= 20 && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const before = vb.stats();
    await vb.stop();
    await vb.stop(); // twice is fine
    const after = vb.stats();
    video.srcObject = null;
    for (const t of stream.getTracks()) t.stop();
    // Any VideoFrame dropped without close() is reported by Chrome when collected.
    (globalThis as unknown as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 500));
    return { readyState: out.readyState, before, after };
  }, API);
  console.log('[stop] before', result.before.framesOut, 'frames out; after', result.after);
  expect(result.readyState).toBe('ended');
  expect(result.before.framesOut).toBeGreaterThan(10);
  expect(result.after.framesOpen).toBe(0);
  await expect.poll(() => page.workers().length).toBe(0);
  expect(
    logs.filter((l) => /garbage collected without being closed|VideoFrame.*not closed/i.test(l)),
  ).toEqual([]);
});

test('the dev server serves /src/index.ts; createVirtualBackground() with no options blurs the camera', async ({
  page,
}) => {
  await page.goto('/');
  const result: RunResult = await page.evaluate(
    async ({ url, regions }) => {
      const h = (await import(url)) as HarnessModule;
      return h.runPhases({
        regions,
        phases: [{ background: { kind: 'blur' }, frames: 15 }],
        defaults: true,
      });
    },
    { url: HARNESS, regions },
  );
  const frames = result.verdicts;
  console.log(
    '[defaults] quality',
    result.stats.quality,
    'changes',
    JSON.stringify(result.qualityChanges),
    'background sharpness',
    mean(frames.map((f) => f.backgroundSharpness)),
  );
  // The default level is balanced; on a loaded machine adaptive quality (on by default) may step
  // it down during the run, as it did in a loaded CI run (2026-12-02), and then says so.
  const [firstChange] = result.qualityChanges;
  if (firstChange) {
    expect(firstChange).toEqual({ quality: 'fast', requested: 'balanced', reason: 'overloaded' });
  } else {
    expect(result.stats.quality).toBe('balanced');
  }
  expect(frames.length).toBe(15);
  expect(mean(frames.map((f) => f.backgroundSharpness))).toBeLessThan(0.4);
  expect(mean(frames.map((f) => f.personSharpness))).toBeGreaterThan(0.85);
});

test('bad input gives typed errors and never stops a running pipeline', async ({ page }) => {
  // Every pipeline worker the page creates, and when the library terminated it: under load a
  // worker has once been listed 30 s after stop() (docs/limitations.md), and this says whether
  // terminate() was called on it (the library's part) or not.
  await page.addInitScript(() => {
    const Native = window.Worker;
    const created: Array<{ name: string; at: number; terminatedAt: number | null }> = [];
    (window as unknown as { workersCreated: typeof created }).workersCreated = created;
    window.Worker = class extends Native {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        const entry = { name: String(options?.name), at: performance.now(), terminatedAt: null };
        created.push(entry as (typeof created)[number]);
        const terminate = this.terminate.bind(this);
        this.terminate = () => {
          (entry as (typeof created)[number]).terminatedAt = performance.now();
          terminate();
        };
      }
    } as typeof Worker;
  });
  await openPage(page);
  const result = await page.evaluate(async (url) => {
    const { createVirtualBackground, VirtualBackgroundError } = (await import(url)) as Api;
    const codeOf = async (f: () => Promise<unknown>) => {
      try {
        await f();
        return 'no error';
      } catch (e) {
        return e instanceof VirtualBackgroundError ? e.code : `untyped: ${String(e)}`;
      }
    };
    const stream = await navigator.mediaDevices.getUserMedia({
      video: { width: 1280, height: 720 },
    });
    const track = stream.getVideoTracks()[0] as MediaStreamTrack;
    const ended = track.clone();
    ended.stop();
    const codes = {
      quality: await codeOf(() => createVirtualBackground({ quality: 'ultra' as never })),
      colour: await codeOf(() =>
        createVirtualBackground({ background: { kind: 'color', color: 'not-a-colour' } }),
      ),
      radius: await codeOf(() =>
        createVirtualBackground({ background: { kind: 'blur', radius: -3 } }),
      ),
      endedTrack: await codeOf(async () => (await createVirtualBackground()).start(ended)),
      missingAssets: await codeOf(async () =>
        (await createVirtualBackground({ assetBaseUrl: '/no-such-folder/' })).start(track),
      ),
    };
    const vb = await createVirtualBackground({
      quality: 'fast',
      background: { kind: 'color', color: '#00ff00' },
    });
    await vb.start(track);
    // Progress is waited for, not a fixed time: a loaded machine runs fewer frames a second.
    const framesPast = async (n: number) => {
      const deadline = performance.now() + 20_000;
      while (vb.stats().framesOut <= n && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      return vb.stats().framesOut;
    };
    await framesPast(10);
    const framesBefore = vb.stats().framesOut;
    const badImage = await codeOf(() =>
      vb.update({ background: { kind: 'image', source: '/no-such-image.png' } }),
    );
    const badUpdate = await codeOf(() => vb.update({ background: { kind: 'color', color: '' } }));
    const inputsUrl = '/test/browser/page/inputs.ts';
    const { hugePng } = (await import(inputsUrl)) as typeof import('./page/inputs');
    const garbage = new Blob([new Uint8Array(4096).fill(7)], { type: 'image/png' });
    const pictures = {
      undecodable: await codeOf(() =>
        vb.update({ background: { kind: 'image', source: garbage } }),
      ),
      huge: await codeOf(async () =>
        vb.update({ background: { kind: 'image', source: await hugePng(20000, 20000) } }),
      ),
      // Kept, scaled down to 4096 wide on decode.
      large: await codeOf(async () =>
        vb.update({ background: { kind: 'image', source: await hugePng(6000, 4000) } }),
      ),
      video: await codeOf(() => vb.update({ background: { kind: 'video', source: garbage } })),
    };
    const framesAfter = await framesPast(framesBefore + 10);
    await vb.stop();
    const afterStop = await codeOf(() => vb.update({ quality: 'fast' }));
    const restart = await codeOf(() => vb.start(track));
    track.stop();
    return { codes, badImage, badUpdate, pictures, framesBefore, framesAfter, afterStop, restart };
  }, API);
  console.log('[errors]', result);
  expect(result.codes).toEqual({
    quality: 'invalid-option',
    colour: 'invalid-option',
    radius: 'invalid-option',
    endedTrack: 'invalid-track',
    missingAssets: 'asset-load-failed',
  });
  expect(result.badImage).toBe('asset-load-failed');
  expect(result.badUpdate).toBe('invalid-option');
  expect(result.pictures).toEqual({
    undecodable: 'asset-load-failed',
    huge: 'asset-load-failed',
    large: 'no error',
    video: 'asset-load-failed',
  });
  expect(result.framesAfter).toBeGreaterThan(result.framesBefore + 10);
  expect(result.afterStop).toBe('invalid-state');
  expect(result.restart).toBe('invalid-state');
  // terminate() is synchronous in the page, but Playwright hears of a nested worker's end through
  // the DevTools protocol, which a starved machine delivers late: the names say which one is left.
  const created = await page.evaluate(
    () =>
      (
        window as unknown as {
          workersCreated: Array<{ name: string; at: number; terminatedAt: number | null }>;
        }
      ).workersCreated,
  );
  // The library's part: each worker it started (the failed start's and the running one's: the
  // output track's writer, then the pipeline) was terminated.
  expect(created.map((w) => w.name)).toEqual([
    'virtual-background-output',
    'virtual-background',
    'virtual-background-output',
    'virtual-background',
  ]);
  expect(
    created.every((w) => w.terminatedAt !== null),
    JSON.stringify(created),
  ).toBe(true);
  await expect
    .poll(() => page.workers().map((w) => w.url().split('/').pop()), {
      timeout: 30_000,
      message: `still listed after terminate() on every worker: ${JSON.stringify(created)}`,
    })
    .toEqual([]);
});

test('4x slower segmentation: the output keeps the frame rate by reusing masks, latency stays bounded', async ({
  page,
}) => {
  await openPage(page);
  const r: SlowdownResult = await page.evaluate(
    async ({ url }) => {
      const h = (await import(url)) as HarnessModule;
      return h.measureSlowdown(8, 4);
    },
    { url: HARNESS },
  );
  const { baseline, slowed } = r;
  const s = slowed.stats;
  console.log(
    `[slowdown 4x] camera ${baseline.cameraFps.toFixed(1)} / ${slowed.cameraFps.toFixed(1)} fps; ` +
      `out ${baseline.fpsOut.toFixed(1)} at normal speed, ${slowed.fpsOut.toFixed(1)} slowed; ` +
      `segmented/reused ${baseline.framesSegmented}/${baseline.framesReused} at normal speed, ` +
      `${slowed.framesSegmented}/${slowed.framesReused} slowed, segment every ${s.segmentEvery}, ` +
      `segment p50 ${s.segmentMs.p50} ms, latency p50 ${s.latencyMs.p50} / p95 ${s.latencyMs.p95} ms`,
  );
  // Judged against the same run at normal speed: on a busy machine neither reaches 30 fps, and a
  // slower segmenter must cost the output no more than a fifth of what this machine gives now,
  // by reusing masks over more frames, not by making frames wait for them. The floor only says
  // the baseline did not collapse (livekit runs 1–2 fps here): with a core kept busy the normal
  // speed phase gave 13.4, 18.6, 19.1 and 10.0 fps of a 30 fps camera (2026-12-02), 21–24 quiet.
  expect(baseline.fpsOut).toBeGreaterThan(0.2 * baseline.cameraFps);
  expect(slowed.fpsOut).toBeGreaterThanOrEqual(0.8 * baseline.fpsOut);
  const share = (p: typeof slowed) => p.framesSegmented / (p.framesSegmented + p.framesReused);
  expect(share(slowed)).toBeLessThan(share(baseline));
  expect(s.segmentEvery).toBeGreaterThan(1);
  // Bounded: one slow segmenting frame plus a frame of queue, not a growing backlog.
  expect(s.latencyMs.p95).toBeLessThan(s.segmentMs.p95 + 100);
  const framesOut = (baseline.fpsOut + slowed.fpsOut) * 8;
  expect(mainThreadFree(r.longTasks, framesOut), `long tasks ${r.longTasks}`).toBe(true);
});

test('adaptive quality steps down under a slow segmenter and back up after, at most one change per 5 s', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await openPage(page);
  const result: AdaptiveResult = await page.evaluate(
    async ({ url }) => {
      const h = (await import(url)) as HarnessModule;
      // 15 fps: stepping back up needs a machine with room at `balanced` once the slowdown is
      // lifted, and a 2-core machine with a core taken by other work has it at 15 fps, not at 30.
      // 20x slower at 15 fps gives fresh masks for about a sixth of the frames, as 12x did at 30.
      return h.runAdaptive(20, 60, 15);
    },
    { url: HARNESS },
  );
  console.log(
    '[adaptive]',
    JSON.stringify(result.changes),
    'slowed at',
    result.slowedAt,
    's, restored at',
    result.restoredAt,
    's, fps while slowed',
    result.fpsOutSlowed,
    // What a missing step up is judged on: room needs 0.95x the source and masks for half the frames.
    'at the end: fps out',
    result.stats.fpsOut,
    'segment every',
    result.stats.segmentEvery,
  );
  expect(result.changes.map(([, q, reason]) => `${q}/${reason}`)).toEqual([
    'fast/overloaded',
    'balanced/headroom',
  ]);
  const [down, up] = result.changes;
  expect(down?.[0] ?? 0).toBeGreaterThan(result.slowedAt);
  expect(up?.[0] ?? 0).toBeGreaterThan(result.restoredAt);
  expect((up?.[0] ?? 0) - (down?.[0] ?? 0)).toBeGreaterThanOrEqual(5);
  expect(result.stats.quality).toBe('balanced');
});
