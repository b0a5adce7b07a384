import { VirtualBackgroundError } from '../errors';
import { createBlurStage } from '../gl/blur-stage';
import { createCompositeStage } from '../gl/composite-stage';
import { createDownscaleStage, type DownscaleStage } from '../gl/downscale-stage';
import { canUploadPlanes, createFrameInputStage } from '../gl/frame-input-stage';
import type { RenderTarget } from '../gl/gl-utils';
import { createMaskStage, type MaskStage, prewarmMaskPrograms } from '../gl/mask-stage';
import { createOutputStage } from '../gl/output-stage';
import type { Picture } from '../gl/picture';
import { LEVELS, type LevelConfig, type LevelModel } from '../levels';
import { DEFAULT_BLUR_RADIUS, QUALITIES } from '../options';
import type { BackgroundPayload, WorkerSettings } from '../protocol';
import type { BackendChoice, ProcessorStats, Quality } from '../types';
import { AdaptiveQuality, type QualityChange } from './adaptive-quality';
import { type ActiveBackground, imageBackground, videoBackground } from './backgrounds';
import {
  alternativeBackend,
  backendKey,
  type ChoiceContext,
  chooseBackend,
  specFor,
} from './engine-choice';
import { inferenceSettled, maySettleRequest, SETTLE_LIMIT_MS } from './engine-settle';
import type { FrameLedger } from './frame-ledger';
import { MaskScheduler } from './mask-scheduler';
import { PathProbe } from './path-probe';
import { type MaskResult, RemoteSegmenter } from './remote-segmenter';
import type { EngineSpec, SegmenterInfo } from './segmenter';
import { droppedSince, RateMeter, SampleWindow } from './stats';

/** The real renderer name; gl.RENDERER says only "WebKit WebGL" in Chrome. */
export function rendererName(gl: WebGL2RenderingContext): string {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
}

function isSoftwareRenderer(gl: WebGL2RenderingContext): boolean {
  const renderer = rendererName(gl);
  return /swiftshader|llvmpipe|software|basic render/i.test(renderer);
}

/** One engine with the stages sized for its model: they live and die together. */
interface EngineSlot {
  segmenter: RemoteSegmenter;
  downscale: DownscaleStage;
  mask: MaskStage;
  /** The newest mask that arrived and is not applied yet. */
  ready: MaskResult | null;
  /** When this slot's segmenter was last asked for a mask and has not answered yet. */
  request: Promise<void> | null;
}

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

/** A measurement of the other backend, at start, while the chosen one serves. */
interface BackendTrial {
  key: string;
  backend: string;
  candidate: RemoteSegmenter | null;
  candidateMs: number[];
  servingMs: number[];
  startedAt: number;
}

/** Wait this long for the very first mask: the alternative is a frame with no person in it. */
const FIRST_MASK_WAIT_MS = 1000;
const TRIAL_SAMPLES = 8;
const TRIAL_TIMEOUT_MS = 15_000;

/**
 * The per-frame work of the worker: GL context, stages, the segmenter workers and background.
 * One owner for all of them: dispose() releases engines, stages in reverse order of creation, the
 * background and the context itself.
 */
export class FramePipeline {
  private readonly canvas: OffscreenCanvas;
  /** canvas io: the canvas is the output; process() draws into it and returns no frame. */
  private readonly canvasSink: boolean;
  private readonly gl: WebGL2RenderingContext;
  private readonly choice: ChoiceContext;
  private readonly input;
  private readonly blur;
  private readonly composite;
  private readonly output;
  private readonly releaseMaskPrograms: () => void;
  private active: EngineSlot | null = null;
  private activeKey = '';
  private backendChoice: BackendChoice = 'default';
  private pending: PendingSwitch | null = null;
  private readonly retiring = new Set<RemoteSegmenter>();
  private trial: BackendTrial | null = null;
  /** Keys measured in this session: one trial per model and device. */
  private readonly trialsDone = new Set<string>();
  /** Kept after dispose() so the final stats still name the engine that ran. */
  private segmenterInfo: SegmenterInfo | null = null;
  private background: ActiveBackground | null = null;
  /** The frame at model width in the frame's own aspect, for the blur when the model's is different. */
  private blurSource: DownscaleStage | null = null;
  private blurRadius = DEFAULT_BLUR_RADIUS;
  private colour: [number, number, number, number] = [0, 0, 0, 1];
  private quality: Quality;
  private readonly probe: PathProbe;
  private contextLost = false;
  private disposed = false;
  private firstTimestampUs: number | null = null;
  /** Capture timestamp (µs) of the newest frame that entered process(), finished or not. */
  latestTimestamp: number | null = null;
  private readonly frameIntervalUs: number;

