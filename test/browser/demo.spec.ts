import { expect, type Page, test } from '@playwright/test';
import { BACKGROUND_SPOT, collectLogs, FACE_SPOT, framesOut, type Spot } from './demo-helpers';

/**
 * The demo page (index.html → src/demo): it runs on the fake camera (the labelled person fixture,
 * 1280x720), and on the bundled sample clip when getUserMedia fails.
 */

/**
 * Draws the preview <video>'s current frame at 1280x720 and returns, per spot, the share of
 * pixels that are green (G > 200, R < 60, B < 60); null while the video has no frame yet.
 */
async function greenShares(page: Page, spots: Spot[]): Promise<number[] | null> {
  return page.getByTestId('preview').evaluate((element, spots) => {
    const video = element as HTMLVideoElement;
    if (!video.videoWidth || !video.videoHeight) return null;
    const canvas = document.createElement('canvas');
    canvas.width = 1280;
    canvas.height = 720;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) return null;
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    return spots.map((s) => {
      const { data } = ctx.getImageData(s.x0, s.y0, s.x1 - s.x0, s.y1 - s.y0);
      let green = 0;
      for (let i = 0; i < data.length; i += 4) {
        const r = data[i] ?? 0;
        const g = data[i + 1] ?? 0;
        const b = data[i + 2] ?? 0;
        if (g > 200 && r < 60 && b < 60) green++;
      }
      return green / (data.length / 4);
    });
  }, spots);
}

/** What the preview shows, in words, so a failed poll says what it saw. */
async function previewVerdict(page: Page): Promise<string> {
  const shares = await greenShares(page, [BACKGROUND_SPOT, FACE_SPOT]);
  if (!shares) return 'no frame';
  const [background = 0, face = 0] = shares;
  const bg = background >= 0.9 ? 'green' : background < 0.1 ? 'not green' : 'partly green';
  const person = face < 0.1 ? 'face kept' : 'face green';
  return `background ${bg} (${background.toFixed(2)}), ${person} (${face.toFixed(2)})`;
}

const verdictWord = (v: string) => v.replace(/ \(\d\.\d\d\)/g, '');

test('demo: green background on the camera, before/after shows the raw camera and back', async ({
  page,
}) => {
  const logs = collectLogs(page);
  await page.goto('/');
  await expect(page.getByTestId('source-notice')).toContainText(/camera in use/i);
  await expect
    .poll(() => framesOut(page), { timeout: 30_000, message: logs.join('\n') })
    .toBeGreaterThan(10);

  const green = page.getByTestId('bg-color-green');
  await green.click();
  await expect(green).toHaveAttribute('aria-pressed', 'true');
  await expect
    .poll(async () => verdictWord(await previewVerdict(page)), { timeout: 30_000 })
    .toBe('background green, face kept');
  console.log('[demo] after green:', await previewVerdict(page));

  // Before: the raw camera in the preview; the processor keeps running meanwhile.
  const toggle = page.getByTestId('before-after');
  const framesBefore = await framesOut(page);
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect
    .poll(async () => verdictWord(await previewVerdict(page)), { timeout: 30_000 })
    .toBe('background not green, face kept');
  console.log('[demo] before (raw):', await previewVerdict(page));
  await expect.poll(() => framesOut(page), { timeout: 30_000 }).toBeGreaterThan(framesBefore + 10);

  // After again: the processed output, still green.
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await expect
    .poll(async () => verdictWord(await previewVerdict(page)), { timeout: 30_000 })
    .toBe('background green, face kept');
  console.log('[demo] after again:', await previewVerdict(page));

  await expect(page.getByTestId('error')).toHaveCount(0);
  expect(logs.filter((l) => l.startsWith('[pageerror]'))).toEqual([]);
});

test('demo: without a camera it runs on the bundled sample clip, and tries the camera again', async ({
  page,
}) => {
  const logs = collectLogs(page);
  // Denied until the test lets the camera through (a person allowing it in the browser's prompt).
  await page.addInitScript(() => {
    const media = navigator.mediaDevices;
    const original = media.getUserMedia.bind(media);
    Object.defineProperty(media, 'getUserMedia', {
      configurable: true,
      value: (constraints: MediaStreamConstraints) =>
        (window as unknown as { allowCamera?: boolean }).allowCamera
          ? original(constraints)
          : Promise.reject(new DOMException('Permission denied', 'NotAllowedError')),
    });
  });
  await page.goto('/');
  const notice = page.getByTestId('source-notice');
  await expect(notice).toContainText('sample clip');
  await expect(notice).toContainText('NotAllowedError');
  await expect
    .poll(() => framesOut(page), { timeout: 30_000, message: logs.join('\n') })
    .toBeGreaterThan(10);
  // The preview shows the processed clip (640x360), not a camera.
  const size = await page
    .getByTestId('preview')
    .evaluate((v) => [(v as HTMLVideoElement).videoWidth, (v as HTMLVideoElement).videoHeight]);
  console.log('[demo] sample clip preview size', size, 'notice:', await notice.textContent());
  expect(size).toEqual([640, 360]);
  await expect(page.getByTestId('error')).toHaveCount(0);

  // Camera allowed now: "Try the camera again" moves to it.
  await page.evaluate(() => {
    (window as unknown as { allowCamera?: boolean }).allowCamera = true;
  });
  await page.getByTestId('retry-camera').click();
  await expect(notice).toContainText(/camera in use/i, { timeout: 30_000 });
  await expect
    .poll(
      () =>
        page
          .getByTestId('preview')
          .evaluate((v) => [
            (v as HTMLVideoElement).videoWidth,
            (v as HTMLVideoElement).videoHeight,
          ]),
      { timeout: 45_000 },
    )
    .toEqual([1280, 720]);
  await expect(page.getByTestId('retry-camera')).toHaveCount(0);
  await expect(page.getByTestId('error')).toHaveCount(0);
});
