/**
 * The engines behind the levels: which engine serves (the active slot), and a switch to a level or
 * model on another engine — it loads beside the serving one, gets paced frames while its inference
 * times settle, builds its output programs, takes over, and the old engine is released. Also the
 * backend trial's outcome (same model, other backend) and the mask requests of both slots. Owns the
 * slots, the engines retiring after a switch, the trial and the engine factory.
 */

import { VirtualBackgroundError } from '../errors';
import type { CompositeBackground } from '../gl/composite-stage';
import type { InputPath } from '../gl/frame-input-stage';
import type { Picture } from '../gl/picture';
import { LEVELS, type LevelModel } from '../levels';
import { QUALITIES } from '../options';
import type { WorkerSettings } from '../protocol';
import type { BackendChoice, Quality } from '../types';
import { BackendTrials } from './backend-trial';
import { backendKey, type ChoiceContext, chooseBackend, engineKey, specFor } from './engine-choice';
import { inferenceSettled, maySettleRequest, SETTLE_LIMIT_MS } from './engine-settle';
import { EngineFactory, type EngineSlot } from './engine-slots';
import type { FrameCompositor } from './frame-compositor';
import { type CropRect, FULL_FRAME, nextCrop, personBox } from './person-crop';
import type { RemoteSegmenter } from './remote-segmenter';
import type { SegmenterInfo } from './segmenter';

/** A level change that needs a different engine: loads beside the serving one, then takes over. */
interface PendingSwitch {
  quality: Quality;
  key: string;
  slot: EngineSlot | null;
  /** The new level's output programs are built (one frame after its engine's first answer). */
  warmed: boolean;
  /** The new engine's inference times so far: it takes over once they settle (engine-settle). */
  inferenceMs: number[];
  lastRequestAt: number;
  firstMaskAt: number | null;
  waiters: Array<{ resolve(): void; reject(error: unknown): void }>;
}

export interface LevelSwitchHooks {
  /** An answer of the serving engine. */
  served(inferenceMs: number): void;
  report(error: unknown, fatal: boolean): void;
  /** A backend was measured against another on this device: worth remembering. */
  backendMeasured(key: string, backend: string, measuredMs: Record<string, number>): void;
  /**
   * The serving engine is gone (its worker stopped answering) or fails request after request; the
   * last mask serves meanwhile. Called once per engine.
   */
  engineFailed(): void;
}

/** Failed requests in a row after which a live engine counts as failed (a second at 30 fps). */
const FAILURES_BEFORE_REPLACING = 30;

/** The old engine's worker outlives its switch by this long (see promote()). */
const RETIRE_AFTER_MS = 1000;

export class LevelSwitch {
  readonly factory: EngineFactory;
  private readonly trials: BackendTrials;
  private serving: EngineSlot | null = null;
  /** engineKey() of the serving engine. */
  private activeKey = '';
  private choiceKind: BackendChoice = 'default';
  /** Kept after dispose() so the final stats still name the engine that ran. */
  private segmenterInfo: SegmenterInfo | null = null;
  private pending: PendingSwitch | null = null;
  private readonly retiring = new Set<RemoteSegmenter>();
  private consecutiveFailures = 0;
  /** Engines already reported to engineFailed(). */
  private readonly failed = new WeakSet<RemoteSegmenter>();
  private disposed = false;
  /** The level the serving engine draws with. */
  quality: Quality;
  /** The user's model for every level, or null for the levels' own. */
  customModel: LevelModel | null;
  /** Test hook: segmentation made this many times slower. */
  slowdown: number;

  constructor(
    gl: WebGL2RenderingContext,
    private readonly choice: ChoiceContext,
    settings: WorkerSettings,
    private readonly hooks: LevelSwitchHooks,
  ) {
    this.factory = new EngineFactory(gl);
    this.trials = new BackendTrials(settings.backendTrial, choice, this.factory);
    this.quality = settings.quality;
    this.customModel = settings.model;
    this.slowdown = settings.segmentationSlowdown;
  }

