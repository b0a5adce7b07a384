/**
 * Copies the still photos the DeepLabV3 tests use out of the shared data folder into
 * test/fixtures/subjects/ as PNG (they come as BMP), with their provenance in SOURCES.md there.
 * Run once by hand (`npx tsx tools/import-subjects.ts [path/to/shared/data/subjects]`); the
 * results are committed, so a clone never needs the shared folder.
 *
 * - samoyed.png, samoyed-mask.png: Oxford-IIIT Pet samoyed_36 and its trimap (mask PNG: 255 pet,
 *   0 background, 128 the border band the dataset leaves undecided).
 * - grace-hopper.png: the public-domain portrait.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

interface Bitmap {
  width: number;
  height: number;
  /** RGBA, top row first. */
  rgba: Uint8Array;
}

/** Uncompressed Windows BMP, 24-bit or 8-bit paletted, rows bottom-up (or top-down). */
export function readBmp(bytes: Uint8Array): Bitmap {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint16(0, true) !== 0x4d42) throw new Error('not a BMP file');
  const offset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  if (compression !== 0) throw new Error(`BMP compression ${compression} is not supported`);
  if (bpp !== 24 && bpp !== 8) throw new Error(`BMP with ${bpp} bits per pixel is not supported`);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const palette = 14 + headerSize;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = offset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (bpp === 24) {
        rgba[o] = bytes[row + x * 3 + 2] ?? 0;
        rgba[o + 1] = bytes[row + x * 3 + 1] ?? 0;
        rgba[o + 2] = bytes[row + x * 3] ?? 0;
      } else {
        const index = bytes[row + x] ?? 0;
        // Palette entries are BGRA; the trimap's values are its indices.
        rgba[o] = index;
        rgba[o + 1] = bytes[palette + index * 4 + 1] ?? 0;
        rgba[o + 2] = bytes[palette + index * 4] ?? 0;
      }
      rgba[o + 3] = 255;
    }
  }
  return { width, height, rgba };
}

function writePng(path: string, bitmap: Bitmap): void {
  const png = new PNG({ width: bitmap.width, height: bitmap.height });
  png.data.set(bitmap.rgba);
  writeFileSync(path, PNG.sync.write(png));
}

function main(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const from = resolve(process.argv[2] ?? join(here, '../../shared/data/subjects'));
  const to = join(here, '../test/fixtures/subjects');
  const read = (name: string) => readBmp(new Uint8Array(readFileSync(join(from, name))));
  writePng(join(to, 'samoyed.png'), read('dog_segmentation.bmp'));
  // The file holds the Oxford-IIIT trimap shifted down by one: 0 = pet, 1 = background,
  // 2 = border (47%, 41% and 12% of the pixels; the pet fills the middle) → 255 / 0 / 128, grey.
  const trimap = read('dog_segmentation_mask.bmp');
  for (let i = 0; i < trimap.rgba.length; i += 4) {
    const t = trimap.rgba[i];
    const v = t === 0 ? 255 : t === 2 ? 128 : 0;
    trimap.rgba.set([v, v, v, 255], i);
  }
  writePng(join(to, 'samoyed-mask.png'), trimap);
  writePng(join(to, 'grace-hopper.png'), read('grace_hopper.bmp'));
  console.log(`wrote samoyed.png, samoyed-mask.png, grace-hopper.png into ${to}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
