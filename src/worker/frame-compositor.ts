/**
 * The per-frame GL work that does not depend on which engine serves: the frame into GL (input
 * path), the background (blur, colour, image, video), compositing and the output frame (output
 * path). Owns the shared stages and programs, the background and the blur's source picture, and
 * releases them in reverse order of creation. Mask stages belong to the engine slots (engine-slots).
 */
import { createBlurStage } from '../gl/blur-stage';
import { type CompositeBackground, createCompositeStage } from '../gl/composite-stage';
import { createDownscaleStage, type DownscaleStage } from '../gl/downscale-stage';
import {
  createFrameInputStage,
  type FrameInputStage,
  type InputPath,
} from '../gl/frame-input-stage';
import type { RenderTarget } from '../gl/gl-utils';
import { prewarmMaskPrograms } from '../gl/mask-stage';
import { createOutputStage, type OutputTiming } from '../gl/output-stage';
import type { Picture } from '../gl/picture';
import type { LevelConfig } from '../levels';
import { DEFAULT_BLUR_RADIUS } from '../options';
import type { BackgroundPayload } from '../protocol';
import type { FramePath } from '../types';
import { type ActiveBackground, imageBackground, videoBackground } from './backgrounds';
import type { FrameLedger } from './frame-ledger';
import { type CropRect, isFullFrame } from './person-crop';

/** The blur's source width when the model's picture is a crop: the models' width, so the cost is the same. */
const BLUR_SOURCE_WIDTH = 256;

export type BackgroundKind = BackgroundPayload['kind'];

/** The mask a frame is drawn with: the serving engine's mask stage output, in frame uv. */
export interface FrameMask {
  texture: WebGLTexture;
  /** Its width in texels: the output passes take two mask taps per four pixels or four by it. */
  width: number;
}

/** What an output frame takes from its input frame, which may be closed by the time it is drawn. */
export type FrameTiming = OutputTiming;

