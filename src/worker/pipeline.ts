/**
 * The conductor of the pipeline worker: turns one camera frame into one output frame by wiring the
 * parts, and carries the user's choices (level, model, background, adaptive quality) to them. Owns
 * the GL context and the parts; each part owns its own resources:
 * - FrameCompositor (frame-compositor.ts): input path, background, compositing, output path;
 * - LevelSwitch (level-switch.ts): the serving engine slot, level/model switches, backend trial;
 * - MaskScheduler, requestOwnMask (mask-request.ts): which frames get a fresh mask, how long a
 *   frame may wait for it;
 * - drawHeldFrame (held-frame.ts): a frame held for its own mask, drawn once it is in;
 * - PathProbe: which input path is cheaper here; warmUp (warm-up.ts): the start-up GL compiles;
 * - AdaptiveQuality: steps the level down under load and back; PipelineStats: the stats.
 */
import { VirtualBackgroundError } from '../errors';
import { engineFailureAction, FailureWindow } from '../failure-policy';
import { canUploadPlanes } from '../gl/frame-input-stage';
import { LEVELS, type LevelModel } from '../levels';
import { QUALITIES } from '../options';
import type { BackgroundPayload, WorkerFault, WorkerSettings } from '../protocol';
import type { ProcessorStats, Quality } from '../types';
import { AdaptiveQuality, type QualityChange } from './adaptive-quality';
import { choiceContextFor, engineKey } from './engine-choice';
import { swapDownscale } from './engine-slots';
import { FrameCompositor } from './frame-compositor';
import type { FrameLedger } from './frame-ledger';
import { countGlObjects, createPipelineContext } from './gl-context';
import { drawHeldFrame, type HeldFrame, type HeldFrameContext } from './held-frame';
import { LevelSwitch } from './level-switch';
import { requestOwnMask } from './mask-request';
import { MaskScheduler } from './mask-scheduler';
import { PathProbe } from './path-probe';
import { PipelineStats } from './pipeline-stats';
import { warmUp } from './warm-up';

/** Engine failures counted together (engineFailed). */
const ENGINE_FAILURE_WINDOW_MS = 60_000;

export class FramePipeline implements HeldFrameContext {
  private readonly canvas: OffscreenCanvas;
  private readonly gl: WebGL2RenderingContext;
  private readonly software: boolean;
  /** GL objects alive in the context (stats().glObjects): 0 again after dispose(). */
  private readonly glObjects: { readonly live: number };
  readonly compositor: FrameCompositor;
  readonly levels: LevelSwitch;
  readonly probe: PathProbe;
  readonly scheduler: MaskScheduler;
  private readonly adaptive: AdaptiveQuality;
  readonly counters: PipelineStats;
  private adaptiveOn: boolean;
  /** The user's choice: the ceiling for adaptive quality. */
  private requestedQuality: Quality;
  private contextLost = false;
  private disposed = false;
  readonly isDisposed = () => this.disposed;
  /** The frame waiting for its own mask (process()); its picture and small picture stay in GL. */
  private held: HeldFrame | null = null;
  /** Capture timestamp (µs) of the newest frame that entered process(), finished or not. */
  latestTimestamp: number | null = null;
  onQualityChange: ((change: QualityChange & { requested: Quality }) => void) | null = null;
  /** A backend was measured against another on this device: worth remembering. */
  onBackendMeasured:
    | ((key: string, backend: string, measuredMs: Record<string, number>) => void)
    | null = null;

  constructor(
    private readonly settings: WorkerSettings,
    private readonly ledger: FrameLedger,
    frameRate: number,
    private readonly report: (error: unknown, fatal: boolean) => void,
    /** canvas io: each composited picture goes out as an ImageBitmap (takeBitmap), not a VideoFrame. */
    canvasSink = false,
  ) {
    this.canvas = new OffscreenCanvas(16, 16);
    const gl = createPipelineContext(this.canvas);
    this.gl = gl;
    this.glObjects = countGlObjects(gl);
    this.canvas.addEventListener('webglcontextlost', (event) => {
      event.preventDefault();
      if (this.disposed) return; // dispose() loses the context on purpose
      this.contextLost = true;
      this.report(new VirtualBackgroundError('gl-error', 'the WebGL context was lost'), true);
    });
    const choice = choiceContextFor(settings, gl);
    this.software = choice.software;
    this.counters = new PipelineStats(frameRate);
    this.scheduler = new MaskScheduler(frameRate > 0 ? 1000 / frameRate : 0);
    this.adaptive = new AdaptiveQuality(settings.quality, frameRate);
    this.adaptiveOn = settings.adaptive;
    this.requestedQuality = settings.quality;
    this.probe = new PathProbe(settings.inputPath !== 'auto' ? settings.inputPath : null);
    this.compositor = new FrameCompositor(
      gl,
      this.canvas,
      canvasSink,
      settings.outputPath,
      ledger,
      report,
    );
    this.levels = new LevelSwitch(gl, choice, settings, {
      served: (ms) => {
        this.counters.inference(ms);
        this.scheduler.recordInference(ms);
      },
      report,
      backendMeasured: (key, backend, ms) => this.onBackendMeasured?.(key, backend, ms),
      engineFailed: () => this.engineFailed(),
    });
  }

