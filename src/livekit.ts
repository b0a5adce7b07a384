/**
 * `virtual-background/livekit`: the processor as a LiveKit track processor, for
 * `LocalVideoTrack.setProcessor()`. It implements the shape of livekit-client's `TrackProcessor`
 * (name, init, restart, destroy, processedTrack) without importing livekit-client: an app brings
 * its own, and this module adds nothing of it to the bundle. LiveKit calls init() with the camera
 * track, sends and shows `processedTrack`, calls restart() with the new camera track when the
 * device changes (`restartTrack`, `switchActiveDevice`) and destroy() on `stopProcessor()` or
 * unpublish. Tested with livekit-client's own LocalVideoTrack (test/browser/sdk-adapters.spec.ts).
 */
import {
  createVirtualBackground,
  type VirtualBackground,
  type VirtualBackgroundOptions,
} from './index';

/** What livekit-client passes to init() and restart() (its ProcessorOptions), as far as used here. */
export interface LiveKitProcessorOptions {
  kind: string;
  track: MediaStreamTrack;
  element?: HTMLMediaElement;
}

export class VirtualBackgroundTrackProcessor {
  readonly name = 'virtual-background';
  /** The processed track LiveKit sends and shows; undefined before init() and after destroy(). */
  processedTrack?: MediaStreamTrack;
  private vb: VirtualBackground | null = null;
  private options: VirtualBackgroundOptions;
  /** Serialises init/restart/update/destroy: LiveKit may call them back to back. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: VirtualBackgroundOptions = {}) {
    this.options = { ...options };
  }

  /** The running processor (stats, events), or null before init() and after destroy(). */
  get processor(): VirtualBackground | null {
    return this.vb;
  }

  init(opts: LiveKitProcessorOptions): Promise<void> {
    return this.serial(() => this.startOn(opts));
  }

  /**
   * A new camera track (another device, or the same one restarted): a processor is started on it
   * before the old one stops, so `processedTrack` is ready when LiveKit swaps it into the sender.
   */
  restart(opts: LiveKitProcessorOptions): Promise<void> {
    return this.serial(() => this.startOn(opts));
  }

  /** Live changes (background, quality), kept for the processors a restart() starts. */
  update(options: Partial<VirtualBackgroundOptions>): Promise<void> {
    return this.serial(async () => {
      await this.vb?.update(options);
      this.options = { ...this.options, ...options };
    });
  }

  destroy(): Promise<void> {
    return this.serial(async () => {
      const vb = this.vb;
      this.vb = null;
      this.processedTrack = undefined;
      await vb?.stop();
    });
  }

  private async startOn(opts: LiveKitProcessorOptions): Promise<void> {
    if (opts.kind !== 'video') {
      throw new TypeError(`virtual-background processes video tracks, not ${opts.kind}`);
    }
    const next = await createVirtualBackground(this.options);
    const processed = await next.start(opts.track);
    const previous = this.vb;
    this.vb = next;
    this.processedTrack = processed;
    await previous?.stop();
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.queue.then(step, step);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
