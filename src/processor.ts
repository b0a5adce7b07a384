import { assetUrlsUnder, bundledAssetUrls } from './asset-urls';
import { type PreparedBackground, prepareBackground } from './background-source';
import {
  createElementTransport,
  type ElementTransport,
  elementTransportSupported,
} from './element-transport';
import { deserializeError, VirtualBackgroundError } from './errors';
import { FailureWindow } from './failure-policy';
import {
  levelModelOf,
  type ResolvedOptions,
  resolveOptions,
  validatePartialOptions,
} from './options';
import {
  emptyStats,
  type FromOutputWorker,
  type FromWorker,
  type ToOutputWorker,
  type ToWorker,
  transferablesOf,
  type WorkerIo,
} from './protocol';
import type {
  ProcessorStats,
  SimulatedFault,
  VirtualBackground,
  VirtualBackgroundOptions,
} from './types';

export type ProcessorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** Why the output ended without stop() being called ('ended' event). */
export type EndReason = 'input-ended' | 'failed';

/**
 * A worker that has not said ready by then is stuck. Longer than a model load may take
 * (remote-segmenter's 60 s), so a slow load on a busy machine ends with that load's own typed error
 * naming the model, not with this one.
 */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 3_000;
/**
 * The pipeline worker says it is alive every second from a timer of its own; this long without a
 * word from it means it is gone (a crashed or killed worker fires no event). Its longest legitimate
 * silences are synchronous shader compiles, a few hundred ms on software GL. Meanwhile the output
 * worker repeats the last frame, so the output does not stop while this waits.
 */
const WORKER_SILENCE_MS = 4_000;
/** Pipeline restarts allowed within RESTART_WINDOW_MS; one more ends the output with 'pipeline-failed'. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

/**
 * Main-thread half of the pipeline (Chrome path): owns the MediaStreamTrackProcessor of the
 * camera, the MediaStreamTrackGenerator (the output track) and the two workers: the pipeline
 * worker, and the output worker that holds the output track's writable, so a pipeline worker that
 * dies is replaced under the same output track. Per frame it does nothing: frames flow through
 * transferred streams and a port between the workers.
 *
 * Events: 'stats'; 'error' (an ErrorEvent with a VirtualBackgroundError); 'qualitychange';
 * 'updated'; 'statechange'; 'recovered' (the pipeline was restarted after its worker died or
 * failed, detail { reason, restarts }); 'ended' (the output ended without stop(): the camera track
 * ended, or the pipeline failed for good; detail { reason }).
 */
export class VirtualBackgroundProcessor extends EventTarget implements VirtualBackground {
  private options: ResolvedOptions;
  private state: ProcessorState = 'idle';
  private worker: Worker | null = null;
  /** streams transport: writes the output track, outlives pipeline workers (output-worker.ts). */
  private outputWorker: Worker | null = null;
  /** The output worker's repeats of the last picture so far (its 'counts' messages). */
  private framesRepeated = 0;
  /** The output track: a MediaStreamTrackGenerator, or the captured canvas of the element transport. */
  private output: MediaStreamTrack | null = null;
  private element: ElementTransport | null = null;
  private background: PreparedBackground | null = null;
  /** The camera track frames come from now (start(), setInput()). */
  private input: MediaStreamTrack | null = null;
  private frameRate = 30;
  private latest: ProcessorStats;
  private nextUpdateId = 1;
  private readonly pendingUpdates = new Map<
    number,
    { resolve: () => void; reject: (e: Error) => void }
  >();
  private stopped: Promise<void> | null = null;
  /** Rejects the launch under way (start-up or a restart) when stop() comes first. */
  private cancelLaunch: ((error: Error) => void) | null = null;
  private lastHeardAt = 0;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private readonly restarts = new FailureWindow(RESTART_WINDOW_MS);
  private recovering = false;
  private readonly onInputEnded = () => this.inputEnded();