  /** The serving engine's failures over the last minute (engineFailed). */
  private readonly engineFailures = new FailureWindow(ENGINE_FAILURE_WINDOW_MS);

  /**
   * The serving engine died or keeps failing; its last mask, moved with the picture, serves
   * meanwhile. A new engine for the same level, or a step down to the nearest lower level on
   * another engine (`accurate` → `balanced`), kept as the ceiling until the user picks a level,
   * or giving up (engineFailureAction).
   */
  private engineFailed(): void {
    const now = performance.now();
    const levels = this.levels;
    const failingKey = engineKey(levels.modelFor(levels.quality), levels.choiceContext);
    const lower = QUALITIES.slice(0, QUALITIES.indexOf(levels.quality))
      .reverse()
      .find((q) => engineKey(levels.modelFor(q), levels.choiceContext) !== failingKey);
    const action = engineFailureAction(this.engineFailures.record(now), lower !== undefined);
    if (action === 'step-down' && lower) {
      this.adaptive.lowerCeiling(lower, now);
      levels.switchTo(lower).then(
        () =>
          this.onQualityChange?.({
            quality: lower,
            reason: 'engine-failed',
            requested: this.requestedQuality,
          }),
        (error: unknown) => this.report(error, false),
      );
    } else if (action === 'give-up') {
      this.report(
        new VirtualBackgroundError('pipeline-failed', 'the segmenter failed 4 times in a minute'),
        true,
      );
    } else {
      levels.replaceEngine().catch((error: unknown) => this.report(error, false));
    }
  }

  /** Another camera's declared frame rate: what the scheduler, adaptive quality and the stats measure against. */
  setFrameRate(frameRate: number): void {
    if (!(frameRate > 0)) return;
    this.counters.setFrameRate(frameRate);
    this.scheduler.frameIntervalMs = 1000 / frameRate;
    this.adaptive.sourceFps = frameRate;
  }

  /** Testing only: faults a call meets (VirtualBackgroundProcessor.simulateFault). */
  simulateFault(fault: WorkerFault): void {
    if (fault === 'context-lost') this.gl.getExtension('WEBGL_lose_context')?.loseContext();
    else this.levels.simulateFault(fault === 'segmenter-crash' ? 'crash' : 'throw');
  }

  /** Loads the engine for the current level. Rejects with a typed error; nothing is left running then. */
  loadSegmenter(): Promise<void> {
    return this.levels.load();
  }

  /**
   * A custom model (or null: back to the built-in ones), live like a level change. Rejects with a
   * typed error and keeps the current model when it does not load.
   */
  async setModel(model: LevelModel | null, quality?: Quality): Promise<void> {
    const previous = this.levels.customModel;
    this.levels.customModel = model;
    try {
      await this.setQuality(quality ?? this.requestedQuality);
    } catch (error) {
      this.levels.customModel = previous;
      throw error;
    }
  }

  /** The user's choice: the ceiling for adaptive quality, and live once this resolves (LevelSwitch.switchTo). */
  async setQuality(quality: Quality): Promise<void> {
    const previous = this.requestedQuality;
    this.requestedQuality = quality;
    this.adaptive.request(quality, performance.now());
    try {
      await this.levels.switchTo(quality);
    } catch (error) {
      this.requestedQuality = previous;
      this.adaptive.request(previous, performance.now());
      throw error;
    }
  }

  setAdaptive(on: boolean): void {
    this.adaptiveOn = on;
    if (!on && this.levels.quality !== this.requestedQuality) {
      this.levels
        .switchTo(this.requestedQuality)
        .catch((error: unknown) => this.report(error, false));
    }
  }

  setSlowdown(factor: number): void {
    this.levels.slowdown = factor;
  }

  /** Resolves with the capture timestamp of the last frame drawn with the old background. */
  setBackground(payload: BackgroundPayload): Promise<number | null> {
    return this.compositor.setBackground(payload);
  }

  /** Adaptive quality looks at the output rate and the mask rate; a switch under way lands first. */
  private adapt(): void {
    const now = performance.now();
    if (!this.adaptive.due(now, this.adaptiveOn && !this.levels.switching)) return;
    const change = this.adaptive.observe(
      now,
      this.counters.outputFps(now),
      this.counters.maskFps(now),
    );
    if (!change) return;
    const from = this.levels.quality;
    this.levels.switchTo(change.quality).then(
      () => this.onQualityChange?.({ ...change, requested: this.requestedQuality }),
      (error: unknown) => {
        this.adaptive.settle(from);
        this.report(error, false);
      },
    );
  }

