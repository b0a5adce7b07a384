/**
 * Which camera frames the serving engine segments. A frame is sent while the engine has room (at
 * most one request waits behind the one being segmented: a slow engine means masks reused for
 * more frames, never frames queued for it) and either the mask scheduler's duty allows it or the
 * frame starts a new scene. Owns nothing: the slot's downscale stage, scene watch and crop belong
 * to the slot (engine-slots.ts), the request itself to the level switch.
 */
import type { RenderTarget } from '../gl/gl-utils';
import type { Picture } from '../gl/picture';
import type { EngineSlot } from './engine-slots';
import type { LevelSwitch } from './level-switch';
import type { MaskScheduler } from './mask-scheduler';
import { type CropRect, FULL_FRAME, isFullFrame } from './person-crop';

export interface MaskRequestOutcome {
  /** The crop the frame was (or would have been) segmented through: whole after a cut. */
  crop: CropRect;
  /** The frame's small picture through `crop`. */
  small: RenderTarget;
  /** Whether this frame was sent: it may wait for its own mask. */
  sent: boolean;
  /** The first frame of a new scene (person-crop's SceneWatch): no earlier mask fits it. */
  cut: boolean;
}

export function requestOwnMask(
  levels: LevelSwitch,
  scheduler: MaskScheduler,
  slot: EngineSlot,
  frame: { picture: Picture; timestamp: number; crop: CropRect; small: RenderTarget },
  framesSegmented: number,
): MaskRequestOutcome {
  const { picture, timestamp } = frame;
  let { crop, small } = frame;
  const now = performance.now();
  const first = !slot.mask.hasMask && !slot.request;
  if (slot.segmenter.inFlight >= 2) return { crop, small, sent: false, cut: false };
  // Every frame the engine could take is checked for a cut, not only those the duty sends: the
  // first frame of a new scene drawn with a reused mask shows the last scene's silhouette (the
  // eval's portraits: IoU 0.23-0.32 on such frames against 0.69-0.77 settled).
  let pixels = slot.downscale.read().data;
  const cut = slot.scene.cut(pixels, crop);
  if (!first && !cut && !scheduler.mayRequest(now)) return { crop, small, sent: false, cut };
  if (cut && !isFullFrame(crop)) {
    // A new scene: the crop framed the last one's person. This frame goes whole.
    crop = FULL_FRAME;
    slot.crop = { ...FULL_FRAME };
    small = slot.downscale.render(picture, crop);
    pixels = slot.downscale.read().data;
  }
  scheduler.recordRequest(now);
  levels.requestMask(slot, pixels, timestamp, crop, picture);
  levels.stepTrial(pixels, timestamp, framesSegmented);
  return { crop, small, sent: true, cut };
}