export class FrameCompositor {
  /**
   * Two input stages, used in turn: a frame waits for its own mask (held by the pipeline) while the
   * next one is uploaded, so each needs its own textures.
   */
  private readonly inputs: [FrameInputStage, FrameInputStage];
  private nextInput = 0;
  private readonly blur;
  private readonly composite;
  private readonly output;
  private readonly releaseMaskPrograms: () => void;
  private background: ActiveBackground | null = null;
  /** The frame at model width in the frame's own aspect, for the blur when the model's is different. */
  private blurSource: DownscaleStage | null = null;
  private blurRadius = DEFAULT_BLUR_RADIUS;
  private colour: [number, number, number, number] = [0, 0, 0, 1];
  /** canvas io: the newest picture not yet taken. */
  private bitmap: ImageBitmap | null = null;
  /** Capture timestamp of the newest frame whose drawing began: the boundary of a background change. */
  private lastDrawn: number | null = null;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    /** Where texture-path output is drawn: new VideoFrame(canvas) reads it. */
    private readonly canvas: OffscreenCanvas,
    /**
     * canvas io: compose() returns no frame; each picture is taken from the canvas as an
     * ImageBitmap (takeBitmap) for the page, which shows it in the canvas its output track
     * captures.
     */
    readonly canvasSink: boolean,
    private readonly outputPathSetting: FramePath,
    private readonly ledger: FrameLedger,
    private readonly report: (error: unknown, fatal: boolean) => void,
  ) {
    this.inputs = [createFrameInputStage(gl), createFrameInputStage(gl)];
    this.blur = createBlurStage(gl);
    this.composite = createCompositeStage(gl);
    this.output = createOutputStage(gl, this.composite);
    this.releaseMaskPrograms = prewarmMaskPrograms(gl);
  }

  get backgroundKind(): BackgroundKind {
    return this.background?.kind ?? 'none';
  }

  /** The frame into GL; the picture stays valid until the second upload after this one. */
  upload(frame: VideoFrame, path: InputPath): Promise<Picture> {
    const stage = this.inputs[this.nextInput] as FrameInputStage;
    this.nextInput = 1 - this.nextInput;
    return stage.upload(frame, path);
  }

  /** The output side of a frame that came in by `path`. */
  outputPathFor(path: InputPath): InputPath {
    if (this.canvasSink) return 'texture';
    return this.outputPathSetting === 'auto' ? path : this.outputPathSetting;
  }

  /**
   * Applies a new background once it is ready to draw; the old one serves until then. Resolves
   * with the capture timestamp of the last frame drawn with the old one (null: none was drawn).
   */
  async setBackground(payload: BackgroundPayload): Promise<number | null> {
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
    return this.lastDrawn;
  }

  /**
   * Draws `frame` over this frame's background with `mask` and returns the output frame (null into
   * a canvas sink), with the background it drew so a level about to take over can build its
   * programs for the same one (prepareOutput).
   */
  async compose(
    picture: Picture,
    /** The model's picture of the frame and the part of it it shows (a crop level: not all). */
    smallCrop: CropRect,
    small: RenderTarget,
    mask: FrameMask,
    level: LevelConfig,
    /** The background kind when the frame came in: a change meanwhile applies from the next frame. */
    kind: BackgroundKind,
    outputPath: InputPath,
    frame: FrameTiming,
  ): Promise<{ out: VideoFrame | null; bg: CompositeBackground }> {
    // Everything the background gives this frame is read below, before the first await.
    this.lastDrawn = frame.timestamp;
    const bg: CompositeBackground =
      kind === 'blur'
        ? {
            kind: 'blur',
            texture: this.blur.render(
              this.blurPicture(picture, isFullFrame(smallCrop) ? small : null),
              picture.height,
              mask.texture,
              this.blurRadius,
              outputPath === 'planes' ? picture.conversion : null,
            ),
          }
        : kind === 'color'
          ? { kind: 'color', rgba: this.colour }
          : ((await this.background?.prepare()) ?? { kind: 'color', rgba: this.colour });

    // Passthrough into a canvas sink: a mask edge below zero makes every pixel person.
    const edge: [number, number] = kind === 'none' ? [-1, 0] : level.edge;
    let out: VideoFrame | null = null;
    if (outputPath === 'planes') {
      out = this.output.render(picture, mask.texture, bg, edge, mask.width, frame);
    } else {
      if (this.canvas.width !== picture.width || this.canvas.height !== picture.height) {
        this.canvas.width = picture.width;
        this.canvas.height = picture.height;
      }
      this.composite.render(picture, mask.texture, bg, edge, true);
      if (this.canvasSink) {
        // The page has not taken the last one: this newer picture replaces it.
        this.bitmap?.close();
        this.bitmap = this.canvas.transferToImageBitmap();
      } else {
        const init: VideoFrameInit = { timestamp: frame.timestamp };
        if (frame.duration !== null) init.duration = frame.duration;
        if (frame.displayWidth !== picture.width || frame.displayHeight !== picture.height) {
          init.displayWidth = frame.displayWidth;
          init.displayHeight = frame.displayHeight;
        }
        out = new VideoFrame(this.canvas, init);
      }
    }
    return { out, bg };
  }

  /** canvas io: the newest picture, handed over (the caller closes or transfers it). */
  takeBitmap(): ImageBitmap | null {
    const bitmap = this.bitmap;
    this.bitmap = null;
    return bitmap;
  }

  /** Builds the planes output programs `level` would use with this mask and background. */
  prepareOutput(picture: Picture, mask: FrameMask, bg: CompositeBackground, level: LevelConfig) {
    this.output.prepare(picture, mask.texture, bg, level.edge, mask.width);
  }

  /**
   * What the blur starts from: the model's picture when it has the frame's aspect; otherwise
   * (a square model on a 16:9 camera) a picture of the same width in the frame's aspect, so the
   * blur's cost and its kernel do not depend on the model. A crop level's picture (null here)
   * shows part of the frame only: the blur needs all of it.
   */
  private blurPicture(picture: Picture, small: RenderTarget | null): RenderTarget {
    const width = small?.width ?? BLUR_SOURCE_WIDTH;
    const height = Math.max(1, Math.round((width * picture.height) / picture.width));
    if (small && Math.abs(height - small.height) <= small.height * 0.1) return small;
    if (this.blurSource?.width !== width || this.blurSource.height !== height) {
      this.blurSource?.dispose();
      this.blurSource = createDownscaleStage(this.gl, width, height);
    }
    return this.blurSource.render(picture);
  }

  dispose(): void {
    this.bitmap?.close();
    this.bitmap = null;
    this.background?.dispose();
    this.background = null;
    this.blurSource?.dispose();
    this.blurSource = null;
    this.releaseMaskPrograms();
    this.output.dispose();
    this.composite.dispose();
    this.blur.dispose();
    for (const input of this.inputs) input.dispose();
  }
}
