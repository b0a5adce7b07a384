/// <reference lib="webworker" />
/**
 * The dedicated module worker: reads camera frames from the transferred readable, runs the
 * pipeline and writes to the transferred writable. Nothing per frame touches the main thread.
 */
import { serializeError, VirtualBackgroundError } from '../errors';
import { emptyStats, type FromWorker, type ToWorker } from '../protocol';
import { FrameLedger } from './frame-ledger';
import { FramePipeline } from './pipeline';

// The DOM lib types `self` as Window; in this file it is the worker's global scope.
const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
  close(): void;
};

const ledger = new FrameLedger();
let pipeline: FramePipeline | null = null;
let abort: AbortController | null = null;
let statsTimer: ReturnType<typeof setInterval> | null = null;
let piping: Promise<void> | null = null;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function report(error: unknown, fatal: boolean): void {
  console.error('[Worker]', error);
  post({ type: 'error', error: serializeError(error), fatal });
  if (fatal) abort?.abort(error);
}

/** canvas io: frames posted by the page, as a stream, so both io kinds share one transform. */
let canvasFrames: ReadableStreamDefaultController<VideoFrame> | null = null;

function openIo(message: Extract<ToWorker, { type: 'start' }>): {
  readable: ReadableStream<VideoFrame>;
  writable: WritableStream<VideoFrame>;
} {
  if (message.io.kind === 'streams') return message.io;
  const readable = new ReadableStream<VideoFrame>({
    start(controller) {
      canvasFrames = controller;
    },
  });
  // The picture is already in the canvas; nothing is enqueued in canvas mode.
  const writable = new WritableStream<VideoFrame>({
    write(frame) {
      frame.close();
    },
  });
  return { readable, writable };
}

/**
 * Frames the processor buffered while the model loaded are seconds old: close them instead of
 * sending a stale picture out first. Buffered reads resolve at once; the first read that has to
 * wait is a live frame (closed too: one frame is cheaper than special-casing it).
 */
async function drainStale(readable: ReadableStream<VideoFrame>): Promise<void> {
  const reader = readable.getReader();
  try {
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now();
      const { value, done } = await reader.read();
      if (done) return;
      value.close();
      if (performance.now() - t0 > 4) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * While the model loads in its own worker, the camera's first frame goes once through every GL
 * pass (FramePipeline.warmUp), so the first output frames do not pay for compiling them. Gives up
 * when the model is ready before a frame came; a warm-up that fails leaves the frames to report it.
 */
async function warmUpOnFirstFrame(
  readable: ReadableStream<VideoFrame>,
  p: FramePipeline,
  load: Promise<void>,
): Promise<void> {
  const reader = readable.getReader();
  try {
    const loaded = load.then(
      () => null,
      () => null,
    );
    const first = await Promise.race([reader.read(), loaded]);
    if (!first || first.done) return;
    const frame = ledger.adopt(first.value);
    try {
      await p.warmUp(frame);
    } catch {
      // The same passes run on every frame: a real failure reports itself there.
    } finally {
      // stop() during the warm-up closed it already (closeAll).
      if (ledger.owns(frame)) ledger.close(frame);
    }
  } finally {
    // A read still pending (the model won the race) is rejected here; its frame stays queued.
    reader.releaseLock();
  }
}

async function start(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const outputCanvas = message.io.kind === 'canvas' ? message.io.canvas : null;
  const p = new FramePipeline(message.settings, ledger, message.frameRate, report, outputCanvas);
  p.onQualityChange = (change) => post({ type: 'quality', ...change });
  p.onBackendMeasured = (key, backend, measuredMs) =>
    post({ type: 'backend', key, backend, measuredMs });
  pipeline = p;
  await p.setBackground(message.background);
  const load = p.loadSegmenter();
  // A load that fails surfaces at `await load` below (the warm-up only races it).
  if (message.io.kind === 'streams') await warmUpOnFirstFrame(message.io.readable, p, load);
  await load;
  abort = new AbortController();
  const { readable, writable } = openIo(message);
  if (message.io.kind === 'streams') await drainStale(readable);
  const transform = new TransformStream<VideoFrame, VideoFrame>({
    async transform(frame, controller) {
      const receivedAt = performance.now();
      // canvas io frames were adopted when their message arrived.
      if (!ledger.owns(frame)) ledger.adopt(frame);
      // One exit for every frame: enqueued or closed here, whatever process() does. process()
      // emits the frames that are ready (the one before this, held for its mask, and this one
      // when it passes through); it holds GL state, never the VideoFrame.
      try {
        await p.process(frame, receivedAt, (out) => {
          if (out !== frame) ledger.adopt(out);
          ledger.handOff(out);
          controller.enqueue(out);
        });
      } finally {
        if (ledger.owns(frame)) ledger.close(frame);
        if (outputCanvas) post({ type: 'frame-done' });
      }
    },
  });
  piping = readable
    .pipeThrough(transform, { signal: abort.signal })
    .pipeTo(writable, { signal: abort.signal })
    .catch((error: unknown) => {
      if (abort?.signal.aborted) return; // stop() or a fatal error already reported
      report(
        error instanceof VirtualBackgroundError
          ? error
          : new VirtualBackgroundError('pipeline-failed', String(error)),
        true,
      );
    });
  statsTimer = setInterval(
    () => post({ type: 'stats', stats: p.stats() }),
    message.settings.statsIntervalMs,
  );
  post({ type: 'ready', stats: p.stats() });
}

async function stop(): Promise<void> {
  if (statsTimer) clearInterval(statsTimer);
  statsTimer = null;
  abort?.abort(new DOMException('stopped', 'AbortError'));
  await piping?.catch(() => undefined);
  pipeline?.dispose();
  ledger.closeAll();
  const stats = pipeline?.stats();
  pipeline = null;
  if (stats) post({ type: 'stopped', stats: { ...stats, framesOpen: ledger.count } });
  else post({ type: 'stopped', stats: { ...emptyStats('fast'), framesOpen: ledger.count } });
}

scope.addEventListener('message', (event) => {
  const message = event.data;
  switch (message.type) {
    case 'start':
      start(message).catch((error: unknown) => {
        post({ type: 'error', error: serializeError(error), fatal: true });
      });
      break;
    case 'update': {
      const p = pipeline;
      if (!p) {
        post({
          type: 'update-failed',
          id: message.id,
          error: serializeError(new VirtualBackgroundError('invalid-state', 'not running')),
        });
        break;
      }
      (async () => {
        if (message.adaptive !== undefined) p.setAdaptive(message.adaptive);
        if (message.segmentationSlowdown !== undefined) p.setSlowdown(message.segmentationSlowdown);
        // Frames are drawn a frame after they come in (FramePipeline.process): the boundary of a
        // background change is the last frame drawn before it, not the newest that came in.
        const boundary = message.background ? await p.setBackground(message.background) : null;
        // Last: a level on another engine resolves only once that engine serves.
        if (message.model !== undefined) await p.setModel(message.model, message.quality);
        else if (message.quality) await p.setQuality(message.quality);
        return message.background ? boundary : p.latestTimestamp;
      })().then(
        (afterTimestamp) =>
          post({
            type: 'updated',
            id: message.id,
            afterTimestamp,
            stats: p.stats(),
          }),
        (error: unknown) =>
          post({ type: 'update-failed', id: message.id, error: serializeError(error) }),
      );
      break;
    }
    case 'frame':
      ledger.adopt(message.frame);
      if (canvasFrames && !abort?.signal.aborted) canvasFrames.enqueue(message.frame);
      else ledger.close(message.frame);
      break;
    case 'stop':
      void stop();
      break;
  }
});
