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

/** CRC-32 (PNG chunks). */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/**
 * A black PNG of any size, made small: 1 bit per pixel and deflated (a 20000x20000 one is about
 * 50 KB), for the picture-too-large checks. Its pixels, decoded, would take width x height x 4 bytes.
 */
export async function hugePng(width: number, height: number): Promise<Blob> {
  const row = 1 + Math.ceil(width / 8);
  const raw = new Uint8Array(row * height); // filter byte 0 and black pixels: all zeros
  const deflated = new Uint8Array(
    await new Response(
      new Blob([raw]).stream().pipeThrough(new CompressionStream('deflate')),
    ).arrayBuffer(),
  );
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array(4 + data.length);
    body.set([...type].map((c) => c.charCodeAt(0)));
    body.set(data, 4);
    const out = new Uint8Array(8 + data.length + 4);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(body, 4);
    view.setUint32(8 + data.length, crc32(body));
    return out;
  };
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, greyscale, deflate, no filter method, no interlace
  const signature = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Blob(
    [signature, chunk('IHDR', header), chunk('IDAT', deflated), chunk('IEND', new Uint8Array(0))],
    { type: 'image/png' },
  );
}
