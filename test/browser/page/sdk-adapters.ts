/**
 * The processor inside the SDKs people use, driven by the SDKs' own track classes (no server: a
 * local track is all the processor API touches). Output frames are paired with the camera frame
 * of the same timestamp and judged region by region, as in the pipeline tests.
 */
import { createLocalVideoTrack } from 'livekit-client';
import { LocalVideoTrack as TwilioLocalVideoTrack } from 'twilio-video';
import { createVirtualBackground } from '../../../src/index';
import { VirtualBackgroundTrackProcessor } from '../../../src/livekit';
import type { Region } from './crops';
import { fractionClose, fractionNear, GREEN } from './pixels';
import { tapTrack } from './taps';
import { sleep } from './util';

export interface PairJudgement {
  judged: number;
  minGreen: number;
  minPerson: number;
  /** Per region, its worst frame's share (green for background regions, kept for person ones). */
  worst: Record<string, number>;
}

/** Judges `frames` output frames of `output` against `camera` (same timestamps). */
export async function judgePair(
  camera: MediaStreamTrack,
  output: MediaStreamTrack,
  regions: Region[],
  frames = 20,
  timeoutMs = 20_000,
): Promise<PairJudgement> {
  const inputs = new Map<number, Map<string, ImageData>>();
  const cameraTap = tapTrack(camera.clone(), regions, (ts, crops) => {
    inputs.set(ts, crops);
    if (inputs.size > 90) inputs.delete(inputs.keys().next().value as number);
  });
  let judged = 0;
  let minGreen = 1;
  let minPerson = 1;
  const worst: Record<string, number> = {};
  const outputTap = tapTrack(output, regions, (ts, crops) => {
    const inp = inputs.get(ts);
    if (!inp || judged >= frames) return;
    judged++;
    for (const r of regions) {
      const o = crops.get(r.name) as ImageData;
      const share =
        r.label === 'background'
          ? fractionNear(o, GREEN, 24)
          : fractionClose(o, inp.get(r.name) as ImageData, 20);
      if (r.label === 'background') minGreen = Math.min(minGreen, share);
      else minPerson = Math.min(minPerson, share);
      worst[r.name] = Math.min(worst[r.name] ?? 1, share);
    }
  });
  const deadline = performance.now() + timeoutMs;
  while (judged < frames && performance.now() < deadline) await sleep(50);
  await outputTap.stop();
  await cameraTap.stop();
  return { judged, minGreen, minPerson, worst };
}

export interface LiveKitAdapterRun {
  afterInit: PairJudgement;
  initMs: number;
  /** LiveKit shows the processed track in attached elements. */
  elementShowsProcessed: boolean;
  afterRestart: PairJudgement;
  restartMs: number;
  /** The processed track before the restart ended once the new one served. */
  oldProcessedEnded: boolean;
  cameraChanged: boolean;
  afterUpdate: { minRed: number; judged: number; name: string };
  /** After stopProcessor(): what LiveKit sends/shows again, and what is left running. */
  stopped: {
    processorGone: boolean;
    processedEnded: boolean;
    elementShowsCamera: boolean;
  };
}

/**
 * livekit-client's LocalVideoTrack with our processor: setProcessor (init), restartTrack (restart
 * on a new camera track), an update through the adapter, stopProcessor (destroy).
 */
export async function runLiveKitAdapter(regions: Region[]): Promise<LiveKitAdapterRun> {
  const track = await createLocalVideoTrack({
    resolution: { width: 1280, height: 720, frameRate: 30 },
  });
  const element = track.attach() as HTMLVideoElement;
  element.muted = true;
  document.body.append(element);
  const processor = new VirtualBackgroundTrackProcessor({
    quality: 'fast',
    adaptive: false,
    background: { kind: 'color', color: '#00ff00' },
  });
  // The camera track LiveKit hands the processor (its `mediaStreamTrack` getter answers with the
  // processed track once a processor is set).
  let cameraTrack: MediaStreamTrack | null = null;
  for (const method of ['init', 'restart'] as const) {
    const original = processor[method].bind(processor);
    processor[method] = (opts) => {
      cameraTrack = opts.track;
      return original(opts);
    };
  }
  const cameraNow = () => cameraTrack as unknown as MediaStreamTrack;
  try {
    let t0 = performance.now();
    await track.setProcessor(processor);
    const initMs = performance.now() - t0;
    const first = processor.processedTrack as MediaStreamTrack;
    await sleep(1500); // the first mask
    const afterInit = await judgePair(cameraNow(), first, regions);
    const shown = element.srcObject as MediaStream | null;
    const elementShowsProcessed = shown?.getVideoTracks()[0] === first;

    const cameraBefore = cameraNow();
    t0 = performance.now();
    await track.restartTrack();
    const restartMs = performance.now() - t0;
    const second = processor.processedTrack as MediaStreamTrack;
    await sleep(1500);
    const afterRestart = await judgePair(cameraNow(), second, regions);

    // A live change through the adapter: a red background.
    await processor.update({ background: { kind: 'color', color: '#ff0000' } });
    await sleep(500);
    let redJudged = 0;
    let minRed = 1;
    const tap = tapTrack(
      second,
      regions.filter((r) => r.label === 'background'),
      (_ts, crops) => {
        redJudged++;
        for (const c of crops.values()) minRed = Math.min(minRed, fractionNear(c, [255, 0, 0], 24));
      },
    );
    const deadline = performance.now() + 10_000;
    while (redJudged < 10 && performance.now() < deadline) await sleep(50);
    await tap.stop();

    await track.stopProcessor();
    await sleep(200);
    const after = element.srcObject as MediaStream | null;
    return {
      afterInit,
      initMs,
      elementShowsProcessed,
      afterRestart,
      restartMs,
      oldProcessedEnded: first.readyState === 'ended',
      cameraChanged: cameraNow() !== cameraBefore,
      afterUpdate: { minRed, judged: redJudged, name: processor.name },
      stopped: {
        processorGone: track.getProcessor() === undefined && processor.processor === null,
        processedEnded: second.readyState === 'ended',
        elementShowsCamera: after?.getVideoTracks()[0] === cameraNow(),
      },
    };
  } finally {
    track.stop();
    element.remove();
  }
}