  /** Whether the breakout-box streams (Chrome) are there. */
  static hasStreams(): boolean {
    return (
      typeof MediaStreamTrackProcessor !== 'undefined' &&
      typeof MediaStreamTrackGenerator !== 'undefined'
    );
  }

  /** Whether this browser can run the pipeline by either transport. */
  static isSupported(): boolean {
    const common =
      typeof Worker !== 'undefined' &&
      typeof OffscreenCanvas !== 'undefined' &&
      typeof VideoFrame !== 'undefined';
    return common && (VirtualBackgroundProcessor.hasStreams() || elementTransportSupported());
  }

  constructor(options: VirtualBackgroundOptions = {}) {
    super();
    this.options = resolveOptions(options);
    this.latest = emptyStats(this.options.quality);
  }

  /** Lifecycle state; a 'statechange' event fires on every change (a fatal error stops the processor). */
  get currentState(): ProcessorState {
    return this.state;
  }

  private setState(state: ProcessorState): void {
    if (this.state === state) return;
    this.state = state;
    this.dispatchEvent(new CustomEvent('statechange', { detail: state }));
  }

  async start(track: MediaStreamTrack): Promise<MediaStreamTrack> {
    if (this.state !== 'idle') {
      throw new VirtualBackgroundError('invalid-state', `start() called in state ${this.state}`);
    }
    checkTrack(track, 'start()');
    if (!VirtualBackgroundProcessor.isSupported()) {
      throw new VirtualBackgroundError(
        'unsupported-browser',
        'this browser lacks WebCodecs, OffscreenCanvas or workers, or both MediaStreamTrackGenerator and requestVideoFrameCallback',
      );
    }
    if (this.options.transport === 'streams' && !VirtualBackgroundProcessor.hasStreams()) {
      throw new VirtualBackgroundError(
        'unsupported-browser',
        "transport 'streams' needs MediaStreamTrackProcessor and MediaStreamTrackGenerator",
      );
    }
    this.setState('starting');
    this.input = track;
    try {
      this.frameRate = track.getSettings().frameRate ?? 30;
      const useStreams =
        this.options.transport === 'streams' ||
        (this.options.transport === 'auto' && VirtualBackgroundProcessor.hasStreams());
      if (useStreams) {
        const Generator = MediaStreamTrackGenerator as NonNullable<
          typeof MediaStreamTrackGenerator
        >;
        const generator = new Generator({ kind: 'video' });
        this.output = generator;
        const outputWorker = new Worker(new URL('./worker/output-worker.ts', import.meta.url), {
          type: 'module',
          name: 'virtual-background-output',
        });
        this.outputWorker = outputWorker;
        const open: ToOutputWorker = {
          type: 'open',
          writable: generator.writable,
          frameRate: this.frameRate,
        };
        outputWorker.addEventListener('message', (event: MessageEvent<FromOutputWorker>) => {
          this.framesRepeated = event.data.repeated;
          this.latest = this.withOutputCounts(this.latest);
        });
        outputWorker.postMessage(open, [generator.writable as unknown as Transferable]);
      } else {
        const element = await createElementTransport(track, this.frameRate);
        this.element = element;
        this.output = element.output;
      }
      await this.launchPipeline();
      this.setState('running');
      track.addEventListener('ended', this.onInputEnded);
      this.watchdog = setInterval(() => this.checkPipeline(), 1000);
      return this.output;
    } catch (error) {
      const typed =
        error instanceof VirtualBackgroundError
          ? error
          : new VirtualBackgroundError('pipeline-failed', String(error), { cause: error });
      // stop() during start-up tears down itself; start() only says why it did not finish.
      if (this.stopped) throw typed;
      this.teardown();
      this.setState('stopped');
      throw typed;
    }
  }

