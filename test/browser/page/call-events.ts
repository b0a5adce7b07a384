/**
 * What a long call does to the pipeline, staged in the page: the camera changes size and
 * orientation, stalls and comes back, is swapped for another and ends (cameraChanges); the
 * pipeline's parts fail (faultRecovery); the API is called at awkward moments (lifecycleEdges).
 * Each returns a summary for test/browser/faults.spec.ts to assert on.
 */

import { createVirtualBackground, type VirtualBackgroundProcessor } from '../../../src/index';
import type { Region } from './crops';
import {
  controlledSource,
  type Geometry,
  judgeOutput,
  LANDSCAPE,
  largestGap,
  type OutputVerdict,
  PORTRAIT,
} from './faults';
import { camera } from './inputs';
import { sleep } from './util';

const GREEN_BG = { kind: 'color', color: '#00ff00' } as const;

export interface PhaseSummary {
  name: string;
  expected: string;
  frames: number;
  /** Frames whose display size was not the size the source sent that frame at. */
  wrongSize: number;
  sizes: string[];
  /** Lowest share of green over the background regions, over the phase's frames. */
  minBackgroundGreen: number;
  /** Share of frames with the person kept (≥ 0.8 of the person regions not green). */
  personKeptShare: number;
  /** Frames with mean luma under 16 (black). */
  black: number;
  /** Largest gap between output frames in the phase (ms). */
  largestGapMs: number;
}

function summarize(
  name: string,
  verdicts: OutputVerdict[],
  from: number,
  to: number,
  expectedAt: (v: OutputVerdict) => string | null,
): PhaseSummary {
  const inPhase = verdicts.filter((v) => v.at >= from && v.at <= to);
  const sizes = [...new Set(inPhase.map((v) => `${v.width}x${v.height}`))];
  let wrongSize = 0;
  let expected = '';
  for (const v of inPhase) {
    const e = expectedAt(v);
    if (e === null) continue;
    expected = e;
    if (`${v.width}x${v.height}` !== e) wrongSize++;
  }
  const greens = inPhase.map((v) => v.backgroundGreen).filter((g) => !Number.isNaN(g));
  const kept = inPhase.filter((v) => v.personKept >= 0.8).length;
  return {
    name,
    expected,
    frames: inPhase.length,
    wrongSize,
    sizes,
    minBackgroundGreen: greens.length ? Math.min(...greens) : Number.NaN,
    personKeptShare: inPhase.length ? kept / inPhase.length : 0,
    black: inPhase.filter((v) => v.meanLuma < 16).length,
    largestGapMs: largestGap(verdicts, from, to),
  };
}

export interface CameraChangesResult {
  phases: PhaseSummary[];
  outputLiveAfterSwap: boolean;
  /** Gap in the output from setInput() to the first frame of the new camera (ms). */
  swapGapMs: number;
  /** Gap in the output across the 2 s stall (ms), and from the camera's return to the next frame out. */
  stallResumeMs: number;
  /** Output frames during the stall (the last one repeated) and the largest gap between them. */
  stallFrames: number;
  stallLargestGapMs: number;
  /** Level changes from the stall on (the stall must not read as overload). */
  stepsAfterStall: number;
  /** The output's size at the end, after applyConstraints({ width: 960, height: 540 }). */
  constrainedSize: string;
  /** Frames of the old camera after the new one's first. */
  oldAfterNew: number;
  qualityChanges: unknown[];
  ended: unknown[];
  outputEndedAfterInputEnded: boolean;
  framesOpenAfter: number;
  sent: Record<string, number>;
}

/**
 * One call at `balanced` on green: the camera at 1280x720, 640x360, 1920x1080, portrait 720x1280
 * and back; a 2 s stall; another camera (640x360) through setInput(); that camera ends.
 */
