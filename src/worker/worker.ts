/// <reference lib="webworker" />
/**
 * The pipeline worker: reads camera frames from the transferred readable, runs the pipeline and
 * posts the output frames to the output worker (output-worker.ts), which holds the output track's
 * writable: this worker can be replaced mid-call without the output track changing. Nothing per
 * frame touches the main thread.
 */
import { serializeError, VirtualBackgroundError } from '../errors';
import { emptyStats, type FromWorker, type ToWorker } from '../protocol';
import { FrameLedger } from './frame-ledger';
import { FramePipeline } from './pipeline';

// The DOM lib types `self` as Window; in this file it is the worker's global scope.
const scope = self as unknown as {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
  close(): void;
};

const ledger = new FrameLedger();
let pipeline: FramePipeline | null = null;
let abort: AbortController | null = null;
let statsTimer: ReturnType<typeof setInterval> | null = null;
let piping: Promise<void> | null = null;
/** Where camera frames are read from now, and the camera that replaces it (setInput). */
let input: ReadableStreamDefaultReader<VideoFrame> | null = null;
let nextInput: ReadableStream<VideoFrame> | null = null;
/** Set while the frame loop waits for a camera after the last one ended. */
let inputArrived: (() => void) | null = null;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

// From the first moment: the page takes a second or more of silence for a dead worker, and a model
// loading in the segmenter worker leaves this thread's timers free to fire.
setInterval(() => post({ type: 'alive' }), 1000);

function report(error: unknown, fatal: boolean): void {
  console.error('[Worker]', error);
  post({ type: 'error', error: serializeError(error), fatal });
  if (fatal) {
    abort?.abort(error);
    input?.cancel().catch(() => undefined);
  }
}

/** canvas io: frames posted by the page, as a stream, so both io kinds share one frame loop. */
let canvasFrames: ReadableStreamDefaultController<VideoFrame> | null = null;

function openInput(message: Extract<ToWorker, { type: 'start' }>): ReadableStream<VideoFrame> {
  if (message.io.kind === 'streams') return message.io.readable;
  return new ReadableStream<VideoFrame>({
    start(controller) {
      canvasFrames = controller;
    },
  });
}

/**
 * Frames the processor buffered while the model loaded are seconds old: close them instead of
 * sending a stale picture out first. A buffered read resolves at once; one that has not within a
 * few ms finds the buffer empty (a live frame is on its way, or a camera sends nothing yet: waiting
 * here would hang start-up) and is left pending: releaseLock() rejects it, its frame stays queued.
 */
async function drainStale(readable: ReadableStream<VideoFrame>): Promise<void> {
  const reader = readable.getReader();
  try {
    for (let i = 0; i < 8; i++) {
      const result = await Promise.race([
        reader.read(),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 4)),
      ]);
      if (!result || result.done) return;
      result.value.close();
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
  const canvasIo = message.io.kind === 'canvas';
  const p = new FramePipeline(message.settings, ledger, message.frameRate, report, canvasIo);
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
  const readable = openInput(message);
  if (message.io.kind === 'streams') await drainStale(readable);
  input = readable.getReader();
  const port = message.io.kind === 'streams' ? message.io.output : null;
  // canvas io: the picture is already in the canvas, nothing goes out as a frame.
  const send = port
    ? (frame: VideoFrame) => port.postMessage({ frame }, [frame])
    : (frame: VideoFrame) => frame.close();
  const signal = abort.signal;
  piping = frameLoop(p, signal, send, canvasIo).catch((error: unknown) => {
    if (signal.aborted) return; // stop() or a fatal error already reported
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

/**
 * Reads camera frames one at a time and sends out what each makes ready. A camera swap (an 'input'
 * message) cancels the current reader, whose pending read then ends, and reading goes on from the
 * new one: the frame held for its mask is drawn when the new camera's first frame comes.
 */
async function frameLoop(
  p: FramePipeline,
  signal: AbortSignal,
  send: (frame: VideoFrame) => void,
  canvasIo: boolean,
): Promise<void> {
  while (!signal.aborted) {
    const reader = input;
    if (!reader) return;
    const result = await reader.read();
    if (result.done) {
      if (signal.aborted) return;
      if (!nextInput) {
        // The camera ended. The page ends the output, unless another camera is on its way (a
        // setInput() whose old track was stopped before its message got here).
        post({ type: 'input-ended' });
        await new Promise<void>((resolve) => {
          inputArrived = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        inputArrived = null;
        if (signal.aborted || !nextInput) return;
      }
      input = nextInput.getReader();
      nextInput = null;
      continue;
    }
    const frame = result.value;
    const receivedAt = performance.now();
    // canvas io frames were adopted when their message arrived.
    if (!ledger.owns(frame)) ledger.adopt(frame);
    if (signal.aborted) {
      ledger.close(frame);
      return;
    }
    // One exit for every frame: sent or closed here, whatever process() does. process() emits the
    // frames that are ready (the one before this, held for its mask, and this one when it passes
    // through); it holds GL state, never the VideoFrame.
    try {
      await p.process(frame, receivedAt, (out) => {
        if (out !== frame) ledger.adopt(out);
        ledger.handOff(out);
        send(out);
      });
    } finally {
      if (ledger.owns(frame)) ledger.close(frame);
      if (canvasIo) {
        const bitmap = p.takeBitmap();
        scope.postMessage({ type: 'frame-done', bitmap }, bitmap ? [bitmap] : []);
      }
    }
  }
}

/** Another camera: its frames are read from the next frame on; the output stays the same. */
function switchInput(readable: ReadableStream<VideoFrame>): void {
  if (!input) {
    readable.cancel().catch(() => undefined);
    return;
  }
  nextInput?.cancel().catch(() => undefined);
  nextInput = readable;
  input.cancel().catch(() => undefined);
  inputArrived?.();
}

async function stop(): Promise<void> {
  if (statsTimer) clearInterval(statsTimer);
  statsTimer = null;
  abort?.abort(new DOMException('stopped', 'AbortError'));
  input?.cancel().catch(() => undefined);
  nextInput?.cancel().catch(() => undefined);
  nextInput = null;
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
    case 'input':
      pipeline?.setFrameRate(message.frameRate);
      switchInput(message.readable);
      break;
    case 'fault':
      pipeline?.simulateFault(message.fault);
      break;
    case 'stop':
      void stop();
      break;
  }
});