  /**
   * Starts a pipeline worker on the current input, background and settings, and resolves once it
   * is ready (start-up, and a restart after a pipeline worker died).
   */
  private async launchPipeline(): Promise<void> {
    const cancelled = new Promise<never>((_, reject) => {
      this.cancelLaunch = reject;
    });
    cancelled.catch(() => undefined);
    const prepared = await Promise.race([prepareBackground(this.options.background), cancelled]);
    this.background?.dispose();
    this.background = prepared;
    const track = this.input as MediaStreamTrack;
    let io: WorkerIo;
    const transfer: Transferable[] = [];
    if (this.outputWorker) {
      const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
      // Two frames of slack: enough to ride out a slow frame, not enough to build latency.
      const processor = new Processor({ track, maxBufferSize: 2 });
      const channel = new MessageChannel();
      const source: ToOutputWorker = { type: 'source', port: channel.port2 };
      this.outputWorker.postMessage(source, [channel.port2]);
      io = { kind: 'streams', readable: processor.readable, output: channel.port1 };
      transfer.push(processor.readable as unknown as Transferable, channel.port1);
    } else {
      io = { kind: 'canvas' };
    }
    const worker = new Worker(new URL('./worker/worker.ts', import.meta.url), {
      type: 'module',
      name: 'virtual-background',
    });
    this.worker = worker;
    this.lastHeardAt = performance.now();
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new VirtualBackgroundError(
              'pipeline-failed',
              `worker not ready after ${START_TIMEOUT_MS} ms`,
            ),
          ),
        START_TIMEOUT_MS,
      );
      worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
        const m = event.data;
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (m.type === 'error' && m.error && this.worker === worker && m.fatal) {
          clearTimeout(timer);
          reject(deserializeError(m.error));
        }
      });
      worker.addEventListener('error', (event) => {
        clearTimeout(timer);
        reject(
          new VirtualBackgroundError('pipeline-failed', `worker failed to load: ${event.message}`),
        );
      });
    });
    worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
      // A replaced worker's last words are about a pipeline that is gone.
      if (this.worker === worker) this.onWorkerMessage(event.data);
    });
    const message: ToWorker = {
      type: 'start',
      io,
      settings: {
        quality: this.options.quality,
        assets:
          this.options.assetBaseUrl === undefined
            ? bundledAssetUrls()
            : assetUrlsUnder(this.options.assetBaseUrl),
        inputPath: this.options.inputPath,
        outputPath: this.options.outputPath,
        segmenterDelegate: this.options.segmenterDelegate,
        backendMemory: readBackendMemory(),
        backendTrial: this.options.backendTrial,
        statsIntervalMs: this.options.statsIntervalMs,
        segmentationSlowdown: this.options.segmentationSlowdown,
        adaptive: this.options.adaptive,
        model: this.options.model ? levelModelOf(this.options.model) : null,
      },
      background: prepared.payload,
      frameRate: this.frameRate,
    };
    worker.postMessage(message, [...transfer, ...transferablesOf(prepared.payload)]);
    try {
      await Promise.race([ready, cancelled]);
    } finally {
      this.cancelLaunch = null;
    }
    this.element?.attach(worker);
  }

  /**
   * Another camera (an app's camera picker) mid-call: frames come from `track` from its first
   * frame on, into the same output track, so an RTCRtpSender carrying it needs no replaceTrack().
   * The caller still owns both camera tracks (stopping the old one after this resolves is fine).
   */
  async setInput(track: MediaStreamTrack): Promise<void> {
    checkTrack(track, 'setInput()');
    if (this.state !== 'running') {
      throw new VirtualBackgroundError('invalid-state', `setInput() called in state ${this.state}`);
    }
    if (track === this.input) return;
    this.input?.removeEventListener('ended', this.onInputEnded);
    this.input = track;
    track.addEventListener('ended', this.onInputEnded);
    this.frameRate = track.getSettings().frameRate ?? this.frameRate;
    this.outputWorker?.postMessage({
      type: 'rate',
      frameRate: this.frameRate,
    } satisfies ToOutputWorker);
    if (this.element) {
      await this.element.setInput(track);
      return;
    }
    // During a restart (no worker), the new pipeline opens this.input.
    if (!this.worker) return;
    const Processor = MediaStreamTrackProcessor as NonNullable<typeof MediaStreamTrackProcessor>;
    const processor = new Processor({ track, maxBufferSize: 2 });
    const message: ToWorker = {
      type: 'input',
      readable: processor.readable,
      frameRate: this.frameRate,
    };
    this.worker.postMessage(message, [processor.readable as unknown as Transferable]);
  }

  /**
   * Testing only: makes a fault a long call meets. `pipeline-crash` kills the pipeline worker
   * without telling the rest of the processor (as a crash would); the others happen inside it
   * (WorkerFault). Returns at once; the outcome shows in events and the output.
   */
  simulateFault(fault: SimulatedFault): void {
    if (this.state !== 'running' || !this.worker) {
      throw new VirtualBackgroundError('invalid-state', `simulateFault() in state ${this.state}`);
    }
    if (fault === 'pipeline-crash') {
      this.worker.terminate();
      return;
    }
    const message: ToWorker = { type: 'fault', fault };
    this.worker.postMessage(message);
  }

  /** The watchdog (every second): the camera track ended, or the pipeline worker went silent. */
  private checkPipeline(): void {
    if (this.state !== 'running' || this.recovering) return;
    if (this.input?.readyState === 'ended') {
      this.inputEnded();
      return;
    }
    if (performance.now() - this.lastHeardAt > WORKER_SILENCE_MS) {
      void this.recover(
        'worker-unresponsive',
        new VirtualBackgroundError(
          'pipeline-failed',
          `the pipeline worker did not answer for ${WORKER_SILENCE_MS / 1000} s`,
        ),
      );
    }
  }

  /** The camera track ended (or was stopped) and no other was set: the output ends. */
  private inputEnded(): void {
    if (this.state !== 'running' && this.state !== 'starting') return;
    if (this.input?.readyState === 'live') return; // setInput() came first
    this.dispatchEvent(new CustomEvent('ended', { detail: { reason: 'input-ended' } }));
    void this.stop();
  }

  /**
   * The pipeline worker died or failed: a new one starts under the same output track, which
   * repeats the last composited frame meanwhile (never a raw one). More than MAX_RESTARTS in
   * RESTART_WINDOW_MS, or a restart that fails, ends the output with 'pipeline-failed'.
   */
  private async recover(
    reason: 'worker-unresponsive' | 'worker-error',
    cause: VirtualBackgroundError,
  ): Promise<void> {
    if (this.recovering || this.state !== 'running') return;
    const outputWorker = this.outputWorker;
    const failures = this.restarts.record(performance.now());
    if (failures > MAX_RESTARTS) {
      this.fail(
        new VirtualBackgroundError(
          'pipeline-failed',
          `the pipeline failed ${failures} times within ${RESTART_WINDOW_MS / 1000} s; last: ${cause.message}`,
        ),
      );
      return;
    }
    this.recovering = true;
    // The element transport's canvas shows its last picture meanwhile; its captured track
    // repeats it as a canvas capture does.
    const repeat: ToOutputWorker = { type: 'repeat', on: true };
    outputWorker?.postMessage(repeat);
    this.worker?.terminate();
    this.worker = null;
    this.rejectPendingUpdates(
      new VirtualBackgroundError('pipeline-failed', 'the pipeline restarted before this update'),
    );
    try {
      await this.launchPipeline();
      this.recovering = false;
      if (this.state !== 'running') return;
      this.dispatchEvent(
        new CustomEvent('recovered', {
          detail: { reason, restarts: failures, cause: cause.message },
        }),
      );
    } catch (error) {
      this.recovering = false;
      if (this.state !== 'running') return;
      this.fail(
        error instanceof VirtualBackgroundError
          ? error
          : new VirtualBackgroundError('pipeline-failed', String(error)),
      );
    }
  }

  /** A failure the processor cannot recover from: an 'error' event, an 'ended' event, stopped. */
  private fail(error: VirtualBackgroundError): void {
    this.dispatchEvent(new ErrorEvent('error', { error, message: error.message }));
    this.dispatchEvent(new CustomEvent('ended', { detail: { reason: 'failed' } }));
    void this.stop();
  }

  async update(options: Partial<VirtualBackgroundOptions>): Promise<void> {
    validatePartialOptions(options);
    if (
      options.assetBaseUrl !== undefined ||
      options.inputPath !== undefined ||
      options.backendTrial !== undefined ||
      options.outputPath !== undefined ||
      options.transport !== undefined
    ) {
      if (this.state !== 'idle') {
        throw new VirtualBackgroundError(
          'invalid-option',
          'assetBaseUrl, inputPath, outputPath, backendTrial and transport are fixed once started',
        );
      }
    }
    if (this.state === 'idle') {
      this.options = resolveOptions({ ...this.options, ...options });
      this.latest = { ...this.latest, quality: this.options.quality };
      return;
    }
    if (this.state !== 'running') {
      throw new VirtualBackgroundError('invalid-state', `update() called in state ${this.state}`);
    }
    if (!this.worker) {
      // A restart is under way: the new pipeline starts from the options, this one included.
      const prepared = options.background ? await prepareBackground(options.background) : null;
      prepared?.dispose();
      this.options = { ...this.options, ...options } as ResolvedOptions;
      return;
    }
    const worker = this.worker;
    const prepared = options.background ? await prepareBackground(options.background) : null;
    const id = this.nextUpdateId++;
    const done = new Promise<void>((resolve, reject) =>
      this.pendingUpdates.set(id, { resolve, reject }),
    );
    const message: ToWorker = { type: 'update', id };
    if (options.quality) message.quality = options.quality;
    if (options.adaptive !== undefined) message.adaptive = options.adaptive;
    if (options.model !== undefined) {
      message.model = options.model ? levelModelOf(options.model) : null;
    }
    if (options.segmentationSlowdown !== undefined) {
      message.segmentationSlowdown = options.segmentationSlowdown;
    }
    if (prepared) message.background = prepared.payload;
    worker.postMessage(message, prepared ? transferablesOf(prepared.payload) : []);
    try {
      await done;
    } catch (error) {
      prepared?.dispose();
      throw error;
    }
    // The worker now draws the new background; the old one's main-thread side can go.
    if (prepared) {
      this.background?.dispose();
      this.background = prepared;
    }
    this.options = { ...this.options, ...options } as ResolvedOptions;
  }

  stats(): ProcessorStats {
    return this.latest;
  }

  /** A pipeline worker's stats with what only the output worker counts. */
  private withOutputCounts(stats: ProcessorStats): ProcessorStats {
    return { ...stats, framesRepeated: this.framesRepeated };
  }

  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopped = this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    const worker = this.worker;
    this.setState('stopping');
    this.cancelLaunch?.(
      new VirtualBackgroundError('invalid-state', 'stop() was called before start-up finished'),
    );
    if (worker) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
        worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
          if (event.data.type === 'stopped') {
            clearTimeout(timer);
            resolve();
          }
        });
        worker.postMessage({ type: 'stop' } satisfies ToWorker);
      });
    }
    const outputWorker = this.outputWorker;
    if (outputWorker) {
      // It holds a reference to the last frame (for repeats): closed before the worker goes.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_TIMEOUT_MS);
        outputWorker.addEventListener('message', (event: MessageEvent<FromOutputWorker>) => {
          if (event.data.type === 'closed') {
            clearTimeout(timer);
            resolve();
          }
        });
        outputWorker.postMessage({ type: 'close' } satisfies ToOutputWorker);
      });
    }
    this.teardown();
    this.setState('stopped');
  }

  private teardown(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    this.input?.removeEventListener('ended', this.onInputEnded);
    this.worker?.terminate();
    this.worker = null;
    this.outputWorker?.terminate();
    this.outputWorker = null;
    this.element?.dispose();
    this.element = null;
    this.output?.stop();
    this.background?.dispose();
    this.background = null;
    this.rejectPendingUpdates(
      new VirtualBackgroundError('invalid-state', 'stopped before the update was applied'),
    );
  }

  private rejectPendingUpdates(error: VirtualBackgroundError): void {
    for (const { reject } of this.pendingUpdates.values()) reject(error);
    this.pendingUpdates.clear();
  }

  private onWorkerMessage(message: FromWorker): void {
    this.lastHeardAt = performance.now();
    switch (message.type) {
      case 'alive':
        break;
      case 'input-ended':
        this.inputEnded();
        break;
      case 'ready':
      case 'stats':
      case 'stopped':
        this.latest = this.withOutputCounts(message.stats);
        if (message.type === 'stats')
          this.dispatchEvent(new CustomEvent('stats', { detail: this.latest }));
        break;
      case 'backend':
        rememberBackend(message.key, message.backend);
        break;
      case 'quality':
        this.latest = { ...this.latest, quality: message.quality };
        this.dispatchEvent(
          new CustomEvent('qualitychange', {
            detail: {
              quality: message.quality,
              requested: message.requested,
              reason: message.reason,
            },
          }),
        );
        break;
      case 'updated':
        // Stats as of the switch: stats() right after update() names the engine now serving.
        this.latest = this.withOutputCounts(message.stats);
        // Frame-exact boundary of the switch, for apps (and tests) that need to know.
        this.dispatchEvent(
          new CustomEvent('updated', { detail: { afterTimestamp: message.afterTimestamp } }),
        );
        this.pendingUpdates.get(message.id)?.resolve();
        this.pendingUpdates.delete(message.id);
        break;
      case 'update-failed':
        this.pendingUpdates.get(message.id)?.reject(deserializeError(message.error));
        this.pendingUpdates.delete(message.id);
        break;
      case 'error': {
        const error = deserializeError(message.error);
        if (message.fatal && this.state === 'running') {
          void this.recover('worker-error', error);
        } else {
          this.dispatchEvent(new ErrorEvent('error', { error, message: error.message }));
        }
        break;
      }
    }
  }
}

