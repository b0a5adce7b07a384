/**
 * The frame held for its own mask: FramePipeline.process() uploads a frame, sends it to the
 * segmenter and holds it while the next frame comes in; drawHeldFrame() then waits what is left of
 * the frame budget for that frame's mask and draws it; a frame drawn with an earlier frame's mask
 * gets it moved to follow the person (MaskStage.follow). Owns nothing: the picture and the small
 * picture stay in the compositor's and the slot's stages (two input stages, three downscale
 * stages, used in turn), and the VideoFrame went back to the caller when process() returned.
 */
import type { InputPath } from '../gl/frame-input-stage';
import type { RenderTarget } from '../gl/gl-utils';
import type { Picture } from '../gl/picture';
import { LEVELS } from '../levels';
import { applyReady, type EngineSlot } from './engine-slots';
import type { FrameCompositor, FrameTiming } from './frame-compositor';
import type { LevelSwitch } from './level-switch';
import type { MaskScheduler } from './mask-scheduler';
import type { PathProbe } from './path-probe';
import type { CropRect } from './person-crop';
import type { PipelineStats } from './pipeline-stats';

/** Wait this long for the very first mask: the alternative is a frame with no person in it. */
const FIRST_MASK_WAIT_MS = 1000;
/**
 * Wait up to this long for the mask of the first frame after a cut: an earlier mask is the last
 * scene's silhouette (moved or not), and one late frame at a cut is seen less than a wrong shape
 * over the new person for several. The processor's 2-frame buffer keeps the latency bounded.
 */
const CUT_WAIT_MS = 150;

export interface HeldFrame {
  timing: FrameTiming;
  receivedAt: number;
  picture: Picture;
  small: RenderTarget;
  /** The part of the frame `small` shows (person-crop). */
  smallCrop: CropRect;
  /** The engine slot whose mask stage draws it (a takeover draws it first: process()). */
  slot: EngineSlot;
  /** Its own mask request, or null when the engine was busy and it reuses the newest mask. */
  request: Promise<void> | null;
  /** The first frame seen of a new scene (person-crop's SceneWatch): no earlier mask fits it. */
  cut: boolean;
  path: InputPath;
  outputPath: InputPath;
  /** Upload, downscale and readback: the part of its compositing cost spent when it came in. */
  uploadMs: number;
}

/** What drawing a held frame reads and records: the pipeline's parts. */
export interface HeldFrameContext {
  compositor: FrameCompositor;
  levels: LevelSwitch;
  scheduler: MaskScheduler;
  counters: PipelineStats;
  probe: PathProbe;
  isDisposed(): boolean;
}

/**
 * Draws `held` with its own mask when that comes in time, otherwise with the newest there is (a
 * late one lands on the next frame). Returns the output frame (null into a canvas sink, or when
 * the pipeline was disposed meanwhile) and its compositing time.
 */
export async function drawHeldFrame(
  ctx: HeldFrameContext,
  held: HeldFrame,
): Promise<{ out: VideoFrame | null; composeMs: number } | null> {
  const { compositor, levels, scheduler, counters } = ctx;
  const { slot, picture, small } = held;
  if (held.request) {
    // The long first wait only when there is no mask at all: a slot that just took over has one
    // waiting in slot.ready (its last answer while it settled), and a second of waiting there
    // stalled the output at every level switch on a loaded machine.
    const hasMask = slot.mask.hasMask || slot.ready !== null;
    const limit = !hasMask
      ? FIRST_MASK_WAIT_MS
      : held.cut
        ? Math.max(CUT_WAIT_MS, scheduler.waitLimitMs())
        : scheduler.waitLimitMs();
    await waitAtMost(held.request, limit);
  }
  if (ctx.isDisposed()) return null;
  const start = performance.now();
  const level = LEVELS[levels.drawnQuality()];
  counters.masked(
    applyReady(
      slot,
      picture,
      { small, crop: held.smallCrop, timestamp: held.timing.timestamp },
      level.mask,
    ),
  );
  if (!slot.mask.hasMask) counters.withoutMask();
  // The background as it is now: a change applies from the first frame drawn after it
  // (FrameCompositor.setBackground says which). Before the first mask the mask stage holds
  // zeros: the output is background only.
  const { out, bg } = await compositor.compose(
    picture,
    held.smallCrop,
    small,
    { texture: slot.mask.output(), width: slot.mask.outputWidth },
    level,
    compositor.backgroundKind,
    held.outputPath,
    held.timing,
  );
  levels.warmPending(compositor, picture, bg, held.outputPath);
  // No per-frame getError(): it is a synchronous round trip to the GPU process; context loss
  // arrives as the 'webglcontextlost' event and is checked at the top of process().
  const composeMs = held.uploadMs + performance.now() - start;
  ctx.probe.record(held.path, composeMs);
  scheduler.recordCompose(composeMs);
  return { out, composeMs };
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