export interface TwilioRecipeRun {
  /** Twilio's LocalVideoTrack wraps our processed track itself (what publishTrack sends). */
  wrapsProcessed: boolean;
  trackName: string;
  /** Dimensions Twilio reads from the track once it started. */
  dimensions: { width: number | null; height: number | null };
  on: PairJudgement;
  /** Background off (update to 'none'): ms from update() resolving to the first frame showing the room. */
  offAfterMs: number | null;
  /** Background regions matching the camera while off (passthrough: the camera's own frames). */
  offMinRoom: number;
  onAgainAfterMs: number | null;
  onAgain: PairJudgement;
  /** After vb.stop(): Twilio's track sees its MediaStreamTrack end. */
  endedWithProcessor: boolean;
}

/**
 * Twilio Video's recipe: its LocalVideoTrack takes any MediaStreamTrack, so the processed track
 * is wrapped as it is (and `connect(token, { tracks: [track] })` or `publishTrack` sends it); the
 * background switches off and on with update() on the same track, so Twilio's publication never
 * changes. Everything here but the publish itself (a Twilio room needs their server).
 */
export async function runTwilioRecipe(regions: Region[]): Promise<TwilioRecipeRun> {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 1280, height: 720, frameRate: 30 },
  });
  const cam = stream.getVideoTracks()[0] as MediaStreamTrack;
  const vb = await createVirtualBackground({
    quality: 'fast',
    adaptive: false,
    background: { kind: 'color', color: '#00ff00' },
  });
  const processed = await vb.start(cam);
  const twilioTrack = new TwilioLocalVideoTrack(processed, { name: 'camera-with-background' });
  const element = twilioTrack.attach();
  element.muted = true;
  document.body.append(element);
  try {
    await sleep(1500);
    const on = await judgePair(cam, twilioTrack.mediaStreamTrack, regions);
    const background = regions.filter((r) => r.label === 'background');

    // When a change shows: the first frame after update() resolved whose background regions
    // match `test`.
    const firstFrameWhere = async (
      change: () => Promise<void>,
      test: (crops: Map<string, ImageData>, ts: number) => boolean,
    ): Promise<number | null> => {
      let resolvedAt = 0;
      let seenAt: number | null = null;
      const tap = tapTrack(twilioTrack.mediaStreamTrack, background, (ts, crops) => {
        if (resolvedAt && seenAt === null && test(crops, ts)) seenAt = performance.now();
      });
      await change();
      resolvedAt = performance.now();
      const deadline = resolvedAt + 3000;
      while (seenAt === null && performance.now() < deadline) await sleep(20);
      await tap.stop();
      return seenAt === null ? null : (seenAt as number) - resolvedAt;
    };
    const notGreen = (crops: Map<string, ImageData>) =>
      [...crops.values()].every((c) => fractionNear(c, GREEN, 24) < 0.05);
    const offAfterMs = await firstFrameWhere(
      () => vb.update({ background: { kind: 'none' } }),
      notGreen,
    );
    // Off is the camera's own frames: background regions equal the camera frame of that time.
    const off = await judgePairRoom(cam, twilioTrack.mediaStreamTrack, background);
    const onAgainAfterMs = await firstFrameWhere(
      () => vb.update({ background: { kind: 'color', color: '#00ff00' } }),
      (crops) => [...crops.values()].every((c) => fractionNear(c, GREEN, 24) > 0.9),
    );
    await sleep(300);
    const onAgain = await judgePair(cam, twilioTrack.mediaStreamTrack, regions);
    const { width, height } = twilioTrack.dimensions;
    const wrapsProcessed = twilioTrack.mediaStreamTrack === processed;
    await vb.stop();
    await sleep(100);
    return {
      wrapsProcessed,
      trackName: twilioTrack.name,
      dimensions: { width, height },
      on,
      offAfterMs,
      offMinRoom: off,
      onAgainAfterMs,
      onAgain,
      endedWithProcessor: twilioTrack.mediaStreamTrack.readyState === 'ended',
    };
  } finally {
    twilioTrack.stop();
    element.remove();
    await vb.stop();
    cam.stop();
  }
}

/** Least share, over 10 paired frames, of `regions` pixels equal (within 2) to the camera's. */
async function judgePairRoom(
  camera: MediaStreamTrack,
  output: MediaStreamTrack,
  regions: Region[],
): Promise<number> {
  const inputs = new Map<number, Map<string, ImageData>>();
  const cameraTap = tapTrack(camera.clone(), regions, (ts, crops) => inputs.set(ts, crops));
  let judged = 0;
  let least = 1;
  const outputTap = tapTrack(output, regions, (ts, crops) => {
    const inp = inputs.get(ts);
    if (!inp || judged >= 10) return;
    judged++;
    for (const r of regions) {
      least = Math.min(
        least,
        fractionClose(crops.get(r.name) as ImageData, inp.get(r.name) as ImageData, 2),
      );
    }
  });
  const deadline = performance.now() + 10_000;
  while (judged < 10 && performance.now() < deadline) await sleep(50);
  await outputTap.stop();
  await cameraTap.stop();
  return judged >= 10 ? least : 0;
}