const BACKEND_MEMORY_KEY = 'virtual-background:backends';

/** Backends measured fastest on this device by earlier runs; empty where storage is unavailable. */
function readBackendMemory(): Record<string, string> {
  try {
    const raw = globalThis.localStorage?.getItem(BACKEND_MEMORY_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (!parsed || typeof parsed !== 'object') return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    // Storage disabled (privacy settings, opaque origins): measure again next time.
    return {};
  }
}

function checkTrack(track: MediaStreamTrack, call: string): void {
  if (
    !(track instanceof MediaStreamTrack) ||
    track.kind !== 'video' ||
    track.readyState !== 'live'
  ) {
    throw new VirtualBackgroundError(
      'invalid-track',
      `${call} needs a live video MediaStreamTrack`,
    );
  }
  // A canvas of width or height 0 captures a live track that never sends a frame.
  const canvas = (track as MediaStreamTrack & { canvas?: { width: number; height: number } })
    .canvas;
  const { width, height } = canvas ?? track.getSettings();
  if (width === 0 || height === 0) {
    throw new VirtualBackgroundError(
      'invalid-track',
      `${call} got a video track of ${width}x${height}: there is no picture to process`,
    );
  }
}

function rememberBackend(key: string, backend: string): void {
  try {
    const memory = readBackendMemory();
    memory[key] = backend;
    globalThis.localStorage?.setItem(BACKEND_MEMORY_KEY, JSON.stringify(memory));
  } catch {
    // As above: not remembering only costs a measurement on the next start.
  }
}
