/**
 * The backend trial: once the engine chosen at start has served a while, the other backend for
 * the same model (tasks-vision CPU/GPU delegate, onnxruntime wasm/WebGPU) loads in its own worker
 * and gets the same frames; after TRIAL_SAMPLES answers the faster one is named. Owns the candidate
 * until it hands it over in the outcome; the engine switch (level-switch) applies the outcome.
 */

import type { LevelModel } from '../levels';
import type { WorkerSettings } from '../protocol';
import type { BackendChoice } from '../types';
import { alternativeBackend, type ChoiceContext, specFor } from './engine-choice';
import type { EngineFactory, EngineSlot } from './engine-slots';
import { FULL_FRAME } from './person-crop';
import type { RemoteSegmenter } from './remote-segmenter';

const TRIAL_SAMPLES = 8;
const TRIAL_TIMEOUT_MS = 15_000;
/** Frames the serving engine segments first: its own warm-up should not be what is compared. */
const TRIAL_AFTER_FRAMES = 15;

/** What is serving when a frame goes to the segmenter. */
export interface ServingEngine {
  slot: EngineSlot;
  /** backendKey() of the serving model on this device: one trial per key. */
  key: string;
  model: LevelModel;
  backendChoice: BackendChoice;
  framesSegmented: number;
  slowdown: number;
}

/** The end of a trial. `candidate` is the caller's now: serve with it or dispose it. */
export interface TrialOutcome {
  key: string;
  candidate: RemoteSegmenter | null;
  candidateWins: boolean;
  /** Median inference ms per backend; empty when nothing was measured. */
  measuredMs: Record<string, number>;
}

interface Trial {
  key: string;
  backend: string;
  candidate: RemoteSegmenter | null;
  candidateMs: number[];
  servingMs: number[];
  startedAt: number;
}

export class BackendTrials {
  private trial: Trial | null = null;
  /** Keys measured in this session: one trial per model and device. */
  private readonly done = new Set<string>();
  private disposed = false;

  constructor(
    private readonly mode: WorkerSettings['backendTrial'],
    private readonly choice: ChoiceContext,
    private readonly factory: EngineFactory,
  ) {}

  /** An answer of the serving engine, to compare the candidate with. */
  recordServing(inferenceMs: number): void {
    this.trial?.servingMs.push(inferenceMs);
  }

  /**
   * Called with each frame that goes to the serving engine: starts a trial when one is due, feeds
   * the candidate the same pixels, and returns the outcome once it has enough answers.
   */
  step(
    serving: ServingEngine,
    pixels: Uint8ClampedArray,
    timestampUs: number,
  ): TrialOutcome | null {
    if (this.disposed) return null;
    const now = performance.now();
    const trial = this.trial;
    if (!trial) {
      this.maybeStart(serving, now);
      return null;
    }
    const candidate = trial.candidate;
    if (candidate && !candidate.busy && trial.candidateMs.length < TRIAL_SAMPLES + 2) {
      // Timing only: the crop does not matter, its masks are never drawn.
      candidate.request(pixels, timestampUs, serving.slowdown, FULL_FRAME).then(
        (result) => {
          trial.candidateMs.push(result.inferenceMs);
          candidate.recycle(result);
        },
        () => undefined,
      );
    }
    if (trial.candidateMs.length < TRIAL_SAMPLES + 2 && now - trial.startedAt <= TRIAL_TIMEOUT_MS)
      return null;
    this.trial = null;
    // The first two calls of a fresh engine include its warm-up.
    const candidateP50 = median(trial.candidateMs.slice(2));
    const servingP50 = median(trial.servingMs.slice(-TRIAL_SAMPLES));
    return {
      key: trial.key,
      candidate: trial.candidate,
      candidateWins: candidateP50 > 0 && servingP50 > 0 && candidateP50 < 0.85 * servingP50,
      measuredMs: {
        [serving.slot.segmenter.info.backend]: servingP50,
        [trial.backend]: candidateP50,
      },
    };
  }

  private maybeStart(serving: ServingEngine, now: number): void {
    if (serving.backendChoice !== 'default' || this.done.has(serving.key)) return;
    if (this.mode === 'never' || (this.mode === 'auto' && this.choice.software)) return;
    if (serving.framesSegmented < TRIAL_AFTER_FRAMES) return;
    const other = alternativeBackend(
      serving.model,
      serving.slot.segmenter.info.backend,
      this.choice,
    );
    this.done.add(serving.key);
    if (!other) return;
    const trial: Trial = {
      key: serving.key,
      backend: other,
      candidate: null,
      candidateMs: [],
      servingMs: [],
      startedAt: now,
    };
    this.trial = trial;
    this.factory.newSegmenter(specFor(serving.model, other, this.choice)).then(
      (candidate) => {
        if (this.trial === trial && !this.disposed) trial.candidate = candidate;
        else candidate.dispose();
      },
      (error: unknown) => {
        console.warn(`[Pipeline] ${other} backend did not load for the measurement:`, error);
        if (this.trial === trial) this.trial = null;
      },
    );
  }

  /** A level switch or stop: the measurement no longer applies. */
  cancel(): void {
    this.trial?.candidate?.dispose();
    this.trial = null;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