  /** Every GL pass the output can take, once, on the camera's first frame (warm-up.ts). */
  warmUp(frame: VideoFrame): Promise<void> {
    return warmUp(
      {
        gl: this.gl,
        compositor: this.compositor,
        levels: this.levels,
        probe: this.probe,
        ledger: this.ledger,
        software: this.software,
        isDisposed: () => this.disposed,
      },
      frame,
    );
  }

  /**
   * Takes one camera frame and emits, in capture order, the frames that are ready, each drawn with
   * the mask of that same frame: a frame is held (picture in GL, mask requested) while the next one
   * is uploaded and sent, then drawn (held-frame.ts), so inference overlaps compositing at the
   * cost of one frame of latency. The caller keeps the input frame; an emitted frame is that same
   * frame (passthrough) or a new one the caller must adopt.
   */
  async process(
    frame: VideoFrame,
    receivedAt: number,
    emit: (out: VideoFrame) => void,
  ): Promise<void> {
    if (this.contextLost)
      throw new VirtualBackgroundError('gl-error', 'the WebGL context was lost');
    this.counters.frameIn(frame.timestamp, receivedAt);
    this.scheduler.recordFrameIn();
    this.latestTimestamp = frame.timestamp;
    const kind = this.compositor.backgroundKind;
    if (kind === 'none' && !this.compositor.canvasSink) {
      await this.drawHeld(emit);
      this.counters.frameOut(receivedAt, 0, 'passthrough');
      emit(frame);
      return;
    }
    const levels = this.levels;
    // A takeover releases the old engine's stages: the frame held for its mask is drawn first.
    if (levels.promotionDue(performance.now())) await this.drawHeld(emit);
    levels.promote(performance.now());
    const slot = levels.active;
    if (!slot) throw new VirtualBackgroundError('invalid-state', 'no segmenter loaded');
    const start = performance.now();
    const path = canUploadPlanes(frame.format) ? this.probe.next() : 'texture';
    const outputPath = this.compositor.outputPathFor(path);
    const picture = await this.compositor.upload(frame, path);
    const crop = levels.cropFor(slot, levels.drawnQuality());
    // While another engine loads and settles beside this one, leave it the CPU: its wasm
    // compile and warm-up otherwise compete with compositing on a 2-core machine and frames
    // stall.
    this.scheduler.dutyCap = levels.switching ? 0.25 : 1;
    this.scheduler.scheduling = LEVELS[levels.drawnQuality()].scheduling;
    const request = requestOwnMask(
      levels,
      this.scheduler,
      slot,
      {
        picture,
        timestamp: frame.timestamp,
        crop,
        small: slot.downscale.render(picture, crop),
      },
      this.counters.framesSegmented,
    );
    levels.feedPending(picture, frame.timestamp);
    const uploadMs = performance.now() - start;
    await this.drawHeld(emit);
    if (this.levels.active !== slot) return; // stopped meanwhile
    // This frame's small picture stays in its stage while it waits; the next frame gets the other.
    swapDownscale(this.gl, slot, frame.timestamp, request.crop);
    this.held = {
      timing: {
        timestamp: frame.timestamp,
        duration: frame.duration,
        displayWidth: frame.displayWidth,
        displayHeight: frame.displayHeight,
      },
      receivedAt,
      picture,
      small: request.small,
      smallCrop: request.crop,
      slot,
      request: request.sent ? slot.request : null,
      cut: request.cut,
      path,
      outputPath,
      uploadMs,
    };
  }

  /** Draws the held frame, if any, once its own mask is in (or its wait is over) and emits it. */
  private async drawHeld(emit: (out: VideoFrame) => void): Promise<void> {
    const held = this.held;
    if (!held) return;
    this.held = null;
    const drawn = await drawHeldFrame(this, held);
    if (!drawn) return;
    this.adapt();
    this.counters.frameOut(held.receivedAt, drawn.composeMs, held.path);
    if (drawn.out) emit(drawn.out);
  }

  /** canvas io: the newest composited picture since the last call, for the page to show. */
  takeBitmap(): ImageBitmap | null {
    return this.compositor.takeBitmap();
  }

  stats(): ProcessorStats {
    return this.counters.snapshot({
      quality: this.levels.quality,
      info: this.levels.info,
      backendChoice: this.levels.backendChoice,
      outputPathSetting: this.settings.outputPath,
      framesOpen: this.ledger.count,
      glObjects: this.glObjects.live,
    });
  }

  /** Engines first (their stages), then the shared stages, then the context itself. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // A held frame is only GL state (its VideoFrame went back to the caller): nothing to close.
    this.held = null;
    this.levels.dispose();
    this.compositor.dispose();
    this.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
