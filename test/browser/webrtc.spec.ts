/**
 * The output track through a real call (test/browser/page/webrtc.ts): a loopback pair of
 * RTCPeerConnections in one page. The far side must see the green background and the person,
 * within the codec's tolerance; switching the background off and on with setSenderBackground
 * (RTCRtpSender.replaceTrack) must show at the far side within 1 s, with no new offer/answer; the
 * sender's outbound figures are reported.
 */
import { expect, test } from '@playwright/test';
import { runPageFunction } from './helpers';

const WEBRTC = '/test/browser/page/webrtc.ts';

test('loopback call: the far side sees the background; replaceTrack toggles it within 1 s, no renegotiation', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const r = await runPageFunction<Awaited<ReturnType<typeof import('./page/webrtc').runLoopback>>>(
    page,
    WEBRTC,
    'runLoopback',
  );
  const summary = (js: typeof r.on) => ({
    frames: js.length,
    minGreen: Math.min(...js.map((j) => j.green)),
    meanGreen: js.reduce((a, j) => a + j.green, 0) / Math.max(1, js.length),
    maxPersonGap: Math.max(...js.map((j) => j.personColourGap)),
    sizes: [...new Set(js.map((j) => `${j.width}x${j.height}`))],
  });
  console.log(
    '[webrtc]',
    JSON.stringify({
      on: summary(r.on),
      off: summary(r.off),
      onAgain: summary(r.onAgain),
      offAfterMs: r.offAfterMs,
      backOnAfterMs: r.backOnAfterMs,
      negotiationsAfterSetup: r.negotiationsAfterSetup,
      localSdpUnchanged: r.localSdpUnchanged,
      localSdpChanges: r.localSdpChanges,
      receivedFps: r.receivedFps,
      outbound: r.outbound,
    }),
  );
  // Background on: the colour at the far side, the person kept (region means within the codec's
  // and the camera's motion's reach of the camera's own).
  expect(r.on.length).toBeGreaterThanOrEqual(20);
  const on = summary(r.on);
  // The bar, on every received frame (1.00 in the runs here, quiet and loaded).
  expect(on.minGreen).toBeGreaterThanOrEqual(0.95);
  expect(on.maxPersonGap).toBeLessThanOrEqual(30);
  // Off: the far side sees the room within 1 s, and then only the room.
  expect(r.offAfterMs).not.toBeNull();
  expect(r.offAfterMs as number).toBeLessThanOrEqual(1000);
  const settledOff = r.off.slice(Math.ceil(r.off.length / 2));
  expect(settledOff.length).toBeGreaterThanOrEqual(5);
  expect(Math.max(...settledOff.map((j) => j.green))).toBeLessThan(0.1);
  expect(Math.max(...settledOff.map((j) => j.personColourGap))).toBeLessThanOrEqual(30);
  // On again within 1 s, and it holds.
  expect(r.backOnAfterMs).not.toBeNull();
  expect(r.backOnAfterMs as number).toBeLessThanOrEqual(1000);
  const settledOn = r.onAgain.slice(Math.ceil(r.onAgain.length / 2));
  expect(Math.min(...settledOn.map((j) => j.green))).toBeGreaterThan(0.9);
  // replaceTrack, not a new negotiation.
  expect(r.negotiationsAfterSetup).toBe(0);
  expect(r.localSdpUnchanged).toBe(true);
  // The encoder ran throughout and reported its figures.
  const encoded = r.outbound.map((o) => o.framesEncoded);
  expect(encoded.length).toBe(4);
  for (let i = 1; i < encoded.length; i++) {
    expect(encoded[i] as number).toBeGreaterThan(encoded[i - 1] as number);
  }
  expect(r.outbound.at(-1)?.frameWidth ?? 0).toBeGreaterThan(0);
  expect(r.outbound.at(-1)?.qualityLimitationReason).not.toBeNull();
});
