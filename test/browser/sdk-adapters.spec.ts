/**
 * The processor in the SDKs people use, with the real SDK packages (test/browser/page/sdk-adapters.ts):
 * livekit-client's LocalVideoTrack.setProcessor() with `virtual-background/livekit`, through a
 * camera restart, a live update and stopProcessor(); twilio-video's LocalVideoTrack around the
 * processed track, with the background switched off and on. No server: neither test publishes
 * (both SDKs need theirs for a room); what they send is the track judged here.
 */
import { expect, test } from '@playwright/test';
import { runPageFunction } from './helpers';

const ADAPTERS = '/test/browser/page/sdk-adapters.ts';

test('LiveKit: setProcessor, restartTrack, update and stopProcessor with the real livekit-client', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const r = await runPageFunction<
    Awaited<ReturnType<typeof import('./page/sdk-adapters').runLiveKitAdapter>>
  >(page, ADAPTERS, 'runLiveKitAdapter');
  console.log('[livekit adapter]', JSON.stringify(r));
  // init: the processed track LiveKit shows has the background, the person kept.
  expect(r.afterInit.judged).toBeGreaterThanOrEqual(20);
  expect(r.afterInit.minGreen).toBeGreaterThan(0.9);
  expect(r.afterInit.minPerson).toBeGreaterThan(0.6);
  expect(r.elementShowsProcessed).toBe(true);
  // restart on a new camera track: a new processed track, the old one released.
  expect(r.cameraChanged).toBe(true);
  expect(r.afterRestart.judged).toBeGreaterThanOrEqual(20);
  expect(r.afterRestart.minGreen).toBeGreaterThan(0.9);
  expect(r.afterRestart.minPerson).toBeGreaterThan(0.6);
  expect(r.oldProcessedEnded).toBe(true);
  // update through the adapter reaches the running processor.
  expect(r.afterUpdate.judged).toBeGreaterThanOrEqual(10);
  expect(r.afterUpdate.minRed).toBeGreaterThan(0.9);
  // stopProcessor: the processor destroyed, its track ended, LiveKit back on the camera.
  expect(r.stopped).toEqual({
    processorGone: true,
    processedEnded: true,
    elementShowsCamera: true,
  });
});

test('Twilio Video: the processed track in its LocalVideoTrack, background off and on by update()', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const r = await runPageFunction<
    Awaited<ReturnType<typeof import('./page/sdk-adapters').runTwilioRecipe>>
  >(page, ADAPTERS, 'runTwilioRecipe');
  console.log('[twilio recipe]', JSON.stringify(r));
  expect(r.wrapsProcessed).toBe(true);
  expect(r.trackName).toBe('camera-with-background');
  expect(r.dimensions).toEqual({ width: 1280, height: 720 });
  expect(r.on.judged).toBeGreaterThanOrEqual(20);
  expect(r.on.minGreen).toBeGreaterThan(0.9);
  expect(r.on.minPerson).toBeGreaterThan(0.6);
  // Off: the camera's own frames on the same track within 1 s of update() resolving.
  expect(r.offAfterMs).not.toBeNull();
  expect(r.offAfterMs as number).toBeLessThanOrEqual(1000);
  expect(r.offMinRoom).toBeGreaterThan(0.99);
  // On again: the background within 1 s, and the person kept.
  expect(r.onAgainAfterMs).not.toBeNull();
  expect(r.onAgainAfterMs as number).toBeLessThanOrEqual(1000);
  expect(r.onAgain.minGreen).toBeGreaterThan(0.9);
  expect(r.onAgain.minPerson).toBeGreaterThan(0.6);
  expect(r.endedWithProcessor).toBe(true);
});
