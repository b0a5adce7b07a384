import { VirtualBackgroundError } from '../errors';
import { createBlurStage } from '../gl/blur-stage';
import { createCompositeStage } from '../gl/composite-stage';
import { createDownscaleStage, type DownscaleStage } from '../gl/downscale-stage';
import { canUploadPlanes, createFrameInputStage } from '../gl/frame-input-stage';
import { createMaskStage, type MaskStage } from '../gl/mask-stage';
import { createOutputStage } from '../gl/output-stage';
import { LEVELS } from '../levels';
import { DEFAULT_BLUR_RADIUS } from '../options';
import type { BackgroundPayload, WorkerSettings } from '../protocol';
import type { ProcessorStats, Quality } from '../types';
import { AdaptiveQuality, type QualityChange } from './adaptive-quality';
import { type ActiveBackground, imageBackground, videoBackground } from './backgrounds';
import type { FrameLedger } from './frame-ledger';
import { FrameScheduler } from './frame-scheduler';
import { createMediaPipeSegmenter } from './mediapipe-segmenter';
import { PathProbe } from './path-probe';
import type { Segmenter, SegmenterInfo } from './segmenter';
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

/**
 * The per-frame work of the worker: GL context, stages, segmenter and background.
 * One owner for all of them: dispose() releases stages in reverse order of creation, the segmenter,
 * the background and the context itself.
 */
