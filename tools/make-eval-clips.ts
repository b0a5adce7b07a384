/**
 * Makes the segmentation-quality fixtures in test/fixtures/eval/ (frames, truth masks,
 * manifest.json, contact-sheet.png) out of a local copy of DAVIS 2016 person sequences.
 * (Over 400 lines on purpose: a one-off generator whose four clip kinds share its reading,
 * cropping and writing steps; split, each kind would import all of them back.)
 *
 * Why: judging a segmenter needs real video at call size (640x360) with a per-pixel truth for the
 * one person, committed so that a fresh clone has it without ../shared. Four kinds, because each
 * hides different faults:
 * - moving: real clips, real motion blur and real mask edges, cropped to the subject as a webcam
 *   would frame it;
 * - composite: a cut-out subject over a panning background, so truth is exact by construction
 *   and both motions are known (temporal smoothing that lags shows up as a trail);
 * - portrait: stills shown held then hard-cut, so recovery after a scene change can be measured;
 * - shapes: a cut-out subject before a plain wall with a coloured flag beside her and a card in
 *   the wall's colour held in front of her, so floating chunks, holes and halos have a place to
 *   show (exact truth too).
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
  kind: 'moving' | 'composite' | 'portrait' | 'shapes';
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

/** Deterministic noise (mulberry32), so that the wall's grain is the same bytes on every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const within = (r: Rect, x: number, y: number, grow = 0) =>
  x >= r[0] - grow && x < r[0] + r[2] + grow && y >= r[1] - grow && y < r[1] + r[3] + grow;

/**
 * The shapes clip: faults that IoU folds in with edge errors, staged where a segmenter is likely
 * to make them. The subject (upper body, framed as a webcam would) sways slowly in front of a plain
 * wall, with
 * - a strongly coloured flag on the wall beside her, never touching her: the truth says
 *   background, and a segmenter that keeps salient things keeps a chunk floating beside her;
 * - a card in the wall's own colour held in front of her chest, inside her silhouette with a
 *   margin: the truth says person, and a segmenter that goes by colour cuts a hole there.
 * One sway cycle, so that the clip loops without a jump. The wall and both objects are drawn here,
 * so the truth is exact: her own mask (the card lies inside it, the flag outside it).
 */
