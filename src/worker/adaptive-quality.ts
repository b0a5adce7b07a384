import { QUALITIES } from '../options';
import type { Quality } from '../types';

export interface QualityChange {
  quality: Quality;
  reason: 'overloaded' | 'headroom';
}

/**
 * Steps the quality level down when the level cannot hold the source's frame rate (output frames
 * below 90% of the source's) or its masks fall too far behind (fresh masks for fewer than a
 * quarter of the frames: people move while the mask stands still), and back up (never above the level the user asked
 * for) when there is room again. Decisions need the condition to persist (`holdMs`) and are at
 * least `minIntervalMs` apart, so it does not oscillate.
 */
const LOOK_EVERY_MS = 500;
const LOOK_AFTER_MS = 3000;

export class AdaptiveQuality {
  private current: Quality;
  private overSince: number | null = null;
  private roomSince: number | null = null;
  private lastChange = Number.NEGATIVE_INFINITY;
  private lastStepUp = Number.NEGATIVE_INFINITY;
  /** Doubles when a step up has to be undone soon after, so a level that does not fit is not retried every few seconds. */
  private upHold: number;

  constructor(
    private requested: Quality,
    private readonly sourceFps: number,
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
    this.roomSince = null;
    this.lastChange = now;
    this.upHold = this.upHoldMs;
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
    this.roomSince = room ? (this.roomSince ?? now) : null;
    if (now - this.lastChange < this.minIntervalMs) return null;
    const index = QUALITIES.indexOf(this.current);
    if (this.overSince !== null && now - this.overSince >= this.holdMs && index > 0) {
      if (now - this.lastStepUp < 20_000) this.upHold = Math.min(this.upHold * 2, 120_000);
      return this.change(QUALITIES[index - 1] as Quality, 'overloaded', now);
    }
    const ceiling = QUALITIES.indexOf(this.requested);
    if (this.roomSince !== null && now - this.roomSince >= this.upHold && index < ceiling) {
      this.lastStepUp = now;
      return this.change(QUALITIES[index + 1] as Quality, 'headroom', now);
    }
    return null;
  }

  private change(quality: Quality, reason: QualityChange['reason'], now: number): QualityChange {
    this.current = quality;
    this.lastChange = now;
    this.overSince = null;
    this.roomSince = null;
    return { quality, reason };
  }
}