export async function cameraChanges(regions: Region[]): Promise<CameraChangesResult> {
  const cam = await camera();
  const source = controlledSource(cam);
  const vb = (await createVirtualBackground({
    quality: 'balanced',
    background: GREEN_BG,
  })) as VirtualBackgroundProcessor;
  const qualityChanges: unknown[] = [];
  const ended: unknown[] = [];
  vb.addEventListener('qualitychange', (e) =>
    qualityChanges.push({ at: performance.now(), ...(e as CustomEvent).detail }),
  );
  vb.addEventListener('ended', (e) => ended.push((e as CustomEvent).detail));
  const out = await vb.start(source.track);
  let swappedAt = Number.POSITIVE_INFINITY;
  const judge = judgeOutput(out, regions, (ts, w, h) => source.geometryShown(ts, w, h));
  // The size is judged on the camera's own frames: a repeat of the last picture shows the size
  // that picture had, whatever came in since.
  const expectedAt = (v: OutputVerdict) => {
    if (v.at >= swappedAt || !source.wasSent(v.timestamp)) return null;
    const g = source.geometryAt(v.timestamp);
    return `${g.width}x${g.height}`;
  };
  const phases: PhaseSummary[] = [];
  // The first mask and the start-up's frames are not what this judges.
  await sleep(2000);
  const steps: Array<[string, Geometry]> = [
    ['1280x720', LANDSCAPE(1280, 720)],
    ['640x360', LANDSCAPE(640, 360)],
    ['1920x1080', LANDSCAPE(1920, 1080)],
    ['portrait 720x1280', PORTRAIT(720, 1280)],
    ['back to 1280x720', LANDSCAPE(1280, 720)],
  ];
  for (const [name, g] of steps) {
    source.set(g);
    const from = performance.now();
    await sleep(2000);
    phases.push(summarize(name, judge.verdicts, from, performance.now(), expectedAt));
  }
  // A stalled camera (muted, or a driver hiccup): no frames for 2 s, then back.
  source.pause();
  const stalledAt = performance.now();
  await sleep(2000);
  source.resume();
  const resumedAt = performance.now();
  await sleep(2000);
  phases.push(
    summarize('after a 2 s stall', judge.verdicts, resumedAt, performance.now(), expectedAt),
  );
  // The first frame of the camera's after it came back (the output worker repeated the last frame
  // during the stall: those carry timestamps of their own).
  const firstAfterStall = judge.verdicts.find(
    (v) => v.at > resumedAt && source.wasSent(v.timestamp),
  );
  const stallPhase = summarize(
    'during the stall',
    judge.verdicts,
    stalledAt,
    resumedAt,
    expectedAt,
  );
  const stallResumeMs = firstAfterStall ? firstAfterStall.at - resumedAt : Number.POSITIVE_INFINITY;
  const stepsAfterStall = qualityChanges.filter(
    (c) => (c as { at: number }).at >= stalledAt,
  ).length;
  // Another camera, as an app's camera picker does it: the new track first, then the old one stops.
  const cam2 = await camera(640, 360);
  swappedAt = performance.now();
  await vb.setInput(cam2);
  source.stop();
  cam.stop();
  await sleep(2500);
  const swapPhase = summarize(
    'another camera (640x360)',
    judge.verdicts,
    swappedAt,
    performance.now(),
    () => null,
  );
  phases.push(swapPhase);
  const firstNew = judge.verdicts.find((v) => v.at > swappedAt && v.width === 640);
  const lastOld = [...judge.verdicts]
    .reverse()
    .find((v) => v.at < (firstNew?.at ?? 0) && v.width !== 640);
  const swapGapMs = firstNew && lastOld ? firstNew.at - lastOld.at : Number.POSITIVE_INFINITY;
  const outputLiveAfterSwap = out.readyState === 'live';
  const afterFirstNew = judge.verdicts.filter((v) => v.at >= (firstNew?.at ?? Infinity));
  const oldAfterNew = afterFirstNew.filter((v) => v.width !== 640).length;
  // The camera's own size change (applyConstraints): Chrome hands the same 1280x720 pixels over
  // with a smaller display size; the output must be shown at that size from then on.
  const constrainedAt = performance.now();
  await cam2.applyConstraints({ width: 960, height: 540 });
  await sleep(2000);
  const constrained = summarize(
    'the camera constrained to 960x540',
    judge.verdicts,
    constrainedAt,
    performance.now(),
    () => null,
  );
  phases.push(constrained);
  const lastSize = judge.verdicts.at(-1);
  const constrainedSize = lastSize ? `${lastSize.width}x${lastSize.height}` : 'none';
  // The camera ends: the output ends with it, and says so.
  cam2.stop();
  const deadline = performance.now() + 5000;
  while (out.readyState !== 'ended' && performance.now() < deadline) await sleep(100);
  const outputEndedAfterInputEnded = out.readyState === 'ended';
  await judge.stop();
  await vb.stop();
  return {
    phases,
    outputLiveAfterSwap,
    swapGapMs,
    stallResumeMs,
    stepsAfterStall,
    constrainedSize,
    stallFrames: stallPhase.frames,
    stallLargestGapMs: stallPhase.largestGapMs,
    oldAfterNew,
    qualityChanges,
    ended,
    outputEndedAfterInputEnded,
    framesOpenAfter: vb.stats().framesOpen,
    sent: source.sent,
  };
}

