import { expect, test } from '@playwright/test';
import type { Background } from '../../src/index';
import {
  EXTENDED,
  type HarnessModule,
  mean,
  min,
  openPage,
  personRegions,
  regions,
} from './helpers';
import type { BackgroundClass, RunOptions, RunResult, UnpairedResult } from './page/harness';

const HARNESS = '/test/browser/page/harness.ts';

async function runPhases(
  page: import('@playwright/test').Page,
  options: RunOptions,
): Promise<RunResult> {
  return page.evaluate(
    async ({ url, options }) => {
      const h = (await import(url)) as HarnessModule;
      return h.runPhases(options);
    },
    { url: HARNESS, options },
  );
}

/** Per labelled region, the mean share of matching pixels over the judged frames. */
function regionMeans(result: RunResult, phase = 0) {
  const frames = result.verdicts.filter((v) => v.phase === phase);
  const person = Object.fromEntries(
    personRegions.map((r) => [r.name, mean(frames.map((f) => f.person[r.name] ?? 0))]),
  );
  const background = Object.fromEntries(
    regions
      .filter((r) => r.label === 'background')
      .map((r) => [r.name, mean(frames.map((f) => f.background[r.name] ?? 0))]),
  );
  return { frames, person, background };
}

test.describe('output track pixels on the person fixture', () => {
  test('colour background: person kept, background green', async ({ page }) => {
    await openPage(page);
    const result = await runPhases(page, {
      regions,
      phases: [{ background: { kind: 'color', color: '#00ff00' }, frames: 30 }],
    });
    const { frames, person, background } = regionMeans(result);
    console.log('[colour] person', person, 'background', background, 'stats', result.stats);
    expect(frames.length).toBe(30);
    for (const [name, share] of Object.entries(person))
      expect(share, name).toBeGreaterThanOrEqual(0.95);
    for (const [name, share] of Object.entries(background))
      expect(share, name).toBeGreaterThanOrEqual(0.95);
    expect(frames.every((f) => f.backgroundClass === 'color')).toBe(true);
  });

  test('image background: cover-fit image behind the person', async ({ page }) => {
    await openPage(page);
    const result = await runPhases(page, {
      regions,
      phases: [{ background: 'gradient-image', frames: 30 }],
    });
    const { person, background } = regionMeans(result);
    console.log('[image] person', person, 'background', background);
    for (const [name, share] of Object.entries(person))
      expect(share, name).toBeGreaterThanOrEqual(0.95);
    for (const [name, share] of Object.entries(background))
      expect(share, name).toBeGreaterThanOrEqual(0.95);
  });

  test('blur background: background smoothed, person sharp', async ({ page }) => {
    await openPage(page);
    const result = await runPhases(page, {
      regions,
      phases: [{ background: { kind: 'blur', radius: 14 }, frames: 30 }],
    });
    const { frames, person } = regionMeans(result);
    const bgSharpness = mean(frames.map((f) => f.backgroundSharpness));
    const personSharpness = mean(frames.map((f) => f.personSharpness));
    console.log(
      '[blur] background/input Laplacian',
      bgSharpness,
      'person/input',
      personSharpness,
      person,
    );
    expect(bgSharpness).toBeLessThan(0.4);
    expect(personSharpness).toBeGreaterThan(0.85);
    for (const [name, share] of Object.entries(person))
      expect(share, name).toBeGreaterThanOrEqual(0.95);
  });

  test("background 'none' passes frames through unchanged", async ({ page }) => {
    await openPage(page);
    const result = await runPhases(page, {
      regions,
      phases: [{ background: { kind: 'none' }, frames: 20 }],
      warmupFrames: 0,
    });
    const { frames, person, background } = regionMeans(result);
    console.log('[none] person', person, 'background', background);
    expect(frames.length).toBe(20);
    for (const f of frames) {
      for (const share of [...Object.values(f.person), ...Object.values(f.background)]) {
        expect(share).toBeGreaterThanOrEqual(0.999);
      }
    }
  });

  test('update() switches blur → colour → image live, frame-exact, never raw camera', async ({
    page,
  }) => {
    await openPage(page);
    const phases: RunOptions['phases'] = [
      { background: { kind: 'blur' }, frames: 15 },
      { background: { kind: 'color', color: 'lime' } as Background, frames: 15 },
      { background: 'gradient-image', frames: 15 },
    ];
    const result = await runPhases(page, { regions, phases, warmupFrames: 0 });
    const classes = result.verdicts.map((v) => v.backgroundClass);
    console.log('[switch] classes', classes.join(' '), 'phase starts', result.phaseStarts);
    expect(classes).not.toContain('raw' as BackgroundClass);
    const expected: BackgroundClass[] = ['blur', 'color', 'image'];
    // The worker reports the capture timestamp of the last frame drawn the old way: every frame
    // after it must show the new background (zero frames late), every frame up to it the old one.
    const boundaries = result.switchAfter.slice(1) as number[];
    expect(boundaries.every((b) => typeof b === 'number')).toBe(true);
    const expectedAt = (ts: number) => expected[boundaries.filter((b) => ts > b).length];
    const wrong = result.verdicts.filter((v) => v.backgroundClass !== expectedAt(v.timestamp));
    expect(wrong.map((v) => `${v.timestamp}:${v.backgroundClass}`)).toEqual([]);
    result.phaseStarts.forEach((start, i) => {
      const end = result.phaseStarts[i + 1] ?? classes.length;
      const phase = result.verdicts.slice(start, end);
      // Frames the page had not read yet when update() resolved (its own backlog), drawn before the switch.
      const backlog =
        i === 0 ? 0 : phase.filter((v) => v.timestamp <= (boundaries[i - 1] ?? 0)).length;
      console.log(`[switch] phase ${i}: ${phase.length} frames, ${backlog} in the page's backlog`);
      expect(phase.slice(backlog).every((v) => v.backgroundClass === expected[i])).toBe(true);
      expect(phase.length - backlog).toBeGreaterThanOrEqual(15);
    });
    // Person pixels are right in every frame of every phase.
    expect(min(result.verdicts.map((v) => Math.min(...Object.values(v.person))))).toBeGreaterThan(
      0.85,
    );
  });
});

