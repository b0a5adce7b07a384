import { ImageSegmenter, type ImageSegmenterResult } from '@mediapipe/tasks-vision';
import { VirtualBackgroundError } from '../errors';
import { fetchAsset, fetchBytes } from './assets';
import { infoOf, type MediaPipeSpec, type SegmentationEngine } from './segmenter';

/**
 * tasks-vision ImageSegmenter in VIDEO mode with confidence masks. The wasm is the module variant
 * (the classic loader fails in module workers) at the spec's URLs, never a CDN.
 */
export async function createMediaPipeEngine(spec: MediaPipeSpec): Promise<SegmentationEngine> {
  // The module loader's own URL, not FilesetResolver's folder: a bundler may have renamed the
  // files. In a module worker tasks-vision imports the loader (importScripts throws there).
  const fileset = { wasmLoaderPath: spec.wasm.loader, wasmBinaryPath: spec.wasm.binary };
  const [model] = await Promise.all([
    fetchBytes(spec.modelUrl),
    fetchAsset(fileset.wasmLoaderPath, 'HEAD'),
    fetchAsset(fileset.wasmBinaryPath, 'HEAD'),
  ]);
  let segmenter: ImageSegmenter;
  try {
    segmenter = await ImageSegmenter.createFromOptions(fileset, {
      baseOptions: { modelAssetBuffer: model, delegate: spec.delegate },
      runningMode: 'VIDEO',
      outputConfidenceMasks: true,
      outputCategoryMask: false,
    });
  } catch (cause) {
    throw new VirtualBackgroundError(
      'model-load-failed',
      `tasks-vision refused ${spec.modelUrl}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  const size = spec.width * spec.height;
  let target: Float32Array = new Float32Array(size);
  let lastTimestamp = -1;
  let disposed = false;

  const copyForeground = (result: ImageSegmenterResult): void => {
    const masks = result.confidenceMasks ?? [];
    for (const m of masks) {
      if (m.width * m.height !== size) {
        throw new VirtualBackgroundError(
          'segmentation-failed',
          `mask is ${m.width}x${m.height}, expected ${spec.width}x${spec.height}`,
        );
      }
    }
    // The masks are borrowed: copy them out inside the callback; tasks-vision closes them afterwards.
    if (spec.foreground.length === 0) {
      // Two-class models list background first; the single-output selfie models give the person only.
      const person = masks.length > 1 ? masks[masks.length - 1] : masks[0];
      if (!person)
        throw new VirtualBackgroundError(
          'segmentation-failed',
          'tasks-vision returned no confidence mask',
        );
      target.set(person.getAsFloat32Array());
      return;
    }
    target.fill(0);
    for (const index of spec.foreground) {
      const mask = masks[index];
      if (!mask) {
        throw new VirtualBackgroundError(
          'segmentation-failed',
          `the model gave ${masks.length} masks; foreground class ${index} is not among them`,
        );
      }
      const values = mask.getAsFloat32Array();
      for (let i = 0; i < size; i++) target[i] = (target[i] ?? 0) + (values[i] ?? 0);
    }
  };

  const engine: SegmentationEngine = {
    info: infoOf(spec),
    segment(image: ImageData, timestampMs: number, out: Float32Array): void {
      // VIDEO mode rejects timestamps that do not increase.
      const ts = Math.max(timestampMs, lastTimestamp + 1);
      lastTimestamp = ts;
      target = out;
      segmenter.segmentForVideo(image, ts, copyForeground);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      segmenter.close();
    },
  };
  // The first call initialises XNNPACK and the graph (seconds on a slow machine): pay it here, at
  // load time, in the segmenter's own worker, not on a camera frame.
  try {
    engine.segment(new ImageData(spec.width, spec.height), 0, new Float32Array(size));
  } catch (cause) {
    engine.dispose();
    throw new VirtualBackgroundError('model-load-failed', `warm-up run failed: ${String(cause)}`, {
      cause,
    });
  }
  return engine;
}