  private framesIn = 0;
  private framesOut = 0;
  private framesSegmented = 0;
  private framesReused = 0;
  private readonly scheduler: MaskScheduler;
  private readonly adaptive: AdaptiveQuality;
  private adaptiveOn: boolean;
  private lastAdaptiveCheck = 0;
  private firstFrameAt: number | null = null;
  private slowdown: number;
  onQualityChange: ((change: QualityChange & { requested: Quality }) => void) | null = null;
  /** A backend was measured against another on this device: worth remembering. */
  onBackendMeasured:
    | ((key: string, backend: string, measuredMs: Record<string, number>) => void)
    | null = null;
  private requestedQuality: Quality;
  /** The user's model for every level, or null for the levels' own. */
  private customModel: LevelModel | null;
  private framesDropped = 0;
  private framesWithoutMask = 0;
  private readonly inRate = new RateMeter();
  private readonly outRate = new RateMeter();
  private readonly maskRate = new RateMeter();
  private readonly latency = new SampleWindow(150);
  private readonly segmentMs = new SampleWindow(150);
  private readonly composeMs = new SampleWindow(150);
  private lastPath: ProcessorStats['inputPath'] = 'pending';
  private consecutiveSegmentFailures = 0;

  constructor(
    private readonly settings: WorkerSettings,
    private readonly ledger: FrameLedger,
    frameRate: number,
    private readonly report: (error: unknown, fatal: boolean) => void,
    outputCanvas: OffscreenCanvas | null = null,
  ) {
    this.canvas = outputCanvas ?? new OffscreenCanvas(16, 16);
    this.canvasSink = outputCanvas !== null;
    const gl = this.canvas.getContext('webgl2', {
      alpha: false,
      antialias: false,
      depth: false,
      stencil: false,
      premultipliedAlpha: false,
      preserveDrawingBuffer: false,
      powerPreference: 'high-performance',
      desynchronized: true,
    });
    if (!gl)
      throw new VirtualBackgroundError(
        'unsupported-browser',
        'WebGL2 is not available in a worker here',
      );
    this.gl = gl;
    this.canvas.addEventListener('webglcontextlost', (event) => {
      event.preventDefault();
      if (this.disposed) return; // dispose() loses the context on purpose
      this.contextLost = true;
      this.report(new VirtualBackgroundError('gl-error', 'the WebGL context was lost'), true);
    });
    this.choice = {
      assetBaseUrl: settings.assetBaseUrl,
      delegate: settings.segmenterDelegate,
      memory: settings.backendMemory,
      renderer: rendererName(gl),
      software: isSoftwareRenderer(gl),
      webgpu: typeof navigator !== 'undefined' && 'gpu' in navigator,
      threads: self.crossOriginIsolated
        ? Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1))
        : 1,
    };
    this.quality = settings.quality;
    this.frameIntervalUs = frameRate > 0 ? 1e6 / frameRate : 0;
    this.scheduler = new MaskScheduler(frameRate > 0 ? 1000 / frameRate : 0);
    this.adaptive = new AdaptiveQuality(settings.quality, frameRate);
    this.adaptiveOn = settings.adaptive;
    this.slowdown = settings.segmentationSlowdown;
    this.requestedQuality = settings.quality;
    this.customModel = settings.model;
    const forced = settings.inputPath !== 'auto' ? settings.inputPath : null;
    this.probe = new PathProbe(forced);
    this.input = createFrameInputStage(gl);
    this.blur = createBlurStage(gl);
    this.composite = createCompositeStage(gl);
    this.output = createOutputStage(gl, this.composite);
    this.releaseMaskPrograms = prewarmMaskPrograms(gl);
  }

  /** Loads the engine for the current level. Rejects with a typed error; nothing is left running then. */
  async loadSegmenter(): Promise<void> {
    const model = this.modelFor(this.quality);
    const { backend, choice } = chooseBackend(model, this.choice);
    const slot = await this.createSlot(specFor(model, backend, this.choice));
    this.disposeSlot(this.active);
    this.active = slot;
    this.activeKey = backendKey(model, this.choice);
    this.backendChoice = choice;
    this.segmenterInfo = slot.segmenter.info;
  }

  private modelFor(quality: Quality): LevelModel {
    return this.customModel ?? LEVELS[quality].model;
  }

  /**
   * A custom model (or null: back to the built-in ones), live like a level change: it loads beside
   * the serving engine and takes over with its first mask. Rejects with a typed error and keeps
   * the current model when it does not load.
   */
  async setModel(model: LevelModel | null, quality?: Quality): Promise<void> {
    const previous = this.customModel;
    this.customModel = model;
    try {
      await this.setQuality(quality ?? this.requestedQuality);
    } catch (error) {
      this.customModel = previous;
      throw error;
    }
  }

  /**
   * Each engine's compiled wasm, kept from its first worker: a level switch that brings the engine
   * back instantiates it instead of compiling 13–28 MB of wasm on the cores compositing needs.
   */
  private readonly wasmModules = new Map<string, WebAssembly.Module>();

  private wasmKey(spec: EngineSpec): string {
    return `${spec.engine} ${spec.wasmBaseUrl}`;
  }

  private async newSegmenter(spec: EngineSpec): Promise<RemoteSegmenter> {
    const key = this.wasmKey(spec);
    const segmenter = await RemoteSegmenter.create(spec, this.wasmModules.get(key) ?? null);
    if (segmenter.wasmModule && !this.wasmModules.has(key) && !this.disposed) {
      this.wasmModules.set(key, segmenter.wasmModule);
    }
    return segmenter;
  }

  /** The downscale stage warmUp() drew with, until the first engine slot of its size takes it. */
  private spareDownscale: DownscaleStage | null = null;

  private async createSlot(spec: EngineSpec): Promise<EngineSlot> {
    const segmenter = await this.newSegmenter(spec);
    if (this.disposed) {
      segmenter.dispose();
      throw new VirtualBackgroundError('invalid-state', 'stopped while the model loaded');
    }
    // The stage warmUp() drew with, if it fits: a new one would start cold (its program too,
    // had no one else held it).
    const spare = this.spareDownscale;
    const reuse = spare?.width === spec.width && spare.height === spec.height;
    if (reuse) this.spareDownscale = null;
    return {
      segmenter,
      downscale: reuse ? spare : createDownscaleStage(this.gl, spec.width, spec.height),
      mask: createMaskStage(this.gl, spec.width, spec.height),
      ready: null,
      request: null,
    };
  }

  private disposeSlot(slot: EngineSlot | null): void {
    if (!slot) return;
    slot.segmenter.dispose();
    slot.mask.dispose();
    slot.downscale.dispose();
  }

  /**
   * The user's choice: the ceiling for adaptive quality, and live once this resolves. A level on
   * another engine loads in its own worker while the current one keeps serving; it takes over on
   * the first frame its first mask is ready, so the output never waits for a model to load.
   * Rejects with a typed error (a model that does not load) and keeps the current level then.
   */
  async setQuality(quality: Quality): Promise<void> {
    const previous = this.requestedQuality;
    this.requestedQuality = quality;
    this.adaptive.request(quality, performance.now());
    try {
      await this.switchLevel(quality);
    } catch (error) {
      this.requestedQuality = previous;
      this.adaptive.request(previous, performance.now());
      throw error;
    }
  }

  private switchLevel(quality: Quality): Promise<void> {
    const model = this.modelFor(quality);
    const key = backendKey(model, this.choice);
    if (key === this.activeKey) {
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
    this.cancelTrial();
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
    this.createSlot(specFor(model, backend, this.choice)).then(
      (slot) => {
        if (this.pending !== pending) {
          this.disposeSlot(slot);
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

  /** A newer request superseded the pending switch: its callers see the switch as done. */
  private cancelPending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    this.disposeSlot(pending.slot);
    for (const w of pending.waiters) w.resolve();
  }

  /**
   * The incoming engine has a mask waiting and its inference times have settled (engine-settle),
   * or it waited long enough: it serves from this frame on; the old one is released.
   */
  private promotePending(now: number): void {
    const pending = this.pending;
    if (!pending?.slot?.ready || !pending.warmed) return;
    const waited = now - (pending.firstMaskAt ?? now);
    if (!inferenceSettled(pending.inferenceMs) && waited < SETTLE_LIMIT_MS) return;
    this.pending = null;
    const model = this.modelFor(pending.quality);
    const old = this.active;
    if (old) {
      // Its GL stages go now, its worker a second later: terminated on the switch's own frame,
      // the old engine's teardown (a wasm heap with the model and its runtime) competed with the
      // new level's first frames. Switch test, accurate → balanced, largest gap: 134–196 ms
      // with the terminate on that frame, 129–137 ms deferred (5 runs each).
      old.mask.dispose();
      old.downscale.dispose();
      this.retiring.add(old.segmenter);
      setTimeout(() => {
        if (this.retiring.delete(old.segmenter)) old.segmenter.dispose();
      }, 1000);
    }
    this.active = pending.slot;
    this.activeKey = pending.key;
    this.backendChoice = chooseBackend(model, this.choice).choice;
    this.segmenterInfo = pending.slot.segmenter.info;
    this.quality = pending.quality;
    for (const w of pending.waiters) w.resolve();
  }

  setAdaptive(on: boolean): void {
    this.adaptiveOn = on;
    if (!on && this.quality !== this.requestedQuality) {
      this.switchLevel(this.requestedQuality).catch((error: unknown) => this.report(error, false));
    }
  }

  setSlowdown(factor: number): void {
    this.slowdown = factor;
  }

  /** Twice a second: let adaptive quality look at the output rate and the mask rate. */
  private adapt(): void {
    const now = performance.now();
    this.firstFrameAt ??= now;
    // The first seconds (shader compiles, the path probe, rate meters filling) say nothing about
    // load, and a level change already under way must land first.
    if (
      !this.adaptiveOn ||
      this.pending ||
      now - this.firstFrameAt < 3000 ||
      now - this.lastAdaptiveCheck < 500
    )
      return;
    this.lastAdaptiveCheck = now;
    const change = this.adaptive.observe(now, this.outRate.rate(now), this.maskRate.rate(now));
    if (!change) return;
    const from = this.quality;
    this.switchLevel(change.quality).then(
      () => this.onQualityChange?.({ ...change, requested: this.requestedQuality }),
      (error: unknown) => {
        this.adaptive.settle(from);
        this.report(error, false);
      },
    );
  }

  /** Applies a new background once it is ready to draw; the old one serves until then. */
  async setBackground(payload: BackgroundPayload): Promise<void> {
    let next: ActiveBackground | null = null;
    switch (payload.kind) {
      case 'image':
        next = imageBackground(this.gl, payload.bitmap);
        break;
      case 'video':
        next = await videoBackground(this.gl, payload.frames, this.ledger, (e) =>
          this.report(e, false),
        );
        break;
      case 'blur':
        this.blurRadius = payload.radius;
        break;
      case 'color':
        this.colour = payload.rgba;
        break;
      case 'none':
        break;
    }
    this.background?.dispose();
    this.background = next ?? {
      kind: payload.kind,
      prepare: async () => null,
      dispose: () => undefined,
    };
  }

  /** Asks `slot`'s engine for a mask of `pixels`; the answer lands in slot.ready. */
  private requestMask(slot: EngineSlot, pixels: Uint8ClampedArray, timestampUs: number): void {
    slot.request = slot.segmenter.request(pixels, timestampUs, this.slowdown).then(
      (result) => {
        slot.request = null;
        if (slot.ready) slot.segmenter.recycle(slot.ready);
        slot.ready = result;
        this.consecutiveSegmentFailures = 0;
        if (slot === this.pending?.slot) {
          this.pending.inferenceMs.push(result.inferenceMs);
          this.pending.firstMaskAt ??= performance.now();
        }
        if (slot === this.active) {
          this.segmentMs.push(result.inferenceMs);
          this.scheduler.recordInference(result.inferenceMs);
          this.trial?.servingMs.push(result.inferenceMs);
        }
      },
      (error: unknown) => {
        slot.request = null;
        if (this.disposed || (slot !== this.active && slot !== this.pending?.slot)) return;
        // Keep compositing with the last mask: a hiccup must not show the raw room.
        this.consecutiveSegmentFailures++;
        if (this.consecutiveSegmentFailures === 1 || this.consecutiveSegmentFailures % 30 === 0) {
          this.report(
            error instanceof VirtualBackgroundError
              ? error
              : new VirtualBackgroundError('segmentation-failed', String(error), { cause: error }),
            false,
          );
        }
      },
    );
  }

  /** Folds the newest arrived mask of `slot` into its mask stage. Whether there was one. */
  private applyReady(
    slot: EngineSlot,
    picture: Picture,
    small: RenderTarget,
    quality: Quality,
  ): boolean {
    const result = slot.ready;
    if (!result) return false;
    slot.ready = null;
    slot.mask.update(result.mask, picture, small, LEVELS[quality].mask);
    slot.segmenter.recycle(result);
    return true;
  }

  /** The output side of a frame that came in by `path`. */
  private outputPathFor(path: 'texture' | 'planes'): 'texture' | 'planes' {
    if (this.canvasSink) return 'texture';
    return this.settings.outputPath === 'auto' ? path : this.settings.outputPath;
  }

  /** The background for this frame and the output frame (null into a canvas sink). */
  private async composeOutput(
    picture: Picture,
    small: RenderTarget,
    maskTexture: WebGLTexture,
    maskBaseWidth: number,
    level: LevelConfig,
    kind: string,
    outputPath: 'texture' | 'planes',
    frame: VideoFrame,
  ) {
    const bg =
      kind === 'blur'
        ? {
            kind: 'blur' as const,
            texture: this.blur.render(
              this.blurPicture(picture, small),
              picture.height,
              maskTexture,
              this.blurRadius,
              outputPath === 'planes' ? picture.conversion : null,
            ),
          }
        : kind === 'color'
          ? { kind: 'color' as const, rgba: this.colour }
          : ((await this.background?.prepare()) ?? { kind: 'color' as const, rgba: this.colour });

    // Passthrough into a canvas sink: a mask edge below zero makes every pixel person.
    const edge: [number, number] = kind === 'none' ? [-1, 0] : level.edge;
    let out: VideoFrame | null = null;
    if (outputPath === 'planes') {
      const maskWidth = maskBaseWidth * Math.max(1, level.mask.refineScale);
      out = this.output.render(
        picture,
        maskTexture,
        bg,
        edge,
        maskWidth,
        frame.timestamp,
        frame.duration,
      );
    } else {
      if (this.canvas.width !== picture.width || this.canvas.height !== picture.height) {
        this.canvas.width = picture.width;
        this.canvas.height = picture.height;
      }
      this.composite.render(picture, maskTexture, bg, edge, true);
      if (!this.canvasSink) {
        const init: VideoFrameInit = { timestamp: frame.timestamp };
        if (frame.duration !== null) init.duration = frame.duration;
        out = new VideoFrame(this.canvas, init);
      }
    }
    return { out, bg };
  }

  /**
   * Runs one camera frame through every GL pass the output can take — the serving level on each
   * input path the probe will try, the other levels on the path it will most likely keep: their
   * downscale, mask and output passes — and discards the results. On software GL the first draw
   * of a program compiles it for that draw's state (SwiftShader JITs per pipeline state and per
   * sampled texture format, so a draw into a 1x1 target with nothing bound does not count):
   * without this the first output frame took about 470 ms here and the probe's first texture-path
   * frame about 230 ms, and a level switch later stalled the output for 100–200 ms on its first
   * frames with the new level's settings. The worker runs it on the camera's first frame while the
   * model loads in its own worker, so the costs overlap. The caller keeps `frame`. The serving
   * level's time on each path counts as the probe's first sample, the one it drops.
   */
  async warmUp(frame: VideoFrame): Promise<void> {
    const kind = this.background?.kind ?? 'none';
    if (kind === 'none' || this.canvasSink || this.disposed) return;
    const forced = this.probe.choice;
    const paths: Array<'planes' | 'texture'> = forced
      ? [forced]
      : canUploadPlanes(frame.format)
        ? ['planes', 'texture']
        : ['texture'];
    // The serving level first, on every path: its time is the probe's sample, and its downscale
    // stage is kept. The other levels only on the path the probe will most likely keep (planes
    // on software GL, where compiles are slow; texture where they take milliseconds anyway):
    // both paths for all three levels doubled the warm-up, and the load beside it slowed.
    const likely = paths.includes('planes') && this.choice.software ? 'planes' : 'texture';
    const levels = [this.quality, ...QUALITIES.filter((q) => q !== this.quality)];
    for (const [i, quality] of levels.entries()) {
      if (this.disposed) return;
      const model = this.modelFor(quality);
      const level = LEVELS[quality];
      const downscale = createDownscaleStage(this.gl, model.width, model.height);
      if (i === 0) {
        this.spareDownscale?.dispose();
        this.spareDownscale = downscale;
      }
      const mask = createMaskStage(this.gl, model.width, model.height);
      const zeros = new Float32Array(model.width * model.height);
      try {
        for (const path of i === 0 ? paths : [forced ?? likely]) {
          const t0 = performance.now();
          const picture = await this.input.upload(frame, path);
          const small = downscale.render(picture);
          downscale.read();
          mask.update(zeros, picture, small, level.mask);
          const { out } = await this.composeOutput(
            picture,
            small,
            mask.output(),
            downscale.width,
            level,
            kind,
            this.outputPathFor(path),
            frame,
          );
          if (out) this.ledger.close(this.ledger.adopt(out));
          if (i === 0 && !forced) this.probe.record(path, performance.now() - t0);
        }
      } finally {
        mask.dispose();
        if (i > 0) downscale.dispose();
      }
    }
  }

  /**
   * The engine that is loading for a level switch gets frames until it takes over, paced while its
   * inference times settle. Its masks only wait in slot.ready: the takeover applies the newest to a
   * stage with no history. Its mask programs were compiled by the warm-up at start; applied here
   * every frame instead, the incoming level's mask passes and the readback behind them cost 40–100
   * ms per frame on this machine while the old level still served.
   */
  private feedPending(picture: Picture): void {
    const pending = this.pending;
    const slot = pending?.slot;
    if (!pending || !slot || slot.segmenter.busy) return;
    const now = performance.now();
    if (!maySettleRequest(now, pending.lastRequestAt, pending.inferenceMs.at(-1) ?? 0)) return;
    pending.lastRequestAt = now;
    slot.downscale.render(picture);
    this.requestMask(slot, slot.downscale.read().data, this.latestTimestamp ?? 0);
  }

  /**
   * Builds the incoming level's output programs on a frame before it takes over, once its engine
   * answered: the warm-up at start built them for the background of that time, not for one set
   * since (its mask stage, still empty, stands in for the mask).
   */
  private warmPending(
    picture: Picture,
    bg: Parameters<typeof this.output.prepare>[2],
    outputPath: 'texture' | 'planes',
  ): void {
    const pending = this.pending;
    const slot = pending?.slot;
    if (!pending || !slot || pending.firstMaskAt === null || pending.warmed) return;
    if (outputPath === 'planes') {
      const level = LEVELS[pending.quality];
      this.output.prepare(
        picture,
        slot.mask.output(),
        bg,
        level.edge,
        slot.downscale.width * Math.max(1, level.mask.refineScale),
      );
    }
    pending.warmed = true;
  }

  /**
   * Backend measurement at start: once the chosen engine has served a while, the other backend
   * loads in its own worker and gets the same frames; after TRIAL_SAMPLES answers the faster one
   * serves and the choice is reported (remembered per device by the page).
   */
  private stepTrial(pixels: Uint8ClampedArray, timestampUs: number): void {
    const slot = this.active;
    if (!slot || this.pending || this.disposed) return;
    const now = performance.now();
    if (!this.trial) {
      if (this.backendChoice !== 'default' || this.trialsDone.has(this.activeKey)) return;
      const mode = this.settings.backendTrial;
      if (mode === 'never' || (mode === 'auto' && this.choice.software)) return;
      if (this.framesSegmented < 15) return;
      const model = this.modelFor(this.quality);
      const other = alternativeBackend(model, slot.segmenter.info.backend, this.choice);
      this.trialsDone.add(this.activeKey);
      if (!other) return;
      const trial: BackendTrial = {
        key: this.activeKey,
        backend: other,
        candidate: null,
        candidateMs: [],
        servingMs: [],
        startedAt: now,
      };
      this.trial = trial;
      this.newSegmenter(specFor(model, other, this.choice)).then(
        (candidate) => {
          if (this.trial === trial && !this.disposed) trial.candidate = candidate;
          else candidate.dispose();
        },
        (error: unknown) => {
          console.warn(`[Pipeline] ${other} backend did not load for the measurement:`, error);
          if (this.trial === trial) this.finishTrial(false);
        },
      );
      return;
    }
    const trial = this.trial;
    const candidate = trial.candidate;
    if (candidate && !candidate.busy && trial.candidateMs.length < TRIAL_SAMPLES + 2) {
      candidate.request(pixels, timestampUs, this.slowdown).then(
        (result) => {
          trial.candidateMs.push(result.inferenceMs);
          candidate.recycle(result);
        },
        () => undefined,
      );
    }
    if (trial.candidateMs.length >= TRIAL_SAMPLES + 2 || now - trial.startedAt > TRIAL_TIMEOUT_MS) {
      // The first two calls of a fresh engine include its warm-up.
      const candidateP50 = median(trial.candidateMs.slice(2));
      const servingP50 = median(trial.servingMs.slice(-TRIAL_SAMPLES));
      const better = candidateP50 > 0 && servingP50 > 0 && candidateP50 < 0.85 * servingP50;
      this.finishTrial(better, {
        [slot.segmenter.info.backend]: servingP50,
        [trial.backend]: candidateP50,
      });
    }
  }

  private finishTrial(candidateWins: boolean, measuredMs: Record<string, number> = {}): void {
    const trial = this.trial;
    const slot = this.active;
    if (!trial) return;
    this.trial = null;
    if (candidateWins && trial.candidate && slot && trial.key === this.activeKey) {
      // Same model, same input size: the stages stay, only the engine changes.
      const old = slot.segmenter;
      if (slot.ready) old.recycle(slot.ready);
      slot.ready = null;
      slot.segmenter = trial.candidate;
      old.dispose();
      this.segmenterInfo = slot.segmenter.info;
      this.backendChoice = 'measured';
    } else {
      trial.candidate?.dispose();
      if (Object.keys(measuredMs).length > 0) this.backendChoice = 'measured';
    }
    if (slot && Object.keys(measuredMs).length > 0) {
      this.onBackendMeasured?.(trial.key, slot.segmenter.info.backend, measuredMs);
    }
  }

  private cancelTrial(): void {
    this.trial?.candidate?.dispose();
    this.trial = null;
  }

  /**
   * Turns one camera frame into one output frame. The input frame stays owned by the caller;
   * the returned frame is either that same frame (passthrough) or a new one the caller must adopt.
   */
  async process(frame: VideoFrame, receivedAt: number): Promise<VideoFrame | null> {
    if (this.contextLost)
      throw new VirtualBackgroundError('gl-error', 'the WebGL context was lost');
    this.framesIn++;
    this.inRate.tick(receivedAt);
    this.firstTimestampUs ??= frame.timestamp;
    this.latestTimestamp = frame.timestamp;
    this.framesDropped = droppedSince(
      this.firstTimestampUs,
      frame.timestamp,
      this.frameIntervalUs,
      this.framesIn,
    );

    const kind = this.background?.kind ?? 'none';
    if (kind === 'none' && !this.canvasSink) {
      this.lastPath = 'passthrough';
      this.finish(receivedAt, 0);
      return frame;
    }
    this.promotePending(performance.now());
    const slot = this.active;
    if (!slot) throw new VirtualBackgroundError('invalid-state', 'no segmenter loaded');
    const start = performance.now();
    const path = canUploadPlanes(frame.format) ? this.probe.next() : 'texture';
    const outputPath = this.outputPathFor(path);
    const picture = await this.input.upload(frame, path);

    let waitedMs = 0;
    const drawn = this.drawnQuality();
    const level = LEVELS[drawn];
    const small = slot.downscale.render(picture);
    if (kind !== 'none') {
      let fresh = this.applyReady(slot, picture, small, drawn);
      const now = performance.now();
      // While another engine loads and settles beside this one, leave it the CPU: its wasm
      // compile and warm-up otherwise compete with compositing on a 2-core machine and frames
      // stall.
      this.scheduler.dutyCap = this.pending ? 0.25 : 1;
      if (!slot.request && (!slot.mask.hasMask || this.scheduler.mayRequest(now))) {
        // The newest frame goes to the segmenter when it is idle: a slow engine means older
        // masks reused for more frames, never frames queued for it.
        const pixels = slot.downscale.read().data;
        this.scheduler.recordRequest(now);
        this.requestMask(slot, pixels, frame.timestamp);
        this.stepTrial(pixels, frame.timestamp);
        const request = slot.request;
        if (request && (!slot.mask.hasMask || this.scheduler.shouldWait())) {
          const t0 = performance.now();
          await waitAtMost(
            request,
            slot.mask.hasMask ? this.scheduler.waitLimitMs() : FIRST_MASK_WAIT_MS,
          );
          waitedMs = performance.now() - t0;
          fresh = this.applyReady(slot, picture, small, drawn) || fresh;
        }
      }
      if (fresh) {
        this.framesSegmented++;
        this.maskRate.tick(performance.now());
      } else {
        this.framesReused++;
      }
      this.feedPending(picture);
    }
    if (!slot.mask.hasMask) this.framesWithoutMask++;
    // Before the first mask the mask stage holds zeros: the output is background only.
    const { out, bg } = await this.composeOutput(
      picture,
      small,
      slot.mask.output(),
      slot.downscale.width,
      level,
      kind,
      outputPath,
      frame,
    );
    this.warmPending(picture, bg, outputPath);
    // No per-frame getError(): it is a synchronous round trip to the GPU process; context loss
    // arrives as the 'webglcontextlost' event and is checked at the top of process().
    const composeMs = performance.now() - start - waitedMs;
    this.probe.record(path, composeMs);
    this.scheduler.recordCompose(composeMs);
    this.adapt();
    this.lastPath = path;
    this.finish(receivedAt, composeMs);
    return out;
  }

  /**
   * The level whose mask and compositing settings draw this frame: the current one, except while a
   * switch to a cheaper level loads, when the cheaper settings apply at once. The new engine's
   * load then competes with less compositing work, and the user asked for cheaper anyway.
   */
  private drawnQuality(): Quality {
    const target = this.pending?.quality;
    if (!target) return this.quality;
    return QUALITIES.indexOf(target) < QUALITIES.indexOf(this.quality) ? target : this.quality;
  }

  /**
   * What the blur starts from: the model's picture when it has the frame's aspect; otherwise
   * (a square model on a 16:9 camera) a picture of the same width in the frame's aspect, so the
   * blur's cost and its kernel do not depend on the model.
   */
  private blurPicture(picture: Picture, small: RenderTarget): RenderTarget {
    const height = Math.max(1, Math.round((small.width * picture.height) / picture.width));
    if (Math.abs(height - small.height) <= small.height * 0.1) return small;
    if (this.blurSource?.width !== small.width || this.blurSource.height !== height) {
      this.blurSource?.dispose();
      this.blurSource = createDownscaleStage(this.gl, small.width, height);
    }
    return this.blurSource.render(picture);
  }

  private finish(receivedAt: number, composeMs: number): void {
    const now = performance.now();
    this.framesOut++;
    this.outRate.tick(now);
    this.latency.push(now - receivedAt);
    if (composeMs > 0) this.composeMs.push(composeMs);
  }

  stats(): ProcessorStats {
    const now = performance.now();
    const info = this.segmenterInfo;
    const maskFps = this.maskRate.rate(now);
    const outFps = this.outRate.rate(now);
    return {
      quality: this.quality,
      engine: info?.engine ?? 'none',
      backend: info?.backend ?? 'none',
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      framesSegmented: this.framesSegmented,
      framesDropped: this.framesDropped,
      fpsIn: this.inRate.rate(now),
      fpsOut: outFps,
      latencyMs: this.latency.summary(),
      segmentMs: this.segmentMs.summary(),
      composeMs: this.composeMs.summary(),
      inputPath: this.lastPath,
      outputPath:
        this.lastPath === 'passthrough' || this.lastPath === 'pending'
          ? this.lastPath
          : this.settings.outputPath === 'auto'
            ? this.lastPath
            : this.settings.outputPath,
      framesOpen: this.ledger.count,
      framesWithoutMask: this.framesWithoutMask,
      framesReused: this.framesReused,
      segmentEvery: maskFps > 0 ? Math.max(1, Math.round((outFps / maskFps) * 10) / 10) : 1,
      model: info?.model ?? 'none',
      backendChoice: this.backendChoice,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.background?.dispose();
    this.background = null;
    this.cancelTrial();
    this.cancelPending();
    this.disposeSlot(this.active);
    this.active = null;
    for (const segmenter of this.retiring) segmenter.dispose();
    this.retiring.clear();
    this.wasmModules.clear();
    this.blurSource?.dispose();
    this.blurSource = null;
    this.spareDownscale?.dispose();
    this.spareDownscale = null;
    this.releaseMaskPrograms();
    this.output.dispose();
    this.composite.dispose();
    this.blur.dispose();
    this.input.dispose();
    this.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