function shapes(seq: string, id: number) {
  const [n, scale, headY, cx, sway] = [20, 2, 26, 250, 6];
  /** Where the card is at sway 0 (it moves with her), and how far inside her silhouette it stays. */
  const card: Rect = [220, 142, 64, 70];
  const cardMargin = 8;
  /** Fixed on the wall; she must stay at least flagGap pixels from it. */
  const flag: Rect = [380, 80, 84, 112];
  const flagGap = 30;
  const src = readFrame(seq, id);
  const m = readMask(seq, id);
  let [sx, area] = [0, 0];
  for (let p = 0; p < m.d.length; p++) {
    if (m.d[p]! < 0.5) continue;
    [sx, area] = [sx + (p % m.w) + 0.5, area + 1];
  }
  const top = bbox(m)[1];
  const rand = prng(0x5a4e);
  // Sensor-like grain (roughly Gaussian, sigma about 3 levels), fixed over time like a still room.
  const grain = Float32Array.from(
    { length: W * H * 3 },
    () => (rand() + rand() + rand() - 1.5) * 6,
  );
  /** A wall lit from above and a little from the left. */
  const wall = (x: number, y: number, k: number) =>
    [176, 168, 154][k]! - (30 * y) / H - (8 * x) / W + grain[(y * W + x) * 3 + k]!;
  const frames: Frame[] = [];
  let closest = Number.POSITIVE_INFINITY;
  for (let t = 0; t < n; t++) {
    const dx = sway * Math.sin((2 * Math.PI * t) / n);
    const r: Rect = [sx / area - (cx + dx) / scale, top - headY / scale, W / scale, H / scale];
    const subject = resample(src, r, W, H);
    const alpha = binarise(resample(m, r, W, H, true));
    const held: Rect = [card[0] + Math.round(dx), card[1], card[2], card[3]];
    const image: Img = { w: W, h: H, c: 3, d: new Float32Array(W * H * 3) };
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = y * W + x;
        const person = alpha.d[p]! === 1;
        if (!person && within(held, x, y, cardMargin)) {
          throw new Error(
            `shapes frame ${t}: the card is not ${cardMargin} px inside her at ${x},${y}`,
          );
        }
        if (person) {
          // Chessboard distance from this pixel of hers to the flag.
          const gap = Math.max(
            flag[0] - x,
            x - (flag[0] + flag[2] - 1),
            flag[1] - y,
            y - (flag[1] + flag[3] - 1),
          );
          closest = Math.min(closest, gap);
        }
        const onCard = within(held, x, y);
        const cardEdge = onCard && !within(held, x, y, -1);
        const onFlag = within(flag, x, y);
        const band = y >= flag[1] + flag[3] / 3 && y < flag[1] + (2 * flag[3]) / 3;
        for (let k = 0; k < 3; k++) {
          let v = person ? subject.d[p * 3 + k]! : wall(x, y, k);
          // The wall's colour lit a little from the left, with a faint darker edge: a card, not a
          // window through her.
          if (onCard) v = wall(x, y, k) + 6 - (12 * (x - held[0])) / held[2] - (cardEdge ? 14 : 0);
          // Red with a blue band: saturated, and far from the replaced green.
          if (onFlag) {
            v =
              (band ? [36, 64, 176] : [196, 36, 44])[k]! +
              grain[p * 3 + k]! -
              (12 * (y - flag[1])) / flag[3];
          }
          image.d[p * 3 + k] = v;
        }
      }
    }
    frames.push(emit('shapes', t, image, alpha));
  }
  if (closest < flagGap) throw new Error(`shapes: she comes within ${closest} px of the flag`);
  clips.push({
    name: 'shapes',
    kind: 'shapes',
    source: `DAVIS 2016 ${seq} frame ${id} (subject, upper body) over a synthetic wall, with a flag beside her and a card held in front of her`,
    motion: `subject: ${seq} frame ${id} scaled by ${scale}, the top of her mask at y = ${headY}, the centroid of her whole mask (legs below the frame included) at x = ${cx} + ${sway} sin(2 pi t / ${n}) (one cycle: the clip loops); pasted with the binarised mask as a hard alpha, so the mask is exact truth`,
    // Structured, so that a test can stage faults on the objects (test/browser/shapes.spec.ts).
    flag: {
      rect: flag,
      about: `x, y, w, h; red with a blue band; fixed on the wall, ${closest} px from her at the closest (chessboard); background in the truth`,
    },
    card: {
      rect: card,
      sway,
      about: `x, y, w, h at t = 0; frame t has it at x + round(sway sin(2 pi t / ${n})): held, it moves with her; the wall's colour; at least ${cardMargin} px inside her silhouette in every frame; person in the truth`,
    },
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
shapes('rollerblade', 0);
contactSheet();
const manifest = { width: W, height: H, generatedBy: 'tools/make-eval-clips.ts', clips };
// One line per frame and per crop, the way Biome (which lints this file) would lay it out.
const json = JSON.stringify(manifest, null, 2)
  .replace(/\{\s+("image": "[^"]+"),\s+("mask": "[^"]+")\s+\}/g, '{ $1, $2 }')
  .replace(/\[\s+(\{[^\n]+\})\s+\]/g, '[$1]')
  .replace(/\[\s+([\d,\s]+?)\s+\]/g, (_, nums: string) => `[${nums.split(/,\s+/).join(', ')}]`);
writeFileSync(join(OUT, 'manifest.json'), `${json}\n`);
console.log(`wrote ${OUT} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