  get active(): EngineSlot | null {
    return this.serving;
  }

  /** What engine keys are computed against (engine-choice.ts). */
  get choiceContext(): ChoiceContext {
    return this.choice;
  }

  get info(): SegmenterInfo | null {
    return this.segmenterInfo;
  }

  get backendChoice(): BackendChoice {
    return this.choiceKind;
  }

  /** Whether another engine is loading or settling to take over. */
  get switching(): boolean {
    return this.pending !== null;
  }

  modelFor(quality: Quality): LevelModel {
    return this.customModel ?? LEVELS[quality].model;
  }

  /** Loads the engine for the current level. Rejects with a typed error; nothing is left running then. */
  async load(): Promise<void> {
    const model = this.modelFor(this.quality);
    const { backend, choice } = chooseBackend(model, this.choice);
    const slot = await this.factory.createSlot(specFor(model, backend, this.choice));
    this.factory.disposeSlot(this.serving);
    this.serving = slot;
    this.activeKey = engineKey(model, this.choice);
    this.choiceKind = choice;
    this.segmenterInfo = slot.segmenter.info;
  }

  /**
   * Live once this resolves. A level on another engine loads in its own worker while the current
   * one keeps serving, and takes over once its inference times settle, so the output never waits
   * for a model to load. Rejects with a typed error (a model that does not load); the current level
   * keeps serving then.
   */
  switchTo(quality: Quality, freshEngine = false): Promise<void> {
    const model = this.modelFor(quality);
    const key = engineKey(model, this.choice);
    if (key === this.activeKey && !freshEngine) {
      // Same engine: only mask settings differ, so the switch is immediate.
      this.cancelPending();
      this.quality = quality;
      return Promise.resolve();
    }
    if (this.pending && this.pending.key === key) {
      this.pending.quality = quality;
      const pending = this.pending;
      return new Promise((resolve, reject) => pending.waiters.push({ resolve, reject }));
    }
    this.cancelPending();
    this.trials.cancel();
    const pending: PendingSwitch = {
      quality,
      key,
      slot: null,
      warmed: false,
      inferenceMs: [],
      lastRequestAt: Number.NEGATIVE_INFINITY,
      firstMaskAt: null,
      waiters: [],
    };
    this.pending = pending;
    const done = new Promise<void>((resolve, reject) => pending.waiters.push({ resolve, reject }));
    const { backend } = chooseBackend(model, this.choice);
    this.factory.createSlot(specFor(model, backend, this.choice)).then(
      (slot) => {
        if (this.pending !== pending) {
          this.factory.disposeSlot(slot);
          return;
        }
        pending.slot = slot;
      },
      (error: unknown) => {
        if (this.pending === pending) this.pending = null;
        for (const w of pending.waiters) w.reject(error);
      },
    );
    return done;
  }

  /**
   * A new engine for the level being drawn, loaded beside the failed one (whose last mask, moved
   * with the picture, serves meanwhile) and taking over like a level switch.
   */
  replaceEngine(): Promise<void> {
    return this.switchTo(this.quality, true);
  }

