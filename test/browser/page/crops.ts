/**
 * Region crops of a VideoFrame, the pixels every judgement in the page is made on. They are read
 * with VideoFrame.copyTo() and converted here because a canvas draw of every frame cost enough to
 * disturb what was being measured; the canvas path stays for formats copyTo() cannot crop, and as
 * the reference compareCropMethods checks the conversion against.
 */

export interface Region {
  name: string;
  label: 'person' | 'background';
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type Crops = Map<string, ImageData>;

/**
 * The regions of `frame` as RGBA. VideoFrame.copyTo() of each region's rectangle, converted here:
 * a drawImage() of every 1280x720 frame into a canvas (twice per frame, camera and output) cost
 * enough on this 2-core software-GL machine that the harness alone made the output skip camera
 * frames (1–4 in a row in steady `fast`; none with these reads). Frames of a format copyTo()
 * cannot crop go through a canvas.
 */
export async function cropFrame(frame: VideoFrame, regions: Region[]): Promise<Crops> {
  const crops: Crops = new Map();
  const format = frame.format;
  if (!format || !CROPPABLE.has(format)) return drawCrops(frame, regions);
  for (const r of regions) crops.set(r.name, await cropRegion(frame, format, r));
  return crops;
}

const CROPPABLE = new Set<VideoPixelFormat>([
  'I420',
  'I420A',
  'NV12',
  'RGBA',
  'RGBX',
  'BGRA',
  'BGRX',
]);

async function cropRegion(
  frame: VideoFrame,
  format: VideoPixelFormat,
  r: Region,
): Promise<ImageData> {
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  const out = new ImageData(w, h);
  const px = out.data;
  const vx = frame.visibleRect?.x ?? 0;
  const vy = frame.visibleRect?.y ?? 0;
  if (format === 'RGBA' || format === 'RGBX' || format === 'BGRA' || format === 'BGRX') {
    const rect = { x: vx + r.x0, y: vy + r.y0, width: w, height: h };
    const buf = new Uint8Array(frame.allocationSize({ rect }));
    const [layout] = await frame.copyTo(buf, { rect });
    const { offset, stride } = layout as PlaneLayout;
    const bgr = format.startsWith('BGR');
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = offset + y * stride + x * 4;
        const d = (y * w + x) * 4;
        px[d] = buf[bgr ? s + 2 : s] as number;
        px[d + 1] = buf[s + 1] as number;
        px[d + 2] = buf[bgr ? s : s + 2] as number;
        px[d + 3] = 255;
      }
    }
    return out;
  }
  // 4:2:0: the rectangle grows to even bounds and a margin, so that every pixel has the chroma
  // samples around it for bilinear upsampling (what a canvas draw does).
  const fw = frame.visibleRect?.width ?? frame.codedWidth;
  const fh = frame.visibleRect?.height ?? frame.codedHeight;
  const ax = Math.max(0, (r.x0 - 2) & ~1);
  const ay = Math.max(0, (r.y0 - 2) & ~1);
  const aw = Math.min(fw, (r.x1 + 3) & ~1) - ax;
  const ah = Math.min(fh, (r.y1 + 3) & ~1) - ay;
  const rect = { x: vx + ax, y: vy + ay, width: aw, height: ah };
  const buf = new Uint8Array(frame.allocationSize({ rect }));
  const layouts = await frame.copyTo(buf, { rect });
  const [yl, ul, vl] = layouts as [PlaneLayout, PlaneLayout, PlaneLayout | undefined];
  const nv12 = format === 'NV12';
  const cw = aw / 2;
  const ch = ah / 2;
  // Chroma sample index and step per chroma row/column: NV12 interleaves U and V.
  const uOffset = ul.offset;
  const vOffset = nv12 ? ul.offset + 1 : (vl as PlaneLayout).offset;
  const cStride = ul.stride;
  const cStep = nv12 ? 2 : 1;
  // Bilinear taps along x are the same on every row: computed once.
  const xa = new Int32Array(w);
  const xb = new Int32Array(w);
  const xt = new Float32Array(w);
  for (let x = 0; x < w; x++) {
    const sx = (x + r.x0 - ax + 0.5) / 2 - 0.5;
    const x0 = Math.floor(sx);
    xt[x] = sx - x0;
    xa[x] = Math.min(cw - 1, Math.max(0, x0)) * cStep;
    xb[x] = Math.min(cw - 1, Math.max(0, x0 + 1)) * cStep;
  }
  const cs = frame.colorSpace;
  const full = cs.fullRange === true;
  const [kr, kb] = cs.matrix === 'bt709' ? [0.2126, 0.0722] : [0.299, 0.114];
  const kg = 1 - kr - kb;
  const yScale = full ? 1 / 255 : 1 / 219;
  const yBias = full ? 0 : 16;
  const cScale = full ? 1 / 255 : 1 / 224;
  for (let y = 0; y < h; y++) {
    const fy = y + r.y0 - ay;
    const sy = (fy + 0.5) / 2 - 0.5;
    const y0 = Math.floor(sy);
    const ty = sy - y0;
    const row0 = Math.min(ch - 1, Math.max(0, y0)) * cStride;
    const row1 = Math.min(ch - 1, Math.max(0, y0 + 1)) * cStride;
    const lumaRow = yl.offset + fy * yl.stride + (r.x0 - ax);
    for (let x = 0; x < w; x++) {
      const a0 = row0 + (xa[x] as number);
      const b0 = row0 + (xb[x] as number);
      const a1 = row1 + (xa[x] as number);
      const b1 = row1 + (xb[x] as number);
      const t = xt[x] as number;
      const u =
        ((buf[uOffset + a0] as number) * (1 - t) + (buf[uOffset + b0] as number) * t) * (1 - ty) +
        ((buf[uOffset + a1] as number) * (1 - t) + (buf[uOffset + b1] as number) * t) * ty;
      const v =
        ((buf[vOffset + a0] as number) * (1 - t) + (buf[vOffset + b0] as number) * t) * (1 - ty) +
        ((buf[vOffset + a1] as number) * (1 - t) + (buf[vOffset + b1] as number) * t) * ty;
      const luma = ((buf[lumaRow + x] as number) - yBias) * yScale;
      const cb = (u - 128) * cScale;
      const cr = (v - 128) * cScale;
      const red = luma + 2 * (1 - kr) * cr;
      const blue = luma + 2 * (1 - kb) * cb;
      const green = (luma - kr * red - kb * blue) / kg;
      const d = (y * w + x) * 4;
      // Uint8ClampedArray stores round and clamp.
      px[d] = red * 255;
      px[d + 1] = green * 255;
      px[d + 2] = blue * 255;
      px[d + 3] = 255;
    }
  }
  return out;
}

export function drawCrops(frame: VideoFrame, regions: Region[]): Crops {
  const canvas = new OffscreenCanvas(frame.displayWidth, frame.displayHeight);
  const ctx = canvas.getContext('2d', {
    willReadFrequently: true,
  }) as OffscreenCanvasRenderingContext2D;
  ctx.drawImage(frame, 0, 0);
  const crops: Crops = new Map();
  for (const r of regions)
    crops.set(r.name, ctx.getImageData(r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0));
  return crops;
}
