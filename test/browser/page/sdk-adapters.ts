/**
 * The processor inside the SDKs people use, driven by the SDKs' own track classes (no server: a
 * local track is all the processor API touches). Output frames are paired with the camera frame
 * of the same timestamp and judged region by region, as in the pipeline tests.
 */
import { createLocalVideoTrack } from 'livekit-client';
import { VirtualBackgroundTrackProcessor } from '../../../src/livekit';
import type { Region } from './crops';
import { fractionClose, fractionNear, GREEN } from './pixels';
import { tapTrack } from './taps';
import { sleep } from './util';

export interface PairJudgement {
  judged: number;
  minGreen: number;
  minPerson: number;
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
  const outputTap = tapTrack(output, regions, (ts, crops) => {
    const inp = inputs.get(ts);
    if (!inp || judged >= frames) return;
    judged++;
    for (const r of regions) {
      const o = crops.get(r.name) as ImageData;
      if (r.label === 'background') minGreen = Math.min(minGreen, fractionNear(o, GREEN, 24));
      else minPerson = Math.min(minPerson, fractionClose(o, inp.get(r.name) as ImageData, 20));
    }
  });
  const deadline = performance.now() + timeoutMs;
  while (judged < frames && performance.now() < deadline) await sleep(50);
  await outputTap.stop();
  await cameraTap.stop();
  return { judged, minGreen, minPerson };
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