test('element transport (no MediaStreamTrackGenerator): canvas-captured output with the same pixels', async ({
  page,
}) => {
  await openPage(page);
  const result: UnpairedResult = await page.evaluate(
    async ({ url, regions }) => {
      const h = (await import(url)) as HarnessModule;
      return h.runUnpaired(regions, 'element', 20);
    },
    { url: HARNESS, regions },
  );
  console.log('[element]', {
    backgroundGreen: mean(result.backgroundGreen),
    personGreen: mean(result.personGreen),
    personMeanOut: result.personMeanOut,
    personMeanIn: result.personMeanIn,
    fpsOut: result.stats.fpsOut,
    output: result.outputSettings,
  });
  expect(result.backgroundGreen.length).toBe(20);
  expect(min(result.backgroundGreen)).toBeGreaterThanOrEqual(0.95);
  expect(Math.max(...result.personGreen)).toBeLessThanOrEqual(0.02);
  for (const [name, rgb] of Object.entries(result.personMeanOut)) {
    const ref = result.personMeanIn[name] as [number, number, number];
    rgb.forEach((v, c) => {
      expect(Math.abs(v - (ref[c] ?? 0)), `${name}[${c}]`).toBeLessThan(12);
    });
  }
  // The harness waits (up to 3 s) for a stats report that covers the frames judged above.
  expect(result.stats.framesOut).toBeGreaterThanOrEqual(20);
});

test(
  'harness: region crops read with copyTo() agree with a canvas draw of the same frames',
  EXTENDED,
  async ({ page }) => {
    await openPage(page);
    const r = await page.evaluate(
      async ({ url, regions }) => {
        const h = (await import(url)) as HarnessModule;
        return h.compareCropMethods(regions, 5);
      },
      { url: HARNESS, regions },
    );
    console.log('[crops]', JSON.stringify(r));
    for (const side of [r.camera, r.output]) {
      expect(side.formats.length).toBeGreaterThan(0);
      expect(side.meanDiff).toBeLessThan(1);
      expect(side.p99Diff).toBeLessThanOrEqual(4);
    }
  },
);
