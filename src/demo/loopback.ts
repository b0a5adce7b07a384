/**
 * A call inside one page: two RTCPeerConnections wired to each other (offer/answer and ICE passed
 * by hand, no server), so the demo can show what the far side of a call receives and the tests can
 * judge it (test/browser/page/webrtc.ts). Owns both connections; close() releases them.
 */

export interface OutboundFigures {
  framesEncoded: number;
  framesPerSecond: number | null;
  frameWidth: number | null;
  frameHeight: number | null;
  /** 'none' | 'cpu' | 'bandwidth' | 'other' (WebRTC stats). */
  qualityLimitationReason: string | null;
  encoderImplementation: string | null;
}

export interface Loopback {
  sender: RTCRtpSender;
  /** What the far side receives. */
  received: MediaStreamTrack;
  /** negotiationneeded events since the call was set up (replaceTrack causes none). */
  readonly renegotiations: number;
  localSdp(): string;
  outbound(): Promise<OutboundFigures | null>;
  close(): void;
}

/** Sends `track` from one connection to the other; resolves once the far side has the track. */
export async function openLoopback(track: MediaStreamTrack): Promise<Loopback> {
  const sending = new RTCPeerConnection();
  const receiving = new RTCPeerConnection();
  const received = new Promise<MediaStreamTrack>((resolve) =>
    receiving.addEventListener('track', (e) => resolve(e.track), { once: true }),
  );
  sending.addEventListener('icecandidate', (e) => {
    if (e.candidate) void receiving.addIceCandidate(e.candidate);
  });
  receiving.addEventListener('icecandidate', (e) => {
    if (e.candidate) void sending.addIceCandidate(e.candidate);
  });
  const sender = sending.addTrack(track, new MediaStream([track]));
  let setUp = false;
  let renegotiations = 0;
  sending.addEventListener('negotiationneeded', () => {
    if (setUp) renegotiations++;
  });
  try {
    const offer = await sending.createOffer();
    await sending.setLocalDescription(offer);
    await receiving.setRemoteDescription(offer);
    const answer = await receiving.createAnswer();
    await receiving.setLocalDescription(answer);
    await sending.setRemoteDescription(answer);
    setUp = true;
    return {
      sender,
      received: await received,
      get renegotiations() {
        return renegotiations;
      },
      localSdp: () => sending.localDescription?.sdp ?? '',
      async outbound() {
        for (const s of (await sender.getStats()).values()) {
          if (s.type !== 'outbound-rtp') continue;
          const o = s as RTCOutboundRtpStreamStats & {
            qualityLimitationReason?: string;
            encoderImplementation?: string;
          };
          return {
            framesEncoded: o.framesEncoded ?? 0,
            framesPerSecond: o.framesPerSecond ?? null,
            frameWidth: o.frameWidth ?? null,
            frameHeight: o.frameHeight ?? null,
            qualityLimitationReason: o.qualityLimitationReason ?? null,
            encoderImplementation: o.encoderImplementation ?? null,
          };
        }
        return null;
      },
      close() {
        sending.close();
        receiving.close();
      },
    };
  } catch (error) {
    sending.close();
    receiving.close();
    throw error;
  }
}
