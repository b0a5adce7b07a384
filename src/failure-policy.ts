/**
 * What the pipeline does when its parts fail, kept apart from the workers and the GL so it can be
 * tested on its own (test/unit/failure-policy.test.ts).
 */

/** Failures counted over a sliding window. */
export class FailureWindow {
  private times: number[] = [];

  constructor(private readonly windowMs: number) {}

  /** Failures within the window before `now`. */
  count(now: number): number {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    return this.times.length;
  }

  /** Records one at `now`; returns how many the window holds with it. */
  record(now: number): number {
    const before = this.count(now);
    this.times.push(now);
    return before + 1;
  }
}

/**
 * The serving engine failed for the `failures`-th time within a minute: the first time a new
 * engine for the same level; from the second a lower level on another engine where there is one;
 * with none, a new engine again, until the fourth, when the pipeline gives up (the page then
 * restarts the whole pipeline worker, within its own budget).
 */
export function engineFailureAction(
  failures: number,
  hasLowerEngine: boolean,
): 'replace' | 'step-down' | 'give-up' {
  if (failures >= 2 && hasLowerEngine) return 'step-down';
  if (failures >= 4) return 'give-up';
  return 'replace';
}
