import { expect, test } from '@playwright/test';
import { openPage } from './helpers';
import type * as MaskRefine from './page/mask-refine';

type MaskRefineModule = typeof MaskRefine;
const PAGE = '/test/browser/page/mask-refine.ts';

// The mask and the picture both change at frame column 640 (the boundary between model texels 127
// and 128). Plain bilinear upsampling would ramp the mask over one model texel there (0.75 and
// 0.25 at the two refined texels either side); the refinement must follow the picture's edge.
test('accurate refinement: the 2x upsampled mask steps where the full-size picture does', async ({
  page,
}) => {
  await openPage(page);
  const r = await page.evaluate(async (url) => {
    const m = (await import(url)) as MaskRefineModule;
    return m.refineAcrossEdge({ temporalKeep: 0.7, snap: [0.15, 0.85], refineScale: 2 });
  }, PAGE);
  expect(r.width).toBe(512);
  // Refined texel 255 covers frame x 637.5–640 (bright side), 256 covers 640–642.5 (dark side).
  console.log(
    '[refine] texels 252..259:',
    r.row
      .slice(252, 260)
      .map((v) => v.toFixed(3))
      .join(' '),
  );
  expect(r.row[255]).toBeGreaterThan(0.95);
  expect(r.row[256]).toBeLessThan(0.05);
  // Away from the edge the mask is untouched.
  expect(Math.min(...r.row.slice(0, 250))).toBeGreaterThan(0.99);
  expect(Math.max(...r.row.slice(262))).toBeLessThan(0.01);
});

test('balanced refinement at mask resolution keeps a sharp edge sharp and in place', async ({
  page,
}) => {
  await openPage(page);
  const r = await page.evaluate(async (url) => {
    const m = (await import(url)) as MaskRefineModule;
    return m.refineAcrossEdge({ temporalKeep: 0.6, snap: [0.15, 0.85], refineScale: 1 });
  }, PAGE);
  expect(r.width).toBe(256);
  console.log(
    '[refine] texels 125..130:',
    r.row
      .slice(125, 131)
      .map((v) => v.toFixed(3))
      .join(' '),
  );
  expect(r.row[127]).toBeGreaterThan(0.95);
  expect(r.row[128]).toBeLessThan(0.05);
});