export interface FaultStep {
  name: string;
  events: string[];
  /** ms from the fault to the outcome it waited for (null: it did not come in time). */
  outcomeAfterMs: number | null;
  phase: PhaseSummary;
  quality: string;
}

export interface FaultRunResult {
  steps: FaultStep[];
  errors: Array<{ code: string; message: string }>;
  ended: unknown[];
  outputState: string;
  totalFrames: number;
  minBackgroundGreenOverall: number;
  framesOpenAfter: number;
}

/** A call on the fake camera and green with every event recorded, and a runner of faults in it. */
async function faultyCall(regions: Region[], quality: 'fast' | 'accurate') {
  const cam = await camera();
  const vb = (await createVirtualBackground({
    quality,
    background: GREEN_BG,
    // Adaptive steps would blur what each fault does to the level.
    adaptive: false,
  })) as VirtualBackgroundProcessor;
  const events: Array<{ at: number; name: string }> = [];
  const errors: Array<{ code: string; message: string }> = [];
  const ended: unknown[] = [];
  for (const name of ['recovered', 'qualitychange', 'ended']) {
    vb.addEventListener(name, (e) => {
      const detail = (e as CustomEvent).detail;
      events.push({ at: performance.now(), name: `${name} ${JSON.stringify(detail)}` });
      if (name === 'ended') ended.push(detail);
    });
  }
  vb.addEventListener('error', (e) => {
    const error = (e as ErrorEvent).error as { code: string; message: string };
    errors.push({ code: error.code, message: error.message });
    events.push({ at: performance.now(), name: `error ${error.code}` });
  });
  const out = await vb.start(cam);
  const judge = judgeOutput(out, regions, () => LANDSCAPE(1280, 720));
  await sleep(2000);
  const steps: FaultStep[] = [];
  /**
   * Makes `fault` and waits up to `timeoutMs` for `outcome` (an event matching it, or a predicate
   * on the processor), then judges the output from the fault to 1.2 s after the outcome.
   */
  const fault = async (
    name: string,
    kind: Parameters<VirtualBackgroundProcessor['simulateFault']>[0],
    outcome: RegExp | (() => boolean),
    timeoutMs: number,
  ) => {
    const from = performance.now();
    const seen = events.length;
    vb.simulateFault(kind);
    let hit: number | null = null;
    while (performance.now() - from < timeoutMs) {
      const met =
        typeof outcome === 'function'
          ? outcome()
          : events.slice(seen).some((x) => outcome.test(x.name));
      if (met) {
        hit = performance.now() - from;
        break;
      }
      await sleep(100);
    }
    await sleep(1200);
    steps.push({
      name,
      events: events.slice(seen).map((e) => e.name),
      outcomeAfterMs: hit,
      phase: summarize(
        name,
        judge.verdicts,
        from,
        performance.now(),
        (v) => `${v.width}x${v.height}`,
      ),
      quality: vb.stats().quality,
    });
  };
  const finish = async (): Promise<FaultRunResult> => {
    await judge.stop();
    await vb.stop();
    cam.stop();
    return {
      steps,
      errors,
      ended,
      outputState: out.readyState,
      totalFrames: judge.verdicts.length,
      minBackgroundGreenOverall: Math.min(...judge.verdicts.map((v) => v.backgroundGreen)),
      framesOpenAfter: vb.stats().framesOpen,
    };
  };
  return { vb, out, fault, finish };
}

/**
 * At `accurate` (two models in onnxruntime-web) on green: the serving engine's worker crashes (a
 * new engine of the same level takes over), then the new engine fails every request (the second
 * engine failure in a minute: the level steps down to `balanced`, on another engine).
 */
