import { QUALITIES } from '../options';
import type { Quality } from '../types';

export interface QualityChange {
  quality: Quality;
  /** `engine-failed`: the level's engine kept failing (FramePipeline.engineFailed). */
  reason: 'overloaded' | 'headroom' | 'engine-failed';
}

/**
 * Steps the quality level down when the level cannot hold the source's frame rate (output frames
 * below 90% of the source's) or its masks fall too far behind (fresh masks for fewer than a
 * quarter of the frames: people move while the mask stands still), and back up (never above the level the user asked
 * for) when there is room again. A step down needs the overload to persist (`holdMs`), a step up
 * room in most looks over `upHoldMs` (ROOM_SHARE), and changes are at least `minIntervalMs`
 * apart, so it does not oscillate.
 */
const LOOK_EVERY_MS = 500;
const LOOK_AFTER_MS = 3000;
/**
 * A step up needs room in this share of the looks over its hold time, not in every one: with a
 * core kept busy by other work, one dip in a 0.5 s look restarted a strict count, and a loaded run
 * stayed at `fast` for 47 s after its slowdown ended (2026-12-02).
 */
const ROOM_SHARE = 0.8;

export class AdaptiveQuality {
  private current: Quality;
  private overSince: number | null = null;
  /** Looks since the last change, back to the first at or before one hold time ago. */
  private looks: Array<{ at: number; room: boolean }> = [];
  private lastChange = Number.NEGATIVE_INFINITY;
  private lastStepUp = Number.NEGATIVE_INFINITY;
  /** Doubles when a step up has to be undone soon after, so a level that does not fit is not retried every few seconds. */
  private upHold: number;

  constructor(
    private requested: Quality,
    /** The camera's frame rate; a camera swap (setInput) sets its own. */
    public sourceFps: number,
    private readonly holdMs = 3000,
    private readonly upHoldMs = 5000,
    private readonly minIntervalMs = 5000,
  ) {
    this.current = requested;
    this.upHold = upHoldMs;
  }

  get quality(): Quality {
    return this.current;
  }

  /** The user picked a level: it becomes both the ceiling and the current level. */
  request(quality: Quality, now: number): void {
    this.requested = quality;
    this.current = quality;
    this.overSince = null;
    this.looks = [];
    this.lastChange = now;
    this.upHold = this.upHoldMs;
  }

  /**
   * The levels above `quality` lost their engine: `quality` is the level now and the ceiling until
   * the user picks a level again (request()), so headroom does not step back up into the failure.
   */
  lowerCeiling(quality: Quality, now: number): void {
    if (QUALITIES.indexOf(quality) < QUALITIES.indexOf(this.requested)) this.requested = quality;
    this.current = quality;
    this.overSince = null;
    this.looks = [];
    this.lastChange = now;
  }

  /** A change it asked for could not be made (the model did not load): it stays at `quality`. */
  settle(quality: Quality): void {
    this.current = quality;
  }

  private firstFrameAt: number | null = null;
  private lastLook = Number.NEGATIVE_INFINITY;

  /**
   * Whether to look now (twice a second): never in the first seconds after the first frame (shader
   * compiles, the path probe, rate meters filling say nothing about load), and not while
   * `eligible` is false (adaptive off, or a level change still under way that must land first).
   */
  due(now: number, eligible: boolean): boolean {
    this.firstFrameAt ??= now;
    if (!eligible || now - this.firstFrameAt < LOOK_AFTER_MS || now - this.lastLook < LOOK_EVERY_MS)
      return false;
    this.lastLook = now;
    return true;
  }

  /**
   * @param fpsOut output frames per second over the last couple of seconds
   * @param maskFps fresh masks per second over the same time
   */
  observe(now: number, fpsOut: number, maskFps: number): QualityChange | null {
    if (!(this.sourceFps > 0)) return null;
    const overloaded = fpsOut < 0.9 * this.sourceFps || maskFps < 0.25 * this.sourceFps;
    // Room: the frame rate is held and masks come for at least every other frame.
    const room = fpsOut >= 0.95 * this.sourceFps && maskFps >= 0.5 * this.sourceFps;
    this.overSince = overloaded ? (this.overSince ?? now) : null;
    this.looks.push({ at: now, room });
    while ((this.looks[1]?.at ?? now) <= now - this.upHold) this.looks.shift();
    if (now - this.lastChange < this.minIntervalMs) return null;
    const index = QUALITIES.indexOf(this.current);
    if (this.overSince !== null && now - this.overSince >= this.holdMs && index > 0) {
      if (now - this.lastStepUp < 20_000) this.upHold = Math.min(this.upHold * 2, 120_000);
      return this.change(QUALITIES[index - 1] as Quality, 'overloaded', now);
    }
    const ceiling = QUALITIES.indexOf(this.requested);
    const covered = (this.looks[0]?.at ?? now) <= now - this.upHold;
    const roomShare = this.looks.filter((l) => l.room).length / this.looks.length;
    if (room && covered && roomShare >= ROOM_SHARE && index < ceiling) {
      this.lastStepUp = now;
      return this.change(QUALITIES[index + 1] as Quality, 'headroom', now);
    }
    return null;
  }

  private change(quality: Quality, reason: QualityChange['reason'], now: number): QualityChange {
    this.current = quality;
    this.lastChange = now;
    this.overSince = null;
    this.looks = [];
    return { quality, reason };
  }
}
