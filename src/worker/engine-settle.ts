/**
 * When an engine that loads for a level switch is ready to take over. Its first mask is not
 * enough: V8 compiles wasm lazily and moves hot functions to its optimising tier on background
 * threads during the first inferences. On this project's 2-core machine onnxruntime's first use
 * ran 60–80 ms per inference for about 2 s (against 20 ms once tiered up) while those background
 * compiles took a core; promoted on its first mask, the heavier `accurate` compositing ran against
 * them and the output skipped 3–5 camera frames in a row. Warmed until its inference time settles,
 * the cheaper level still serving meanwhile, the new engine takes over with that work done.
 *
 * This holds for an engine whose compiled module an earlier worker of the pipeline ran too
 * (tasks-vision coming back after `accurate`): its code is tiered up, but the new worker's own
 * start (its JavaScript, the graph, the first runs) still competes with compositing for a while.
 * Taking over on its first mask, the switch into `balanced` skipped 2–3 camera frames in a row in
 * 4 of 5 runs; settling first, 1 in 8 of 10 (2 and 3 in the other two).
 */

/** Inferences a new engine runs before its times can count as settled. */
export const SETTLE_MIN_SAMPLES = 6;
/**
 * Settled: the best time has not improved (by more than SETTLE_STEP) over the last SETTLE_WINDOW
 * inferences, and their median is within SETTLE_FACTOR of the best. Tier-up shows as times falling
 * over seconds with noise on top (one run: 67, 78, 62, 34, 50, 37, 41, 52, 45, 31, 24, 18, 20 ...),
 * so a window near its best is not enough on its own: 34 then 37, 41, 50 looked settled with 18
 * still to come.
 */
export const SETTLE_FACTOR = 1.25;
export const SETTLE_WINDOW = 4;
export const SETTLE_STEP = 0.1;
/** The longest a switch waits for settling after the new engine's first mask. */
export const SETTLE_LIMIT_MS = 4000;
/** The share of the time a settling engine may be busy (the serving engine needs the rest). */
export const SETTLE_DUTY = 0.5;

/** Whether a new engine's inference times (ms, in order) have stopped improving. */
export function inferenceSettled(samplesMs: readonly number[]): boolean {
  if (samplesMs.length < SETTLE_MIN_SAMPLES) return false;
  // The last time the best improved by more than SETTLE_STEP: a slightly lower time that noise
  // brings does not restart the wait.
  let best = Number.POSITIVE_INFINITY;
  let improvedAt = 0;
  for (const [i, ms] of samplesMs.entries()) {
    if (ms < best * (1 - SETTLE_STEP)) improvedAt = i;
    best = Math.min(best, ms);
  }
  if (samplesMs.length - 1 - improvedAt < SETTLE_WINDOW) return false;
  const recent = [...samplesMs.slice(-SETTLE_WINDOW)].sort((a, b) => a - b);
  const mid = recent.length / 2;
  const median =
    ((recent[Math.floor(mid - 0.5)] as number) + (recent[Math.floor(mid)] as number)) / 2;
  return median <= SETTLE_FACTOR * best;
}

/** Whether a settling engine may take another frame now: paced to SETTLE_DUTY of the time. */
export function maySettleRequest(now: number, lastRequestAt: number, lastMs: number): boolean {
  return now - lastRequestAt >= lastMs / SETTLE_DUTY;
}