export async function segmenterFaults(regions: Region[]): Promise<FaultRunResult> {
  const call = await faultyCall(regions, 'accurate');
  // Masks again once a new engine serves (its stats come with the next stats message).
  const segmented = call.vb.stats().framesSegmented;
  const since = performance.now();
  const masksFlow = () =>
    call.vb.stats().framesSegmented > segmented + 10 && performance.now() - since > 1000;
  // Found out after 5 times the slowest answer so far (at least 4 s), then a new engine loads.
  await call.fault('segmenter worker crash', 'segmenter-crash', masksFlow, 45_000);
  await call.fault('segmenter throws', 'segmenter-throws', /^qualitychange/, 30_000);
  return call.finish();
}

/**
 * At `fast` on green, the pipeline worker fails again and again: killed (found by its silence),
 * then its GL context lost three times (each a fatal error in the worker, restarted at once). The
 * fourth restart within a minute is one too many.
 */
export async function pipelineFaults(regions: Region[]): Promise<FaultRunResult> {
  const call = await faultyCall(regions, 'fast');
  await call.fault('pipeline worker killed', 'pipeline-crash', /^recovered/, 20_000);
  await call.fault('GL context lost', 'context-lost', /^recovered/, 20_000);
  await call.fault('GL context lost again', 'context-lost', /^recovered/, 20_000);
  await call.fault(
    'a fourth failure',
    'context-lost',
    () => call.out.readyState === 'ended',
    20_000,
  );
  return call.finish();
}

export interface LifecycleResult {
  startTwice: string;
  stopDuringStart: { startError: string; stopMs: number; state: string };
  updatesDuringSwitch: {
    outcomes: string[];
    quality: string;
    minBackgroundGreen: number;
    frames: number;
  };
  badTracks: Record<string, string>;
  setInputWhenIdle: string;
}

const codeOf = (e: unknown) =>
  e && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : String(e);

/**
 * The API at awkward moments: start() twice, stop() while start() is still loading, updates that
 * overlap a level switch, and tracks that are not a camera.
 */
export async function lifecycleEdges(regions: Region[]): Promise<LifecycleResult> {
  const cam = await camera();
  const badTracks: Record<string, string> = {};
  const probe = await createVirtualBackground({ quality: 'fast' });
  const audio = new AudioContext().createMediaStreamDestination().stream.getAudioTracks()[0];
  await probe.start(audio as MediaStreamTrack).catch((e) => {
    badTracks.audio = codeOf(e);
  });
  const empty = document.createElement('canvas');
  empty.width = 0;
  empty.height = 0;
  const emptyTrack = empty.captureStream().getVideoTracks()[0] as MediaStreamTrack;
  await probe.start(emptyTrack).catch((e) => {
    badTracks.emptyCanvas = codeOf(e);
  });
  const ended = await camera(640, 360);
  ended.stop();
  await probe.start(ended).catch((e) => {
    badTracks.endedTrack = codeOf(e);
  });
  let setInputWhenIdle = 'resolved';
  await (probe as VirtualBackgroundProcessor).setInput(cam).catch((e) => {
    setInputWhenIdle = codeOf(e);
  });

  // stop() while the model loads: start() rejects at once, nothing is left running.
  const early = await createVirtualBackground({ quality: 'accurate' });
  const starting = early.start(cam).then(
    () => 'resolved',
    (e) => codeOf(e),
  );
  await sleep(300);
  const t0 = performance.now();
  await early.stop();
  const stopMs = performance.now() - t0;
  const stopDuringStart = {
    startError: await starting,
    stopMs,
    state: (early as VirtualBackgroundProcessor).currentState,
  };

  // start() twice, then three updates in a row over a level switch that is still loading.
  const vb = (await createVirtualBackground({
    quality: 'fast',
    background: { kind: 'blur' },
    adaptive: false,
  })) as VirtualBackgroundProcessor;
  const out = await vb.start(cam);
  let startTwice = 'resolved';
  await vb.start(cam).catch((e) => {
    startTwice = codeOf(e);
  });
  const outcomes = await Promise.all(
    [
      vb.update({ quality: 'accurate' }),
      vb.update({ background: GREEN_BG }),
      vb.update({ quality: 'fast' }),
    ].map((p) =>
      p.then(
        () => 'resolved',
        (e) => codeOf(e),
      ),
    ),
  );
  const judge = judgeOutput(out, regions, () => LANDSCAPE(1280, 720));
  // Thirty frames after the updates, however long a loaded machine takes to draw them.
  const deadline = performance.now() + 15_000;
  while (judge.verdicts.length < 30 && performance.now() < deadline) await sleep(100);
  await judge.stop();
  const greens = judge.verdicts.map((v) => v.backgroundGreen);
  const updatesDuringSwitch = {
    outcomes,
    quality: vb.stats().quality,
    minBackgroundGreen: Math.min(...greens),
    frames: judge.verdicts.length,
  };
  await vb.stop();
  cam.stop();
  return { startTwice, stopDuringStart, updatesDuringSwitch, badTracks, setInputWhenIdle };
}

