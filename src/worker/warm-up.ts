/**
 * The start-up warm-up: one camera frame through every GL pass the output can take, while the model
 * loads in its own worker. Owns nothing past its own call: the stages it makes are released here,
 * except the serving level's downscale stage, which it hands to the engine factory.
 */

import { createDownscaleStage } from '../gl/downscale-stage';
import { canUploadPlanes, type InputPath } from '../gl/frame-input-stage';
import { createMaskStage } from '../gl/mask-stage';
import { LEVELS } from '../levels';
import { QUALITIES } from '../options';
import type { FrameCompositor } from './frame-compositor';
import type { FrameLedger } from './frame-ledger';
import type { LevelSwitch } from './level-switch';
import type { PathProbe } from './path-probe';
import { type CropRect, FULL_FRAME } from './person-crop';

export interface WarmUpContext {
  gl: WebGL2RenderingContext;
  compositor: FrameCompositor;
  /** The serving level is warmed first and on every path; its downscale stage goes to the factory. */
  levels: Pick<LevelSwitch, 'factory' | 'quality' | 'modelFor'>;
  probe: PathProbe;
  ledger: FrameLedger;
  /** Software GL: compiles are slow there, so only the path the probe will likely keep is warmed. */
  software: boolean;
  isDisposed(): boolean;
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
/** Any crop that is not the whole frame: what a crop level's passes look like. */
const WARM_CROP: CropRect = { x: 0.25, y: 0, w: 0.5, h: 1 };

export async function warmUp(ctx: WarmUpContext, frame: VideoFrame): Promise<void> {
  const { compositor, probe, levels: engines } = ctx;
  const kind = compositor.backgroundKind;
  if (kind === 'none' || compositor.canvasSink || ctx.isDisposed()) return;
  const forced = probe.choice;
  const paths: InputPath[] = forced
    ? [forced]
    : canUploadPlanes(frame.format)
      ? ['planes', 'texture']
      : ['texture'];
  // The serving level first, on every path: its time is the probe's sample, and its downscale
  // stage is kept. The other levels only on the path the probe will most likely keep (planes
  // on software GL, where compiles are slow; texture where they take milliseconds anyway):
  // both paths for all three levels doubled the warm-up, and the load beside it slowed.
  const likely = paths.includes('planes') && ctx.software ? 'planes' : 'texture';
  const levels = [engines.quality, ...QUALITIES.filter((q) => q !== engines.quality)];
  for (const [i, quality] of levels.entries()) {
    if (ctx.isDisposed()) return;
    const model = engines.modelFor(quality);
    const level = LEVELS[quality];
    const downscale = createDownscaleStage(ctx.gl, model.width, model.height);
    if (i === 0) engines.factory.keepSpare(downscale);
    const mask = createMaskStage(ctx.gl, model.width, model.height);
    const zeros = new Float32Array(model.width * model.height);
    try {
      for (const path of i === 0 ? paths : [forced ?? likely]) {
        const t0 = performance.now();
        const picture = await compositor.upload(frame, path);
        // A crop level draws through a crop: its mask size and the blur's own source picture.
        const crop = level.crop ? WARM_CROP : FULL_FRAME;
        const small = downscale.render(picture, crop);
        downscale.read();
        mask.update(
          { confidence: zeros, crop, small, smallCrop: crop, timestamp: 0, frame: picture },
          level.mask,
        );
        mask.follow(small, crop, 1, FULL_FRAME);
        const { out } = await compositor.compose(
          picture,
          crop,
          small,
          { texture: mask.output(), width: mask.outputWidth },
          level,
          kind,
          compositor.outputPathFor(path),
          frame,
        );
        if (out) ctx.ledger.close(ctx.ledger.adopt(out));
        if (i === 0 && !forced) probe.record(path, performance.now() - t0);
      }
    } finally {
      mask.dispose();
      if (i > 0) downscale.dispose();
    }
  }
}