export class FramePipeline {
  private readonly canvas: OffscreenCanvas;
  /** canvas io: the canvas is the output; process() draws into it and returns no frame. */
  private readonly canvasSink: boolean;
  private readonly gl: WebGL2RenderingContext;
  private readonly software: boolean;
  private readonly input;
  private readonly blur;
  private readonly composite;
  private readonly output;
  private downscale: DownscaleStage;
  private mask: MaskStage;
  private segmenter: Segmenter | null = null;
  /** Kept after dispose() so the final stats still name the engine that ran. */
  private segmenterInfo: SegmenterInfo | null = null;
  private background: ActiveBackground | null = null;
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
  private readonly scheduler: FrameScheduler;
  private readonly adaptive: AdaptiveQuality;
  private adaptiveOn: boolean;
  private lastAdaptiveCheck = 0;
  private firstFrameAt: number | null = null;
  private slowdown: number;
  onQualityChange: ((change: QualityChange & { requested: Quality }) => void) | null = null;
  private requestedQuality: Quality;
  private framesDropped = 0;
  private framesWithoutMask = 0;
  private readonly inRate = new RateMeter();
  private readonly outRate = new RateMeter();
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
    this.software = isSoftwareRenderer(gl);
    this.quality = settings.quality;
    this.frameIntervalUs = frameRate > 0 ? 1e6 / frameRate : 0;
    this.scheduler = new FrameScheduler(frameRate > 0 ? 1000 / frameRate : 0);
    this.adaptive = new AdaptiveQuality(settings.quality, frameRate);
    this.adaptiveOn = settings.adaptive;
    this.slowdown = settings.segmentationSlowdown;
    this.requestedQuality = settings.quality;
    const forced = settings.inputPath !== 'auto' ? settings.inputPath : null;
    this.probe = new PathProbe(forced);
    this.input = createFrameInputStage(gl);
    this.blur = createBlurStage(gl);
    this.composite = createCompositeStage(gl);
    const model = LEVELS[this.quality].model;
    this.downscale = createDownscaleStage(gl, model.width, model.height);
    this.mask = createMaskStage(gl, model.width, model.height);
    this.output = createOutputStage(gl, this.composite);
  }

  /** Loads the segmenter for the current level. Rejects with a typed error; the pipeline stays usable. */
  async loadSegmenter(): Promise<void> {
    const level = LEVELS[this.quality];
    const delegate =
      this.settings.segmenterDelegate === 'auto'
        ? this.software
          ? 'CPU'
          : 'GPU'
        : this.settings.segmenterDelegate;
    const segmenter = await createMediaPipeSegmenter({
      assetBaseUrl: this.settings.assetBaseUrl,
      modelFile: level.model.file,
      inputWidth: level.model.width,
      inputHeight: level.model.height,
      delegate,
    });
    this.segmenter?.dispose();
    this.segmenter = segmenter;
    this.segmenterInfo = segmenter.info;
    if (
      this.downscale.width !== level.model.width ||
      this.downscale.height !== level.model.height
    ) {
      this.downscale.dispose();
      this.downscale = createDownscaleStage(this.gl, level.model.width, level.model.height);
      this.mask.dispose();
      this.mask = createMaskStage(this.gl, level.model.width, level.model.height);
    }
  }

  /** The user's choice: applied now, and the ceiling for adaptive quality. */
  setQuality(quality: Quality): void {
    // All current levels share the model; only mask settings change, so the switch is instant.
    this.quality = quality;
    this.requestedQuality = quality;
    this.adaptive.request(quality, performance.now());
  }

  setAdaptive(on: boolean): void {
    this.adaptiveOn = on;
    if (!on && this.quality !== this.requestedQuality) this.setQuality(this.requestedQuality);
  }

  setSlowdown(factor: number): void {
    this.slowdown = factor;
  }

  /** Twice a second: let adaptive quality look at the output rate and the scheduler. */
  private adapt(): void {
    const now = performance.now();
    this.firstFrameAt ??= now;
    // The first seconds (shader compiles, the path probe, rate meters filling) say nothing about load.
    if (!this.adaptiveOn || now - this.firstFrameAt < 3000 || now - this.lastAdaptiveCheck < 500)
      return;
    this.lastAdaptiveCheck = now;
    const change = this.adaptive.observe(now, this.outRate.rate(now), this.scheduler.saturated);
    if (!change) return;
    this.quality = change.quality;
    this.onQualityChange?.({ ...change, requested: this.requestedQuality });
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
      this.finish(receivedAt, 0, 0);
      return frame;
    }
    const start = performance.now();
    const path = canUploadPlanes(frame.format) ? this.probe.next() : 'texture';
    const outputPath = this.canvasSink
      ? 'texture'
      : this.settings.outputPath === 'auto'
        ? path
        : this.settings.outputPath;
    const picture = await this.input.upload(frame, path);

    let segmentMs = 0;
    const level = LEVELS[this.quality];
    const small = this.downscale.render(picture);
    // Before the first mask every frame is segmented: reuse needs something to reuse.
    const decision = this.scheduler.next();
    const segmentNow = decision.segment || !this.mask.hasMask;
    let segmented = false;
    if (this.segmenter && kind !== 'none' && !segmentNow) this.framesReused++;
    if (this.segmenter && kind !== 'none' && segmentNow) {
      const t0 = performance.now();
      segmented = true;
      try {
        const confidence = this.segmenter.segment(this.downscale.read(), frame.timestamp / 1000);
        if (this.slowdown > 1) {
          const until = t0 + (performance.now() - t0) * this.slowdown;
          while (performance.now() < until) {
            // Busy wait: the test hook imitates a slower machine, which blocks the same way.
          }
        }
        this.mask.update(confidence, picture, small, level.mask);
        this.framesSegmented++;
        this.consecutiveSegmentFailures = 0;
      } catch (error) {
        // Keep compositing with the last mask: a hiccup must not show the raw room.
        this.consecutiveSegmentFailures++;
        if (this.consecutiveSegmentFailures === 1 || this.consecutiveSegmentFailures % 30 === 0) {
          this.report(
            new VirtualBackgroundError('segmentation-failed', String(error), { cause: error }),
            false,
          );
        }
      }
      segmentMs = performance.now() - t0;
      this.segmentMs.push(segmentMs);
    }
    if (!this.mask.hasMask) this.framesWithoutMask++;
    // Before the first mask the mask stage holds zeros: the output is background only.
    const maskTexture = this.mask.output();

    const bg =
      kind === 'blur'
        ? {
            kind: 'blur' as const,
            texture: this.blur.render(
              small,
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
      const maskWidth = level.model.width * Math.max(1, level.mask.refineScale);
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
    // No per-frame getError(): it is a synchronous round trip to the GPU process; context loss
    // arrives as the 'webglcontextlost' event and is checked at the top of process().
    const total = performance.now() - start;
    this.probe.record(path, total);
    this.scheduler.record(total - segmentMs, segmented ? segmentMs : null);
    this.adapt();
    this.lastPath = path;
    this.finish(receivedAt, segmentMs, total - segmentMs);
    return out;
  }

  private finish(receivedAt: number, segmentMs: number, composeMs: number): void {
    const now = performance.now();
    this.framesOut++;
    this.outRate.tick(now);
    this.latency.push(now - receivedAt);
    if (segmentMs === 0 && composeMs === 0) return;
    this.composeMs.push(composeMs);
  }

  stats(): ProcessorStats {
    const now = performance.now();
    const info = this.segmenterInfo;
    return {
      quality: this.quality,
      engine: info?.engine ?? 'none',
      backend: info?.backend ?? 'none',
      framesIn: this.framesIn,
      framesOut: this.framesOut,
      framesSegmented: this.framesSegmented,
      framesDropped: this.framesDropped,
      fpsIn: this.inRate.rate(now),
      fpsOut: this.outRate.rate(now),
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
      segmentEvery: this.scheduler.segmentEvery,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.background?.dispose();
    this.background = null;
    this.segmenter?.dispose();
    this.segmenter = null;
    this.mask.dispose();
    this.downscale.dispose();
    this.output.dispose();
    this.composite.dispose();
    this.blur.dispose();
    this.input.dispose();
    this.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
