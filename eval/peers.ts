/**
 * The peers the eval compares with, each driven the way its own SDK drives it: livekit's
 * BackgroundProcessor on the camera track with the <video> that plays it, twilio's
 * VirtualBackgroundProcessor given each camera frame by processFrame() on the main thread. Both
 * replace the background with the same pure green as ours.
 */
import { BackgroundProcessor } from '@livekit/track-processors';
import { VirtualBackgroundProcessor } from '@twilio/video-processors';
import type { ProcessorOptions, Track } from 'livekit-client';
import { context2d, type Position, Schedule, sleep, videoFrame, WARMUP_FRAMES } from './clips';
import type { EvalRequest } from './page';
import type { Scorer } from './scorer';

/**
 * twilio's pipeline worker never finished loading its model on the eval's page (its CORS worker
 * shim under the page's cross-origin isolation); the same pipeline runs on the main thread.
 */
const USE_TWILIO_WORKER = false;

export function greenPng(width: number, height: number): Promise<Blob> {
  const ctx = context2d(width, height);
  ctx.fillStyle = '#00ff00';
  ctx.fillRect(0, 0, width, height);
  return (ctx.canvas as OffscreenCanvas).convertToBlob({ type: 'image/png' });
}

export async function startLivekit(
  request: EvalRequest,
  track: MediaStreamTrack,
  width: number,
  height: number,
): Promise<{ out: MediaStreamTrack; stop: () => Promise<void> }> {
  // livekit-client hands a processor the <video> that plays the camera.
  const element = document.createElement('video');
  element.muted = true;
  element.playsInline = true;
  element.srcObject = new MediaStream([track]);
  document.body.append(element);
  await element.play();
  const green = URL.createObjectURL(await greenPng(width, height));
  const processor = BackgroundProcessor(
    { mode: 'virtual-background', imagePath: green, assetPaths: request.livekitAssets },
    'virtual-background',
  );
  const init: ProcessorOptions<Track.Kind> = {
    kind: 'video' as Track.Kind.Video,
    track,
    element,
  };
  await processor.init(init);
  const out = processor.processedTrack;
  if (!out) throw new Error('livekit processor has no processedTrack after init()');
  return {
    out,
    async stop() {
      await processor.destroy();
      element.srcObject = null;
      element.remove();
      URL.revokeObjectURL(green);
    },
  };
}

/**
 * twilio-video calls a processor's processFrame() with each captured frame on the main thread and
 * drops frames while one is in progress: the same here, with the schedule as the camera.
 */
export async function runTwilio(
  request: EvalRequest,
  positions: Position[],
  scorer: Scorer,
  width: number,
  height: number,
): Promise<{ framesFed: number; durationS: number }> {
  const image = new Image();
  image.src = URL.createObjectURL(await greenPng(width, height));
  await image.decode();
  const processor = new VirtualBackgroundProcessor({
    assetsPath: request.twilioAssets,
    backgroundImage: image,
    useWebWorker: USE_TWILIO_WORKER,
  });
  console.log('[twilio] loading model');
  await processor.loadModel();
  console.log('[twilio] model loaded');
  const output = document.createElement('canvas');
  output.width = width;
  output.height = height;
  const first = positions[0] as Position;
  const warmUntil = performance.now() + 1500;
  let warm = -WARMUP_FRAMES * 100;
  while (performance.now() < warmUntil) {
    const vf = videoFrame(first.frame, width, height, Schedule.timestamp(warm++));
    await processor.processFrame(vf, output);
    vf.close();
    await sleep(0);
  }
  const schedule = new Schedule(request.fps, positions.length);
  schedule.begin();
  const t0 = performance.now();
  let last = -1;
  for (;;) {
    const due = schedule.due();
    if (due >= positions.length) break;
    if (due === last) {
      await sleep(2);
      continue;
    }
    last = due;
    const at = positions[due] as Position;
    const vf = videoFrame(at.frame, width, height, Schedule.timestamp(due));
    await processor.processFrame(vf, output);
    vf.close();
    scorer.score(output, due);
  }
  URL.revokeObjectURL(image.src);
  // The schedule is the camera: every position was due once, whether twilio took it or not.
  return { framesFed: positions.length, durationS: (performance.now() - t0) / 1000 };
}
