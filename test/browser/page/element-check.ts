/**
 * The element transport's pixel check, written to run in any browser (Firefox has neither
 * MediaStreamTrackProcessor nor Chrome's fake camera file): the camera is a canvas showing the
 * person fixture's first frame (test/fixtures/astronaut.png through the clip's first window),
 * redrawn 30 times a second and captured with captureStream(); the output is read the way a page
 * shows it, a <video> drawn into a canvas, and judged on the fixture's regions. Run in Firefox by
 * test/firefox/run.ts, and in Chromium (transport forced to 'element') by the browser suite.
 */

import {
  createVirtualBackground,
  type ProcessorStats,
  type VirtualBackgroundOptions,
} from '../../../src/index';
import type { Region } from './crops';
import { fractionNear, GREEN } from './pixels';

export interface ElementCheckResult {
  userAgent: string;
  supported: boolean;
  /** Per judged output picture: green share over the background regions, kept share over the person's. */
  samples: Array<{ background: number; person: number }>;
  stats: ProcessorStats | null;
  outputSize: [number, number];
  error: string | null;
  /** Frames the output <video> presented over the judged span, per second. */
  outputFps: number;
}

const WIDTH = 1280;
const HEIGHT = 720;
const JUDGE_WIDTH = 320;

export async function elementTransportCheck(
  regions: Region[],
  window: { x0: number; y0: number; x1: number; y1: number },
  options: Partial<VirtualBackgroundOptions> = {},
  seconds = 6,
): Promise<ElementCheckResult> {
  const result: ElementCheckResult = {
    userAgent: navigator.userAgent,
    supported: false,
    samples: [],
    stats: null,
    outputSize: [0, 0],
    error: null,
    outputFps: 0,
  };
  const img = new Image();
  img.src = '/test/fixtures/astronaut.png';
  await img.decode();
  const camera = document.createElement('canvas');
  camera.width = WIDTH;
  camera.height = HEIGHT;
  const cctx = camera.getContext('2d') as CanvasRenderingContext2D;
  let tick = 0;
  const draw = () => {
    cctx.drawImage(
      img,
      window.x0,
      window.y0,
      window.x1 - window.x0,
      window.y1 - window.y0,
      0,
      0,
      WIDTH,
      HEIGHT,
    );
    // A pixel that changes, so every redraw is a new frame to the capture.
    cctx.fillStyle = tick++ % 2 ? '#000' : '#010101';
    cctx.fillRect(0, 0, 1, 1);
  };
  draw();
  const timer = setInterval(draw, 33);
  const track = camera.captureStream(30).getVideoTracks()[0] as MediaStreamTrack;
  const { isSupported } = await import('../../../src/index');
  result.supported = isSupported();
  const vb = await createVirtualBackground({
    quality: 'fast',
    background: { kind: 'color', color: '#00ff00' },
    ...options,
  });
  try {
    const out = await vb.start(track);
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = new MediaStream([out]);
    document.body.append(video);
    await video.play();
    const judge = document.createElement('canvas');
    const jctx = judge.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
    // The start-up frames (no mask yet: background only) are not what this judges.
    await new Promise((r) => setTimeout(r, 2000));
    const presented0 = video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 150));
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) continue;
      result.outputSize = [w, h];
      const jh = Math.round((JUDGE_WIDTH * h) / w);
      judge.width = JUDGE_WIDTH;
      judge.height = jh;
      jctx.drawImage(video, 0, 0, JUDGE_WIDTH, jh);
      let green = 0;
      let bg = 0;
      let kept = 0;
      let person = 0;
      for (const r of regions) {
        const x0 = Math.ceil((r.x0 * JUDGE_WIDTH) / WIDTH);
        const x1 = Math.floor((r.x1 * JUDGE_WIDTH) / WIDTH);
        const y0 = Math.ceil((r.y0 * jh) / HEIGHT);
        const y1 = Math.floor((r.y1 * jh) / HEIGHT);
        if (x1 <= x0 || y1 <= y0) continue;
        const data = jctx.getImageData(x0, y0, x1 - x0, y1 - y0);
        const n = data.width * data.height;
        const g = fractionNear(data, GREEN, 40);
        if (r.label === 'background') {
          green += g * n;
          bg += n;
        } else {
          kept += (1 - g) * n;
          person += n;
        }
      }
      result.samples.push({ background: bg ? green / bg : 0, person: person ? kept / person : 0 });
    }
    const presented = (video.getVideoPlaybackQuality?.().totalVideoFrames ?? 0) - presented0;
    result.outputFps = (presented * 1000) / (performance.now() - t0);
    result.stats = vb.stats();
    video.srcObject = null;
    video.remove();
  } catch (error) {
    result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    await vb.stop();
    clearInterval(timer);
    track.stop();
  }
  return result;
}
