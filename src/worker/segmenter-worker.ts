/// <reference lib="webworker" />
/**
 * Hosts one segmentation engine, off the compositing thread: loading, warming up and running a
 * model here never stalls the output, and a new engine can load beside the one serving. The
 * pipeline worker owns this worker (RemoteSegmenter) and terminates it after 'disposed'.
 */
import { serializeError, VirtualBackgroundError } from '../errors';
import { MaskCleanup } from './mask-cleanup';
import type { SegmentationEngine } from './segmenter';
import type { FromSegmenter, ToSegmenter } from './segmenter-protocol';

const scope = self as unknown as {
  postMessage(message: FromSegmenter, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToSegmenter>) => void): void;
  close(): void;
};

let engine: SegmentationEngine | null = null;

/**
 * Origins this worker may fetch from: the model's and the wasm's. tasks-vision 1.1 starts a usage
 * logger that POSTs to odml.pa.googleapis.com every 60 s and on close, with no option to turn it
 * off; a video-call library must not phone home, so every other origin is refused here, before
 * anything leaves the machine (the logger then stops itself).
 */
const allowedOrigins = new Set<string>();
const nativeFetch = self.fetch.bind(self);
self.fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const url = new URL(href, self.location.href);
  if (url.protocol === 'blob:' || url.protocol === 'data:' || allowedOrigins.has(url.origin)) {
    return nativeFetch(input, init);
  }
  return Promise.reject(
    new TypeError(`[Segmenter] refused a request to ${url.origin}: only model and wasm origins`),
  );
};
/**
 * The engine's wasm (tasks-vision's or onnxruntime's, 13 and 28 MB) is compiled once per pipeline,
 * not once per worker: both loaders call WebAssembly.instantiateStreaming, which here instantiates
 * a module an earlier worker compiled when the pipeline passed one, and otherwise keeps what it
 * compiles for the 'loaded' answer. Compiling again took the CPU from compositing when a level
 * switch brought an engine back (its compile threads ran on both cores).
 */
let reusableModule: WebAssembly.Module | null = null;
let compiledModule: WebAssembly.Module | null = null;
let moduleReused = false;
const nativeInstantiateStreaming = WebAssembly.instantiateStreaming.bind(WebAssembly);
WebAssembly.instantiateStreaming = async (
  source: Response | PromiseLike<Response>,
  imports?: WebAssembly.Imports,
): Promise<WebAssembly.WebAssemblyInstantiatedSource> => {
  const module = reusableModule;
  if (module) {
    reusableModule = null;
    try {
      const instance = await WebAssembly.instantiate(module, imports);
      moduleReused = true;
      compiledModule = module;
      // The loader fetched the binary already; nothing reads it now.
      void Promise.resolve(source)
        .then((response) => response.body?.cancel())
        .catch(() => undefined);
      return { module, instance };
    } catch {
      // Not this loader's module (its imports differ): compile what it fetched, as it asked.
    }
  }
  const result = await nativeInstantiateStreaming(source, imports);
  compiledModule ??= result.module;
  return result;
};

/** The shape clean-up for this engine's masks, when its spec asks for it. */
let cleanup: MaskCleanup | null = null;

/** Messages run one at a time, in order: segment() may be async (onnxruntime-web). */
let queue: Promise<void> = Promise.resolve();

async function load(message: Extract<ToSegmenter, { type: 'load' }>): Promise<void> {
  const t0 = performance.now();
  try {
    const spec = message.spec;
    // A fused level fetches its second model too: its origin is allowed like the first's.
    const companion = spec.engine === 'onnxruntime' ? spec.fusion?.companion.modelUrl : undefined;
    for (const u of [
      spec.modelUrl,
      ...(companion ? [companion] : []),
      ...Object.values(spec.wasm),
    ]) {
      allowedOrigins.add(new URL(u).origin);
    }
    reusableModule = message.wasmModule;
    engine =
      spec.engine === 'mediapipe'
        ? await (await import('./mediapipe-segmenter')).createMediaPipeEngine(spec)
        : await (await import('./onnx-segmenter')).createOnnxEngine(spec);
    cleanup = spec.cleanShapes
      ? new MaskCleanup(engine.info.inputWidth, engine.info.inputHeight)
      : null;
    scope.postMessage({
      type: 'loaded',
      info: engine.info,
      loadMs: performance.now() - t0,
      wasmModule: compiledModule,
      wasmReused: moduleReused,
    });
  } catch (error) {
    scope.postMessage({ type: 'load-failed', error: serializeError(error, 'model-load-failed') });
  }
}

async function segment(message: Extract<ToSegmenter, { type: 'segment' }>): Promise<void> {
  const { id, pixels } = message;
  try {
    if (!engine) throw new VirtualBackgroundError('invalid-state', 'no engine loaded');
    if (failing)
      throw new VirtualBackgroundError('segmentation-failed', 'engine failure (simulated)');
    const { inputWidth: w, inputHeight: h } = engine.info;
    if (pixels.byteLength !== w * h * 4) {
      throw new VirtualBackgroundError(
        'segmentation-failed',
        `input is ${pixels.byteLength} bytes, expected ${w}x${h} RGBA`,
      );
    }
    // A view on the transferred buffer, no copy; the buffer goes back with the answer.
    const image = new ImageData(new Uint8ClampedArray(pixels), w, h);
    const mask =
      message.mask && message.mask.byteLength === w * h * 4
        ? new Float32Array(message.mask)
        : new Float32Array(w * h);
    const t0 = performance.now();
    await engine.segment(image, message.timestampMs, mask, message.aspect);
    if (message.slowdown > 1) {
      // Waits, not spins: the hook makes the engine slower, not the machine busier, so the
      // scheduling it exercises reads the same on a quiet machine and on one with other work
      // running. (Spinning, a 4x slower engine at its floor duty took half of the one core a
      // loaded 2-core machine had left, and the test measured that instead.) Contention between
      // inference and compositing is the duty controller's: mask-scheduler unit tests, bench rows.
      const extraMs = (performance.now() - t0) * (message.slowdown - 1);
      await new Promise((resolve) => setTimeout(resolve, extraMs));
    }
    cleanup?.apply(mask);
    const inferenceMs = performance.now() - t0;
    scope.postMessage({ type: 'mask', id, mask: mask.buffer, pixels, inferenceMs }, [
      mask.buffer,
      pixels,
    ]);
  } catch (error) {
    scope.postMessage(
      { type: 'segment-failed', id, error: serializeError(error, 'segmentation-failed'), pixels },
      [pixels],
    );
  }
}

/** Testing only (the 'fault' message): every request fails inside the engine. */
let failing = false;

scope.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'fault') {
    // Not queued: a crash comes whatever the engine is doing.
    if (message.fault === 'crash') scope.close();
    else failing = true;
    return;
  }
  queue = queue.then(async () => {
    switch (message.type) {
      case 'load':
        await load(message);
        break;
      case 'segment':
        await segment(message);
        break;
      case 'dispose':
        engine?.dispose();
        engine = null;
        scope.postMessage({ type: 'disposed' });
        scope.close();
        break;
    }
  });
});