  /** A newer request superseded the pending switch: its callers see the switch as done. */
  private cancelPending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.factory.disposeSlot(pending.slot);
    for (const w of pending.waiters) w.resolve();
  }

  /**
   * The incoming engine has a mask waiting and its inference times have settled (engine-settle),
   * or it waited long enough: it serves from this frame on; the old one is released.
   */
  promote(now: number): void {
    const pending = this.pending;
    if (!pending?.slot || !this.promotionDue(now)) return;
    this.pending = null;
    const old = this.serving;
    if (old) {
      // Its GL stages go now, its worker a second later: terminated on the switch's own frame,
      // the old engine's teardown (a wasm heap with the model and its runtime) competed with the
      // new level's first frames. Switch test, accurate → balanced, largest gap: 134–196 ms
      // with the terminate on that frame, 129–137 ms deferred (5 runs each).
      old.mask.dispose();
      old.downscale.dispose();
      for (const stage of old.spares) stage.dispose();
      this.retiring.add(old.segmenter);
      setTimeout(() => {
        if (this.retiring.delete(old.segmenter)) old.segmenter.dispose();
      }, RETIRE_AFTER_MS);
    }
    this.serving = pending.slot;
    this.activeKey = pending.key;
    this.choiceKind = chooseBackend(this.modelFor(pending.quality), this.choice).choice;
    this.segmenterInfo = pending.slot.segmenter.info;
    this.quality = pending.quality;
    for (const w of pending.waiters) w.resolve();
  }

  /** Whether promote(now) would hand over: a frame still to be drawn by the old engine goes first. */
  promotionDue(now: number): boolean {
    const pending = this.pending;
    if (!pending?.slot?.ready || !pending.warmed) return false;
    const waited = now - (pending.firstMaskAt ?? now);
    return inferenceSettled(pending.inferenceMs) || waited >= SETTLE_LIMIT_MS;
  }

  /**
   * The level whose mask and compositing settings draw this frame: the current one, except while a
   * switch to a cheaper level loads, when the cheaper settings apply at once. The new engine's
   * load then competes with less compositing work, and the user asked for cheaper anyway.
   */
  drawnQuality(): Quality {
    const target = this.pending?.quality;
    if (!target) return this.quality;
    return QUALITIES.indexOf(target) < QUALITIES.indexOf(this.quality) ? target : this.quality;
  }

  /** Where `slot` looks when it draws `quality`: around the person at a crop level, else everywhere. */
  cropFor(slot: EngineSlot, quality: Quality): CropRect {
    // A custom model's classes need not be a person in a call: it sees the whole frame.
    return LEVELS[quality].crop && !this.customModel ? slot.crop : FULL_FRAME;
  }

  /**
   * Asks `slot`'s engine for a mask of `pixels` (`crop` of a frame of `frame`'s size); the answer
   * lands in slot.ready, and moves the slot's crop to where the person is in it.
   */
  requestMask(
    slot: EngineSlot,
    pixels: Uint8ClampedArray,
    timestampUs: number,
    crop: CropRect,
    frame: { width: number; height: number },
  ): void {
    const segmenter = slot.segmenter;
    const request: Promise<void> = segmenter
      .request(pixels, timestampUs, this.slowdown, crop, frame.width / frame.height)
      .then(
        (result) => {
          if (slot.request === request) slot.request = null;
          const { width, height } = segmenter.spec;
          const box = personBox(result.mask, width, height, result.crop);
          slot.box = box;
          slot.crop = nextCrop(box, result.crop, slot.crop, frame, { width, height });
          if (slot.ready) slot.segmenter.recycle(slot.ready);
          slot.ready = result;
          this.consecutiveFailures = 0;
          if (slot === this.pending?.slot) {
            this.pending.inferenceMs.push(result.inferenceMs);
            this.pending.firstMaskAt ??= performance.now();
          }
          if (slot === this.serving) {
            this.hooks.served(result.inferenceMs);
            this.trials.recordServing(result.inferenceMs);
          }
        },
        (error: unknown) => {
          if (slot.request === request) slot.request = null;
          if (this.disposed || (slot !== this.serving && slot !== this.pending?.slot)) return;
          const pending = this.pending;
          if (slot === pending?.slot && segmenter.dead) {
            // The engine loading for a switch died: the switch fails, the serving level stays.
            this.pending = null;
            this.factory.disposeSlot(slot);
            for (const w of pending.waiters) w.reject(error);
            return;
          }
          // Keep compositing with the last mask: a hiccup must not show the raw room.
          this.consecutiveFailures++;
          if (
            slot === this.serving &&
            !this.failed.has(segmenter) &&
            (segmenter.dead || this.consecutiveFailures >= FAILURES_BEFORE_REPLACING)
          ) {
            this.failed.add(segmenter);
            this.hooks.engineFailed();
          }
          if (this.consecutiveFailures === 1 || this.consecutiveFailures % 300 === 0) {
            this.hooks.report(
              error instanceof VirtualBackgroundError
                ? error
                : new VirtualBackgroundError('segmentation-failed', String(error), {
                    cause: error,
                  }),
              false,
            );
          }
        },
      );
    slot.request = request;
  }

  /**
   * The engine that is loading for a level switch gets frames until it takes over, paced while its
   * inference times settle. Its masks only wait in slot.ready: the takeover applies the newest to a
   * stage with no history. Its mask programs were compiled by the warm-up at start; applied here
   * every frame instead, the incoming level's mask passes and the readback behind them cost 40–100
   * ms per frame on this machine while the old level still served.
   */
  feedPending(picture: Picture, timestampUs: number): void {
    const pending = this.pending;
    const slot = pending?.slot;
    if (!pending || !slot || slot.segmenter.busy) return;
    const now = performance.now();
    if (!maySettleRequest(now, pending.lastRequestAt, pending.inferenceMs.at(-1) ?? 0)) return;
    pending.lastRequestAt = now;
    const crop = this.cropFor(slot, pending.quality);
    slot.downscale.render(picture, crop);
    this.requestMask(slot, slot.downscale.read().data, timestampUs, crop, picture);
  }

  /**
   * Builds the incoming level's output programs on a frame before it takes over, once its engine
   * answered: the warm-up at start built them for the background of that time, not for one set
   * since (its mask stage, still empty, stands in for the mask).
   */
  warmPending(
    compositor: FrameCompositor,
    picture: Picture,
    bg: CompositeBackground,
    outputPath: InputPath,
  ): void {
    const pending = this.pending;
    const slot = pending?.slot;
    if (!pending || !slot || pending.firstMaskAt === null || pending.warmed) return;
    if (outputPath === 'planes') {
      compositor.prepareOutput(
        picture,
        { texture: slot.mask.output(), width: slot.mask.outputWidth },
        bg,
        LEVELS[pending.quality],
      );
    }
    pending.warmed = true;
  }

  /**
   * The serving engine was just sent `pixels`: the backend trial gets them too, and once it ends the
   * faster backend serves (same model and input size: the stages stay, only the engine changes).
   */
  stepTrial(pixels: Uint8ClampedArray, timestampUs: number, framesSegmented: number): void {
    const slot = this.serving;
    if (!slot || this.pending || this.disposed) return;
    // Backends are measured and remembered per model file, whatever classes it keeps.
    const trialKey = backendKey(this.modelFor(this.quality), this.choice);
    const outcome = this.trials.step(
      {
        slot,
        key: trialKey,
        model: this.modelFor(this.quality),
        backendChoice: this.choiceKind,
        framesSegmented,
        slowdown: this.slowdown,
      },
      pixels,
      timestampUs,
    );
    if (!outcome) return;
    const measured = Object.keys(outcome.measuredMs).length > 0;
    if (outcome.candidateWins && outcome.candidate && outcome.key === trialKey) {
      const old = slot.segmenter;
      if (slot.ready) old.recycle(slot.ready);
      slot.ready = null;
      slot.segmenter = outcome.candidate;
      old.dispose();
      this.segmenterInfo = slot.segmenter.info;
      this.choiceKind = 'measured';
    } else {
      outcome.candidate?.dispose();
      if (measured) this.choiceKind = 'measured';
    }
    if (measured)
      this.hooks.backendMeasured(outcome.key, slot.segmenter.info.backend, outcome.measuredMs);
  }

  /** Testing only: a fault in the serving engine (RemoteSegmenter.simulateFault). */
  simulateFault(fault: 'crash' | 'throw'): void {
    this.serving?.segmenter.simulateFault(fault);
  }

  /** Releases every engine, then the factory's stages and compiled modules. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.trials.dispose();
    this.cancelPending();
    this.factory.disposeSlot(this.serving);
    this.serving = null;
    for (const segmenter of this.retiring) segmenter.dispose();
    this.retiring.clear();
    this.factory.dispose();
  }
}