export interface HiddenPageResult {
  visibleFps: number;
  hiddenFps: number;
  minBackgroundGreenHidden: number;
  /** Timer callbacks the page's own 10 ms interval got in the hidden span (the throttling held). */
  hiddenTimerTicks: number;
  animationFramesHidden: number;
}

/**
 * What a hidden tab does to a page, done to this one: timers throttled to once a second, no
 * animation frames, `document.visibilityState` 'hidden' and its event. (Headless Chromium here
 * keeps every page visible and unthrottled whatever is tried: another page brought to the front,
 * a new tab through the DevTools protocol, a minimized window, even a headed browser under Xvfb
 * with Playwright's anti-throttling switches removed: docs/testing.md.) The output's frame rate
 * hidden against visible, in the same run.
 */
export async function hiddenPage(regions: Region[]): Promise<HiddenPageResult> {
  const realSetTimeout = window.setTimeout.bind(window);
  const realSetInterval = window.setInterval.bind(window);
  const realRaf = window.requestAnimationFrame.bind(window);
  const wait = (ms: number) => new Promise((r) => realSetTimeout(r, ms));
  const cam = await camera();
  const vb = await createVirtualBackground({ quality: 'balanced', background: GREEN_BG });
  const out = await vb.start(cam);
  const judge = judgeOutput(out, regions, () => LANDSCAPE(1280, 720));
  await wait(2000);
  const rate = async (ms: number) => {
    const from = judge.verdicts.length;
    const t0 = performance.now();
    await wait(ms);
    return ((judge.verdicts.length - from) * 1000) / (performance.now() - t0);
  };
  const visibleFps = await rate(4000);
  // Hide: what Chrome does to a background tab's main thread.
  type TimerFn = (handler: TimerHandler, timeout?: number, ...args: unknown[]) => number;
  const throttle =
    (real: TimerFn): TimerFn =>
    (handler, timeout, ...args) =>
      real(handler, Math.max(1000, timeout ?? 0), ...args);
  window.setTimeout = throttle(realSetTimeout as TimerFn) as typeof window.setTimeout;
  window.setInterval = throttle(realSetInterval as TimerFn) as typeof window.setInterval;
  let animationFramesHidden = 0;
  window.requestAnimationFrame = () => {
    animationFramesHidden++;
    return 0;
  };
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  document.dispatchEvent(new Event('visibilitychange'));
  let hiddenTimerTicks = 0;
  const ticker = window.setInterval(() => hiddenTimerTicks++, 10);
  const hiddenFrom = performance.now();
  const hiddenFps = await rate(4000);
  const hiddenTo = performance.now();
  clearInterval(ticker);
  window.setTimeout = realSetTimeout as typeof window.setTimeout;
  window.setInterval = realSetInterval as typeof window.setInterval;
  window.requestAnimationFrame = realRaf;
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => false });
  document.dispatchEvent(new Event('visibilitychange'));
  await judge.stop();
  await vb.stop();
  cam.stop();
  const hidden = judge.verdicts.filter((v) => v.at >= hiddenFrom && v.at <= hiddenTo);
  return {
    visibleFps,
    hiddenFps,
    minBackgroundGreenHidden: Math.min(...hidden.map((v) => v.backgroundGreen)),
    hiddenTimerTicks,
    animationFramesHidden,
  };
}
