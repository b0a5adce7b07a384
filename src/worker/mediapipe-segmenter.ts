import {
  FilesetResolver,
  ImageSegmenter,
  type ImageSegmenterResult,
} from '@mediapipe/tasks-vision';
import { VirtualBackgroundError } from '../errors';
import type { Segmenter } from './segmenter';

export interface MediaPipeSegmenterOptions {
  assetBaseUrl: string; // holds wasm/ and the model file
  modelFile: string;
  inputWidth: number;
  inputHeight: number;
  delegate: 'CPU' | 'GPU';
}

/**
 * Fetches an asset and fails with its URL named, instead of an opaque script or model error inside
 * tasks-vision. An HTML answer counts as missing: dev servers and SPA hosts answer unknown paths
 * with index.html and status 200.
 */
async function fetchAsset(url: string, method: 'GET' | 'HEAD'): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { method });
  } catch (cause) {
    throw new VirtualBackgroundError('asset-load-failed', `could not fetch ${url}`, { cause });
  }
  if (!response.ok) {
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `${url} answered ${response.status} ${response.statusText}`,
    );
  }
  if ((response.headers.get('content-type') ?? '').includes('text/html')) {
    throw new VirtualBackgroundError(
      'asset-load-failed',
      `${url} answered with an HTML page, not the asset (wrong assetBaseUrl?)`,
    );
  }
  return response;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetchAsset(url, 'GET')).arrayBuffer());
}

/**
 * tasks-vision ImageSegmenter in VIDEO mode with confidence masks. The wasm is the module variant
 * (the classic loader fails in module workers) served from assetBaseUrl, never a CDN.
 */
export async function createMediaPipeSegmenter(
  options: MediaPipeSegmenterOptions,
): Promise<Segmenter> {
  const wasmBase = new URL('wasm', options.assetBaseUrl).href;
  const modelUrl = new URL(options.modelFile, options.assetBaseUrl).href;
  const fileset = await FilesetResolver.forVisionTasks(wasmBase, true);
  const [model] = await Promise.all([
    fetchBytes(modelUrl),
    fetchAsset(fileset.wasmLoaderPath, 'HEAD'),
    fetchAsset(fileset.wasmBinaryPath, 'HEAD'),
  ]);
  let segmenter: ImageSegmenter;
  try {
    segmenter = await ImageSegmenter.createFromOptions(fileset, {
      baseOptions: { modelAssetBuffer: model, delegate: options.delegate },
      runningMode: 'VIDEO',
      outputConfidenceMasks: true,
      outputCategoryMask: false,
    });
  } catch (cause) {
    throw new VirtualBackgroundError(
      'model-load-failed',
      `tasks-vision refused ${modelUrl}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  const size = options.inputWidth * options.inputHeight;
  const confidence = new Float32Array(size);
  let lastTimestamp = -1;
  let disposed = false;

  const copyPerson = (result: ImageSegmenterResult): void => {
    const masks = result.confidenceMasks ?? [];
    // Two-class models list background first; the single-output selfie models give the person only.
    const person = masks.length > 1 ? masks[masks.length - 1] : masks[0];
    if (!person)
      throw new VirtualBackgroundError(
        'segmentation-failed',
        'tasks-vision returned no confidence mask',
      );
    if (person.width * person.height !== size) {
      throw new VirtualBackgroundError(
        'segmentation-failed',
        `mask is ${person.width}x${person.height}, expected ${options.inputWidth}x${options.inputHeight}`,
      );
    }
    // The mask is borrowed: copy it out inside the callback; tasks-vision closes it afterwards.
    confidence.set(person.getAsFloat32Array());
  };

  const segmenterApi: Segmenter = {
    info: {
      engine: 'mediapipe',
      backend: options.delegate === 'GPU' ? 'gpu' : 'cpu',
      model: options.modelFile,
      inputWidth: options.inputWidth,
      inputHeight: options.inputHeight,
    },
    segment(image: ImageData, timestampMs: number): Float32Array {
      // VIDEO mode rejects timestamps that do not increase.
      const ts = Math.max(timestampMs, lastTimestamp + 1);
      lastTimestamp = ts;
      segmenter.segmentForVideo(image, ts, copyPerson);
      return confidence;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      segmenter.close();
    },
  };
  // The first call initialises XNNPACK and the graph (seconds on a slow machine): pay it here, at
  // load time, not on the first camera frame, where it would stall the output.
  try {
    segmenterApi.segment(new ImageData(options.inputWidth, options.inputHeight), 0);
  } catch (cause) {
    segmenterApi.dispose();
    throw new VirtualBackgroundError('model-load-failed', `warm-up run failed: ${String(cause)}`, {
      cause,
    });
  }
  return segmenterApi;
}
