/**
 * Makes the segmentation-quality fixtures in test/fixtures/eval/ (frames, truth masks,
 * manifest.json, contact-sheet.png) out of a local copy of DAVIS 2016 person sequences.
 *
 * Why: judging a segmenter needs real video at call size (640x360) with a per-pixel truth for the
 * one person, committed so that a fresh clone has it without ../shared. Three kinds, because each
 * hides different faults:
 * - moving: real clips, real motion blur and real mask edges, cropped to the subject as a webcam
 *   would frame it;
 * - composite: a cut-out subject over a panning background, so truth is exact by construction
 *   and both motions are known (temporal smoothing that lags shows up as a trail);
 * - portrait: stills shown held then hard-cut, so recovery after a scene change can be measured.
 * Pure JS (jpeg-js, pngjs, hand-written resampling) so that it runs anywhere Node does, and
 * deterministic, so that rerunning it reproduces the committed bytes and any diff means a change.
 * The clip choices below were made by looking at the sequences; test/fixtures/eval/SOURCES.md
 * says why and what is doubtful, and carries the data's licence (DAVIS: CC BY-NC 4.0).
 *
 * Run: npx tsx tools/make-eval-clips.ts [--source DIR]   (DIR defaults to ../shared/data/davis2016-people)
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

const W = 640;
const H = 360;
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(REPO, 'test/fixtures/eval');
const sourceArg = process.argv.indexOf('--source');
const SRC =
  sourceArg >= 0
    ? resolve(process.argv[sourceArg + 1]!)
    : resolve(REPO, '../shared/data/davis2016-people');

/** c interleaved channels; 0..255 for pictures, 0..1 for masks. */
interface Img {
  w: number;
  h: number;
  c: number;
  d: Float32Array;
}
type Box = [x0: number, y0: number, x1: number, y1: number];
type Rect = [x: number, y: number, w: number, h: number];
interface Frame {
  image: string;
  mask: string;
}
interface Clip {
  name: string;
  kind: 'moving' | 'composite' | 'portrait';
  source: string;
  [extra: string]: unknown;
  frames: Frame[];
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const file = (seq: string, i: number, ext: string) =>
  join(SRC, seq, `${String(i).padStart(5, '0')}.${ext}`);

function readFrame(seq: string, i: number): Img {
  const j = jpeg.decode(readFileSync(file(seq, i, 'jpg')), { useTArray: true });
  const d = new Float32Array(j.width * j.height * 3);
  for (let p = 0; p < j.width * j.height; p++) {
    for (let k = 0; k < 3; k++) d[p * 3 + k] = j.data[p * 4 + k]!;
  }
  return { w: j.width, h: j.height, c: 3, d };
}

function readMask(seq: string, i: number): Img {
  const png = PNG.sync.read(readFileSync(file(seq, i, 'png')));
  const d = new Float32Array(png.width * png.height);
  for (let p = 0; p < d.length; p++) d[p] = png.data[p * 4]! > 127 ? 1 : 0;
  return { w: png.width, h: png.height, c: 1, d };
}

/**
 * Source taps for each output sample along one axis. Shrinking averages the covered area, so
 * fine texture does not alias into patterns the source never had; enlarging, and masks (which
 * are thresholded afterwards, so only the edge position matters), use bilinear.
 */
function taps(start: number, len: number, n: number, out: number, bilinear: boolean) {
  const scale = out / len;
  const all: [number, number][][] = [];
  for (let o = 0; o < out; o++) {
    const t: [number, number][] = [];
    if (bilinear || scale >= 1) {
      const c = start + (o + 0.5) / scale - 0.5;
      const k = Math.floor(c);
      t.push([clamp(k, 0, n - 1), 1 - (c - k)], [clamp(k + 1, 0, n - 1), c - k]);
    } else {
      const a = start + o / scale;
      const b = start + (o + 1) / scale;
      for (let k = Math.floor(a); k < b; k++) {
        const cover = Math.min(b, k + 1) - Math.max(a, k);
        if (cover > 1e-9) t.push([clamp(k, 0, n - 1), cover * scale]);
      }
    }
    all.push(t);
  }
  return all;
}

/** The source rectangle `r` (fractional, may overhang: edges repeat) scaled to ow x oh. */
function resample(img: Img, r: Rect, ow: number, oh: number, bilinear = false): Img {
  const { w, c, d } = img;
  const tx = taps(r[0], r[2], img.w, ow, bilinear);
  const ty = taps(r[1], r[3], img.h, oh, bilinear);
  const out = new Float32Array(ow * oh * c);
  const row = new Float32Array(ow * c);
  for (let y = 0; y < oh; y++) {
    row.fill(0);
    for (const [sy, wy] of ty[y]!) {
      for (let x = 0; x < ow; x++) {
        for (const [sx, wx] of tx[x]!) {
          const s = (sy * w + sx) * c;
          for (let k = 0; k < c; k++) row[x * c + k]! += wy * wx * d[s + k]!;
        }
      }
    }
    out.set(row, y * ow * c);
  }
  return { w: ow, h: oh, c, d: out };
}

function bbox(m: Img): Box {
  let [x0, y0, x1, y1] = [m.w, m.h, -1, -1];
  for (let y = 0; y < m.h; y++) {
    for (let x = 0; x < m.w; x++) {
      if (m.d[y * m.w + x]! < 0.5) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) throw new Error('empty mask');
  return [x0, y0, x1, y1];
}

/**
 * A 16:9 window around `b` with `margin` of its size added on each side, grown to 16:9 and kept
 * inside the frame. Whole multiples of 16x9 pixels, so that it maps onto 640x360 with one scale.
 */
function window16x9(b: Box, margin: number, fw: number, fh: number): Rect {
  const bw = (b[2] - b[0] + 1) * (1 + 2 * margin);
  const bh = (b[3] - b[1] + 1) * (1 + 2 * margin);
  const k = clamp(Math.round(Math.max(bh / 9, bw / 16)), 1, Math.min(fw / 16, fh / 9) | 0);
  const [w, h] = [16 * k, 9 * k];
  const x = clamp(Math.round((b[0] + b[2] + 1 - w) / 2), 0, fw - w);
  const y = clamp(Math.round((b[1] + b[3] + 1 - h) / 2), 0, fh - h);
  return [x, y, w, h];
}

/** "0-34, 33-29" for a list that steps by one, up or down. */
function runs(ids: number[]): string {
  const parts: string[] = [];
  for (let a = 0, b = 0; a < ids.length; a = ++b) {
    const step = ids[a + 1]! - ids[a]!;
    if (Math.abs(step) === 1) while (ids[b + 1]! - ids[b]! === step) b++;
    parts.push(b > a ? `${ids[a]}-${ids[b]}` : `${ids[a]}`);
  }
  return parts.join(', ');
}

const binarise = (m: Img): Img => ({ ...m, d: m.d.map((v) => (v * 255 >= 128 ? 1 : 0)) });

function writeJpeg(img: Img, path: string) {
  const data = new Uint8Array(img.w * img.h * 4);
  for (let p = 0; p < img.w * img.h; p++) {
    for (let k = 0; k < 3; k++) data[p * 4 + k] = clamp(Math.round(img.d[p * 3 + k]!), 0, 255);
    data[p * 4 + 3] = 255;
  }
  writeFileSync(path, jpeg.encode({ width: img.w, height: img.h, data }, 85).data);
}

function writePng(w: number, h: number, data: Uint8Array, gray: boolean, path: string) {
  const png = new PNG({ width: w, height: h });
  png.data = Buffer.from(data);
  const type = gray ? 0 : 2;
  writeFileSync(
    path,
    PNG.sync.write(png, { colorType: type, inputColorType: type, inputHasAlpha: false }),
  );
}

const clips: Clip[] = [];
const firsts: [Img, Img][] = [];

/** Writes one frame pair of `clip` and returns its manifest entry. */
function emit(clip: string, k: number, image: Img, mask: Img): Frame {
  const stem = `${clip}/${String(k).padStart(2, '0')}`;
  if (k === 0) {
    // Stale frames from an earlier, longer run would otherwise linger beside the new ones.
    rmSync(join(OUT, clip), { recursive: true, force: true });
    mkdirSync(join(OUT, clip), { recursive: true });
  }
  writeJpeg(image, join(OUT, `${stem}.jpg`));
  const truth = Uint8Array.from(mask.d, (v) => v * 255);
  writePng(W, H, truth, true, join(OUT, `${stem}.png`));
  if (k === 0) firsts.push([image, mask]);
  return { image: `${stem}.jpg`, mask: `${stem}.png` };
}

/** One fixed crop over all frames used, so the camera stays still and only the subject moves. */
function cropped(name: string, kind: 'moving' | 'portrait', seq: string, from: number, n: number) {
  const ids = Array.from({ length: n }, (_, k) => from + k);
  const masks = ids.map((i) => readMask(seq, i));
  const boxes = masks.map(bbox);
  const union: Box = [0, 1, 2, 3].map((k) =>
    (k < 2 ? Math.min : Math.max)(...boxes.map((b) => b[k]!)),
  ) as Box;
  const crop = window16x9(union, kind === 'moving' ? 0.12 : 0.15, masks[0]!.w, masks[0]!.h);
  const frames = ids.map((i, k) =>
    emit(
      name,
      k,
      resample(readFrame(seq, i), crop, W, H),
      binarise(resample(masks[k]!, crop, W, H, true)),
    ),
  );
  const what = n > 1 ? `frames ${from}-${from + n - 1}` : `frame ${from}`;
  clips.push({ name, kind, source: `DAVIS 2016 ${seq} ${what}`, crop, frames });
}

/**
 * The subject is placed by its mask centroid, not its box: a skater's box jumps with her arms and
 * her crouch while the centroid moves smoothly, so the stated sinusoid is then the motion. A hard
 * alpha (no feathering) keeps the pasted mask exactly the truth.
 */
function composite(seq: string, ids: number[], bgSeq: string, bgFrame: number) {
  const [n, CY] = [ids.length, 210];
  const bgMask = readMask(bgSeq, bgFrame);
  if (bgMask.d.some((v) => v > 0)) throw new Error(`${bgSeq} ${bgFrame} has its subject in view`);
  const bgSrc = readFrame(bgSeq, bgFrame);
  const pano = resample(bgSrc, [0, 0, (bgSrc.h * 16) / 9, bgSrc.h], 768, 432);
  const masks = ids.map((i) => readMask(seq, i));
  const heights = masks.map((m) => bbox(m)).map((b) => b[3] - b[1] + 1);
  const median = [...heights].sort((a, b) => a - b)[n >> 1]!;
  const scale = Math.round((H / 2 / median) * 100) / 100;
  const frames: Frame[] = [];
  for (let t = 0; t < n; t++) {
    const m = masks[t]!;
    const b = bbox(m);
    // Resampling repeats edge pixels beyond the frame; a mask touching the edge would smear.
    if (b[0] === 0 || b[1] === 0 || b[2] === m.w - 1 || b[3] === m.h - 1) {
      throw new Error(`${seq} ${ids[t]}: subject touches the frame edge`);
    }
    let [sx, sy, area] = [0, 0, 0];
    for (let p = 0; p < m.d.length; p++) {
      if (m.d[p]! < 0.5) continue;
      [sx, sy, area] = [sx + (p % m.w) + 0.5, sy + Math.floor(p / m.w) + 0.5, area + 1];
    }
    const dx = W / 2 + 80 * Math.sin((2 * Math.PI * t) / n);
    const r: Rect = [sx / area - dx / scale, sy / area - CY / scale, W / scale, H / scale];
    const subject = resample(readFrame(seq, ids[t]!), r, W, H);
    const alpha = binarise(resample(m, r, W, H, true));
    const image = resample(pano, [3 * t, 36, W, H], W, H);
    for (let p = 0; p < W * H; p++) {
      if (alpha.d[p]! === 0) continue;
      for (let k = 0; k < 3; k++) image.d[p * 3 + k] = subject.d[p * 3 + k]!;
    }
    frames.push(emit('composite', t, image, alpha));
  }
  clips.push({
    name: 'composite',
    kind: 'composite',
    source: `DAVIS 2016 ${seq} frames ${runs(ids)} (subject) over ${bgSeq} frame ${bgFrame} (background, no subject in view)`,
    motion: `background: ${bgSeq} frame ${bgFrame} scaled by 0.9 to 768x432, frame t shows its 640x360 window at x = 3t, y = 36 (the scene moves 3 px/frame to the left); subject: the t-th listed ${seq} frame scaled by ${scale}, its mask centroid at x = 320 + 80 sin(2 pi t / ${n}), y = ${CY}; pasted with the binarised mask as a hard alpha, so the mask is exact truth`,
    frames,
  });
}

/** First frame of every clip with its truth tinted red, four to a row, for a human to check. */
function contactSheet() {
  const [tw, th, cols] = [192, 108, 4];
  const rows = Math.ceil(firsts.length / cols);
  const sheet = new Uint8Array(tw * cols * th * rows * 3).fill(255);
  firsts.forEach(([image, mask], i) => {
    const d = image.d.slice();
    for (let p = 0; p < W * H; p++) {
      if (mask.d[p]! === 0) continue;
      for (let k = 0; k < 3; k++) d[p * 3 + k] = (d[p * 3 + k]! + (k === 0 ? 255 : 0)) / 2;
    }
    const tinted = { ...image, d };
    const small = resample(tinted, [0, 0, W, H], tw, th);
    const [ox, oy] = [(i % cols) * tw, Math.floor(i / cols) * th];
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw * 3; x++) {
        sheet[((oy + y) * tw * cols + ox) * 3 + x] = Math.round(small.d[y * tw * 3 + x]!);
      }
    }
  });
  writePng(tw * cols, th * rows, sheet, false, join(OUT, 'contact-sheet.png'));
}

