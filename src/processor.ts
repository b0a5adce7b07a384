import { assetUrlsUnder, bundledAssetUrls } from './asset-urls';
import { type PreparedBackground, prepareBackground } from './background-source';
import {
  createElementTransport,
  type ElementTransport,
  elementTransportSupported,
} from './element-transport';
import { deserializeError, VirtualBackgroundError } from './errors';
import {
  levelModelOf,
  type ResolvedOptions,
  resolveOptions,
  validatePartialOptions,
} from './options';
import {
  emptyStats,
  type FromWorker,
  type ToWorker,
  transferablesOf,
  type WorkerIo,
} from './protocol';
import type { ProcessorStats, VirtualBackground, VirtualBackgroundOptions } from './types';

export type ProcessorState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/**
 * A worker that has not said ready by then is stuck. Longer than a model load may take
 * (remote-segmenter's 60 s), so a slow load on a busy machine ends with that load's own typed error
 * naming the model, not with this one.
 */
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 3_000;

/**
 * Main-thread half of the pipeline (Chrome path): owns the MediaStreamTrackProcessor, the
 * MediaStreamTrackGenerator (the output track), the worker and the main-thread side of the
 * current background. Per frame it does nothing: frames flow through transferred streams.
 */
export class VirtualBackgroundProcessor extends EventTarget implements VirtualBackground {
  private options: ResolvedOptions;
  private state: ProcessorState = 'idle';
  private worker: Worker | null = null;
  /** The output track: a MediaStreamTrackGenerator, or the captured canvas of the element transport. */
  private output: MediaStreamTrack | null = null;
  private element: ElementTransport | null = null;
  private background: PreparedBackground | null = null;
  private latest: ProcessorStats;
  private nextUpdateId = 1;
  private readonly pendingUpdates = new Map<
    number,
    { resolve: () => void; reject: (e: Error) => void }
  >();
  private stopped: Promise<void> | null = null;

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
    if (
      !(track instanceof MediaStreamTrack) ||
      track.kind !== 'video' ||
      track.readyState !== 'live'
    ) {
      throw new VirtualBackgroundError(
        'invalid-track',
        'start() needs a live video MediaStreamTrack',
      );
    }
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
    try {
      this.background = await prepareBackground(this.options.background);
      const frameRate = track.getSettings().frameRate ?? 30;
      const useStreams =
        this.options.transport === 'streams' ||
        (this.options.transport === 'auto' && VirtualBackgroundProcessor.hasStreams());
      let io: WorkerIo;
      const transfer: Transferable[] = [];
      if (useStreams) {
        const Processor = MediaStreamTrackProcessor as NonNullable<
          typeof MediaStreamTrackProcessor
        >;
        const Generator = MediaStreamTrackGenerator as NonNullable<
          typeof MediaStreamTrackGenerator
        >;
        // Two frames of slack: enough to ride out a slow frame, not enough to build latency.
        const processor = new Processor({ track, maxBufferSize: 2 });
        const generator = new Generator({ kind: 'video' });
        this.output = generator;
        io = { kind: 'streams', readable: processor.readable, writable: generator.writable };
        transfer.push(
          processor.readable as unknown as Transferable,
          generator.writable as unknown as Transferable,
        );
      } else {
        const element = await createElementTransport(track, frameRate);
        this.element = element;
        this.output = element.output;
        io = { kind: 'canvas', canvas: element.canvas };
        transfer.push(element.canvas);
      }
      const worker = new Worker(new URL('./worker/worker.ts', import.meta.url), {
        type: 'module',
        name: 'virtual-background',
      });
      this.worker = worker;
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
        const onMessage = (event: MessageEvent<FromWorker>) => {
          const m = event.data;
          if (m.type === 'ready') {
            clearTimeout(timer);
            resolve();
          } else if (m.type === 'error' && m.error && this.state === 'starting') {
            clearTimeout(timer);
            reject(deserializeError(m.error));
          }
        };
        worker.addEventListener('message', onMessage);
        worker.addEventListener('error', (event) => {
          clearTimeout(timer);
          reject(
            new VirtualBackgroundError(
              'pipeline-failed',
              `worker failed to load: ${event.message}`,
            ),
          );
        });
      });
      worker.addEventListener('message', (event: MessageEvent<FromWorker>) =>
        this.onWorkerMessage(event.data),
      );
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
        background: this.background.payload,
        frameRate,
      };
      worker.postMessage(message, [...transfer, ...transferablesOf(this.background.payload)]);
      await ready;
      this.element?.attach(worker);
      this.setState('running');
      return this.output;
    } catch (error) {
      this.teardown();
      this.setState('stopped');
      throw error instanceof VirtualBackgroundError
        ? error
        : new VirtualBackgroundError('pipeline-failed', String(error), { cause: error });
    }
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
    if (this.state !== 'running' || !this.worker) {
      throw new VirtualBackgroundError('invalid-state', `update() called in state ${this.state}`);
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

  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.stopped = this.doStop();
    return this.stopped;
  }

  private async doStop(): Promise<void> {
    const worker = this.worker;
    this.setState('stopping');
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
    this.teardown();
    this.setState('stopped');
  }

  private teardown(): void {
    this.worker?.terminate();
    this.worker = null;
    this.element?.dispose();
    this.element = null;
    this.output?.stop();
    this.background?.dispose();
    this.background = null;
    for (const { reject } of this.pendingUpdates.values()) {
      reject(new VirtualBackgroundError('invalid-state', 'stopped before the update was applied'));
    }
    this.pendingUpdates.clear();
  }

  private onWorkerMessage(message: FromWorker): void {
    switch (message.type) {
      case 'ready':
      case 'stats':
      case 'stopped':
        this.latest = message.stats;
        if (message.type === 'stats')
          this.dispatchEvent(new CustomEvent('stats', { detail: message.stats }));
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
        this.latest = message.stats;
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
        this.dispatchEvent(new ErrorEvent('error', { error, message: error.message }));
        if (message.fatal && this.state === 'running') void this.stop();
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

function rememberBackend(key: string, backend: string): void {
  try {
    const memory = readBackendMemory();
    memory[key] = backend;
    globalThis.localStorage?.setItem(BACKEND_MEMORY_KEY, JSON.stringify(memory));
  } catch {
    // As above: not remembering only costs a measurement on the next start.
  }
}
