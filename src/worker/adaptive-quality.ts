import type { Quality } from '../types';

const ORDER: Quality[] = ['fast', 'balanced', 'accurate'];

export interface QualityChange {
  quality: Quality;
  reason: 'overloaded' | 'headroom';
}

/**
 * Steps the quality level down when the pipeline cannot hold the source's frame rate even with the
 * scheduler reusing masks as much as it may, and back up (never above the level the user asked
 * for) when there is room again. Decisions need the condition to persist (`holdMs`) and are at
 * least `minIntervalMs` apart, so it does not oscillate.
 */
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

  /**
   * @param fpsOut output frames per second over the last couple of seconds
   * @param reuseAtMax whether the scheduler is already at its sparsest cadence
   */
  observe(now: number, fpsOut: number, reuseAtMax: boolean): QualityChange | null {
    if (!(this.sourceFps > 0)) return null;
    const overloaded = fpsOut < 0.9 * this.sourceFps && reuseAtMax;
    // Room: the frame rate is held and the scheduler could still reuse masks more.
    const room = fpsOut >= 0.95 * this.sourceFps && !reuseAtMax;
    this.overSince = overloaded ? (this.overSince ?? now) : null;
    this.roomSince = room ? (this.roomSince ?? now) : null;
    if (now - this.lastChange < this.minIntervalMs) return null;
    const index = ORDER.indexOf(this.current);
    if (this.overSince !== null && now - this.overSince >= this.holdMs && index > 0) {
      if (now - this.lastStepUp < 20_000) this.upHold = Math.min(this.upHold * 2, 120_000);
      return this.change(ORDER[index - 1] as Quality, 'overloaded', now);
    }
    const ceiling = ORDER.indexOf(this.requested);
    if (this.roomSince !== null && now - this.roomSince >= this.upHold && index < ceiling) {
      this.lastStepUp = now;
      return this.change(ORDER[index + 1] as Quality, 'headroom', now);
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
