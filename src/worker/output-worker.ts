/// <reference lib="webworker" />
/**
 * The output track's writer (Chrome path). The MediaStreamTrackGenerator's writable is transferred
 * here once and stays for the whole call; each pipeline worker gets a MessagePort to this worker
 * and posts its output frames through it. A pipeline worker that dies (or is replaced after a lost
 * GL context) takes no part of the output track with it: the next one is handed a new port and the
 * app's RTCRtpSender keeps the same track.
 *
 * When frames stop coming (a pipeline worker died and is not yet found out, a restart, a camera
 * that stalls) this worker repeats the last output frame at the camera's rate, so the call carries
 * a still of the composited picture (never the raw camera: it only ever sees composited frames)
 * instead of stopping: receivers and bandwidth estimators see a live stream. Repeats begin after
 * silence well beyond the source's own gaps and are stamped so that real frames still on their way
 * go out after them (output-clock.ts). On its own it does so
 * for AUTO_REPEAT_MS at most (a camera muted for minutes sends nothing, and nor does the output);
 * during a restart the page asks for it until the new pipeline's first frame.
 */
import type { FromOutputWorker, ToOutputWorker } from '../protocol';
import { OutputClock } from './output-clock';

const scope = self as unknown as {
  postMessage(message: FromOutputWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToOutputWorker>) => void): void;
};

let writer: WritableStreamDefaultWriter<VideoFrame> | null = null;
let source: MessagePort | null = null;
/** A reference to the newest frame written, for repeating; closed when replaced. */
let last: VideoFrame | null = null;
let lastWrittenAt = 0;
/** When the last frame from a pipeline came. */
let lastFrameAt = 0;
let ticker: ReturnType<typeof setInterval> | null = null;
const clock = new OutputClock();
let frameIntervalMs = 1000 / 30;
/** The page asked for repeats (a restart) until the next frame comes. */
let repeatRequested = false;
/** Silence after which repeats begin, in frame intervals at least (OutputClock.silenceMs). */
const SILENT_INTERVALS = 4;
/** How often the page hears the counts (stats().framesRepeated). */
const COUNTS_EVERY_MS = 1000;
let countsSentAt = 0;
/** How long repeats go on without the page asking for them. */
const AUTO_REPEAT_MS = 10_000;
let written = 0;
let repeated = 0;
let ended = false;

/** Writes a pipeline's frame, at the timestamp the clock gives it (or drops it). */
function writeFrame(frame: VideoFrame): void {
  const timestamp =
    writer && !ended
      ? clock.place(frame.timestamp, frameIntervalMs * 1000, performance.now())
      : null;
  if (timestamp === null) {
    frame.close();
    return;
  }
  let out = frame;
  if (timestamp !== frame.timestamp) {
    out = new VideoFrame(frame, { timestamp });
    frame.close();
  }
  last?.close();
  last = out.clone();
  written++;
  send(out);
}

function send(frame: VideoFrame): void {
  if (!writer) {
    frame.close();
    return;
  }
  lastWrittenAt = performance.now();
  // The generator closes what it is given; a write into a stopped track rejects and is closed here.
  writer.write(frame).catch(() => frame.close());
}

/** Called every half frame interval while a source is attached: repeats the last frame if due. */
function tick(): void {
  if (!last || ended) return;
  const now = performance.now();
  if (now - countsSentAt >= COUNTS_EVERY_MS) {
    countsSentAt = now;
    scope.postMessage({ type: 'counts', written, repeated });
  }
  const silentMs = now - lastFrameAt;
  // A restart the page announced: no frames will come for seconds, repeat at once.
  const waitMs = repeatRequested
    ? frameIntervalMs * SILENT_INTERVALS
    : clock.silenceMs(frameIntervalMs, SILENT_INTERVALS);
  if (silentMs < waitMs) return;
  if (!repeatRequested && silentMs > AUTO_REPEAT_MS) return;
  // A tick comes every half interval, a little late or early: a quarter's slack keeps repeats at
  // the camera's rate instead of every third tick.
  if (!writer || now - lastWrittenAt < frameIntervalMs * 0.75) return;
  repeated++;
  send(new VideoFrame(last, { timestamp: clock.repeat(now) }));
}

/** Paces the ticker (every half frame interval) to the camera's rate. */
function setFrameRate(frameRate: number): void {
  if (frameRate > 0) frameIntervalMs = 1000 / frameRate;
  if (ticker) clearInterval(ticker);
  ticker = setInterval(tick, Math.max(5, frameIntervalMs / 2));
}

function end(): void {
  if (ended) return;
  ended = true;
  if (ticker) clearInterval(ticker);
  ticker = null;
  source?.close();
  source = null;
  last?.close();
  last = null;
  writer?.close().catch(() => undefined);
  writer = null;
}

scope.addEventListener('message', (event) => {
  const message = event.data;
  switch (message.type) {
    case 'open':
      writer = message.writable.getWriter();
      setFrameRate(message.frameRate);
      break;
    case 'source': {
      // The previous pipeline's port: whatever it still delivers is from a pipeline that is gone.
      source?.close();
      const port = message.port;
      source = port;
      port.onmessage = (e: MessageEvent<{ frame: VideoFrame }>) => {
        if (source !== port) {
          e.data.frame.close();
          return;
        }
        repeatRequested = false;
        lastFrameAt = performance.now();
        writeFrame(e.data.frame);
      };
      break;
    }
    case 'repeat':
      repeatRequested = message.on;
      break;
    case 'rate':
      if (!ended) setFrameRate(message.frameRate);
      break;
    case 'close':
      end();
      scope.postMessage({ type: 'closed', written, repeated });
      break;
  }
});