const started = performance.now();
cropped('rollerblade', 'moving', 'rollerblade', 0, 22);
cropped('swing', 'moving', 'swing', 0, 22);
cropped('hockey', 'moving', 'hockey', 0, 22);
// rollerblade has only 35 frames; playing the last ones back keeps the motion continuous.
const skate = Array.from({ length: 35 }, (_, i) => i);
composite('rollerblade', [...skate, 33, 32, 31, 30, 29], 'surf', 54);
cropped('portrait-a', 'portrait', 'rollerblade', 28, 1);
cropped('portrait-b', 'portrait', 'hockey', 60, 1);
cropped('portrait-c', 'portrait', 'swing', 50, 1);
cropped('portrait-d', 'portrait', 'dance-jump', 18, 1);
contactSheet();
const manifest = { width: W, height: H, generatedBy: 'tools/make-eval-clips.ts', clips };
// One line per frame and per crop, the way Biome (which lints this file) would lay it out.
const json = JSON.stringify(manifest, null, 2)
  .replace(/\{\s+("image": "[^"]+"),\s+("mask": "[^"]+")\s+\}/g, '{ $1, $2 }')
  .replace(/\[\s+(\{[^\n]+\})\s+\]/g, '[$1]')
  .replace(/\[\s+([\d,\s]+?)\s+\]/g, (_, nums: string) => `[${nums.split(/,\s+/).join(', ')}]`);
writeFileSync(join(OUT, 'manifest.json'), `${json}\n`);
console.log(`wrote ${OUT} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
