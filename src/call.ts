/**
 * The processed track in a call: switching the background off and on where a peer connection
 * sends it, with `RTCRtpSender.replaceTrack`. The sender keeps its transceiver, codec and
 * encoder: no new offer/answer, and the far side sees the other track within a frame or two
 * (test/browser/webrtc.spec.ts measures it). The processor keeps running while the camera is
 * sent, so switching back shows the background at once, never a frame of a starting pipeline.
 */
import { VirtualBackgroundError } from './errors';

export interface CallTracks {
  /** The camera track the processor was started with. */
  camera: MediaStreamTrack;
  /** The processor's output track (what `start()` resolved with). */
  processed: MediaStreamTrack;
}

/**
 * Sends `tracks.processed` (background on) or `tracks.camera` (off) on `sender`. Resolves once
 * the sender has switched; rejects with `invalid-track` when the track to send has ended.
 */
export async function setSenderBackground(
  sender: RTCRtpSender,
  tracks: CallTracks,
  enabled: boolean,
): Promise<void> {
  const next = enabled ? tracks.processed : tracks.camera;
  if (sender.track === next) return;
  if (next.readyState === 'ended') {
    throw new VirtualBackgroundError(
      'invalid-track',
      `the ${enabled ? 'processed' : 'camera'} track has ended: nothing to send`,
    );
  }
  await sender.replaceTrack(next);
}

/** Whether `sender` is sending the processed track of `tracks`. */
export function senderHasBackground(sender: RTCRtpSender, tracks: CallTracks): boolean {
  return sender.track === tracks.processed;
}
