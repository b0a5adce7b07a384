/**
 * What the pipeline is fed in the tests (the fake camera, a test picture) and, independently of the
 * pipeline, what a cover-fit of that picture should look like in each region.
 */

import type { Crops, Region } from './crops';

/** A smooth 4:3 test picture (gradients, no fine detail, so chroma subsampling does not blur it). */
export async function gradientImage(width = 640, height = 480): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
  const img = ctx.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      img.data[i] = Math.round((x / width) * 255);
      img.data[i + 1] = Math.round((y / height) * 255);
      img.data[i + 2] = Math.round(128 + 100 * Math.sin((x + y) / 90));
      img.data[i + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

/** The region crops a cover-fit of `blob` onto width x height should give (what "cover" means, independently). */
export async function coverFitCrops(
  blob: Blob,
  width: number,
  height: number,
  regions: Region[],
): Promise<Crops> {
  const bitmap = await createImageBitmap(blob);
  const s = Math.max(width / bitmap.width, height / bitmap.height);
  const dw = bitmap.width * s;
  const dh = bitmap.height * s;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', {
    willReadFrequently: true,
  }) as OffscreenCanvasRenderingContext2D;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (width - dw) / 2, (height - dh) / 2, dw, dh);
  bitmap.close();
  const crops: Crops = new Map();
  for (const r of regions)
    crops.set(r.name, ctx.getImageData(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0));
  return crops;
}

export async function camera(
  width = 1280,
  height = 720,
  frameRate = 30,
): Promise<MediaStreamTrack> {
  // A ceiling, not only an ideal: below the clip's 30 fps Chromium then drops frames to the rate.
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width, height, frameRate: { ideal: frameRate, max: frameRate } },
  });
  const track = stream.getVideoTracks()[0];
  if (!track) throw new Error('no camera track');
  return track;
}
