/**
 * onnxruntime-web engine: the converted MediaPipe selfie models (tools/tflite-to-onnx) and custom
 * ONNX models. Runs in a segmenter worker; wasm and its glue come from the spec's folder (served
 * from models/ort/, materialised at install time), never a CDN. One readback reaches it: the
 * model-size RGBA frame; normalisation happens here, once, into a reused tensor buffer.
 */
import * as ort from 'onnxruntime-web';
import { VirtualBackgroundError } from '../errors';
import { fetchAsset, fetchBytes } from './assets';
import { infoOf, type OnnxSpec, type SegmentationEngine } from './segmenter';

/** The one wasm binary the default onnxruntime-web bundle loads (JSEP: wasm and WebGPU backends). */
export const ORT_WASM_FILE = 'ort-wasm-simd-threaded.jsep.wasm';

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export async function createOnnxEngine(spec: OnnxSpec): Promise<SegmentationEngine> {
  if (spec.backend === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    if (!adapter) {
      throw new VirtualBackgroundError(
        'unsupported-browser',
        'onnxruntime-web WebGPU backend: no WebGPU adapter here',
      );
    }
  }
  ort.env.wasm.wasmPaths = spec.wasmBaseUrl;
  ort.env.wasm.numThreads = spec.threads;
  ort.env.logLevel = 'error';
  const [model] = await Promise.all([
    fetchBytes(spec.modelUrl),
    fetchAsset(new URL(ORT_WASM_FILE, spec.wasmBaseUrl).href, 'HEAD'),
  ]);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [spec.backend],
      graphOptimizationLevel: 'all',
    });
  } catch (cause) {
    throw new VirtualBackgroundError(
      'model-load-failed',
      `onnxruntime-web (${spec.backend}) refused ${spec.modelName}: ${messageOf(cause)}`,
      { cause },
    );
  }
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  if (inputName === undefined || outputName === undefined) {
    await session.release();
    throw new VirtualBackgroundError(
      'model-load-failed',
      `${spec.modelName} has no input or output`,
    );
  }
  const { width: w, height: h } = spec;
  const size = w * h;
  const input = new Float32Array(size * 3);
  const dims = spec.layout === 'nhwc' ? [1, h, w, 3] : [1, 3, h, w];
  const [mr, mg, mb] = spec.mean;
  const [sr, sg, sb] = spec.std;
  // (p / 255 - mean) / std as p * scale + offset, per channel.
  const scale = [1 / (255 * sr), 1 / (255 * sg), 1 / (255 * sb)] as const;
  const offset = [-mr / sr, -mg / sg, -mb / sb] as const;
  let disposed = false;

  const fill = (rgba: Uint8ClampedArray): void => {
    if (spec.layout === 'nhwc') {
      for (let i = 0, j = 0; i < size; i++, j += 3) {
        const k = i * 4;
        input[j] = (rgba[k] ?? 0) * scale[0] + offset[0];
        input[j + 1] = (rgba[k + 1] ?? 0) * scale[1] + offset[1];
        input[j + 2] = (rgba[k + 2] ?? 0) * scale[2] + offset[2];
      }
    } else {
      for (let i = 0; i < size; i++) {
        const k = i * 4;
        input[i] = (rgba[k] ?? 0) * scale[0] + offset[0];
        input[size + i] = (rgba[k + 1] ?? 0) * scale[1] + offset[1];
        input[2 * size + i] = (rgba[k + 2] ?? 0) * scale[2] + offset[2];
      }
    }
  };

  const read = (tensor: ort.Tensor, out: Float32Array): void => {
    const data = tensor.data;
    if (!(data instanceof Float32Array)) {
      throw new VirtualBackgroundError(
        'segmentation-failed',
        `${spec.modelName}: output ${outputName} is ${tensor.type}, expected float32`,
      );
    }
    const channels = data.length / size;
    if (!Number.isInteger(channels) || channels < 1) {
      throw new VirtualBackgroundError(
        'segmentation-failed',
        `${spec.modelName}: output of ${data.length} values does not fit ${w}x${h}`,
      );
    }
    if (spec.output === 'probability' || spec.output === 'logits') {
      if (channels !== 1) {
        throw new VirtualBackgroundError(
          'segmentation-failed',
          `${spec.modelName}: ${channels} output channels; a ${spec.output} model has one`,
        );
      }
      if (spec.output === 'probability') out.set(data);
      else for (let i = 0; i < size; i++) out[i] = 1 / (1 + Math.exp(-(data[i] ?? 0)));
      return;
    }
    for (const c of spec.foreground) {
      if (c >= channels) {
        throw new VirtualBackgroundError(
          'segmentation-failed',
          `${spec.modelName}: foreground class ${c} but the output has ${channels} classes`,
        );
      }
    }
    // Softmax over classes, summed over the foreground ones: the probability of "any foreground".
    const nhwc = spec.layout === 'nhwc';
    for (let i = 0; i < size; i++) {
      const at = (c: number) => (nhwc ? (data[i * channels + c] ?? 0) : (data[c * size + i] ?? 0));
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < channels; c++) max = Math.max(max, at(c));
      let total = 0;
      let fg = 0;
      for (let c = 0; c < channels; c++) {
        const e = Math.exp(at(c) - max);
        total += e;
        if (spec.foreground.includes(c)) fg += e;
      }
      out[i] = fg / total;
    }
  };

  const engine: SegmentationEngine = {
    info: infoOf(spec),
    async segment(image: ImageData, _timestampMs: number, out: Float32Array): Promise<void> {
      fill(image.data);
      const results = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) });
      const tensor = results[outputName];
      if (!tensor) {
        throw new VirtualBackgroundError('segmentation-failed', `no output ${outputName}`);
      }
      try {
        read(tensor, out);
      } finally {
        tensor.dispose();
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      void session.release();
    },
  };
  // First run: kernel selection, buffer allocation, shader compiles on WebGPU. Pay it here.
  try {
    await engine.segment(new ImageData(w, h), 0, new Float32Array(size));
  } catch (cause) {
    engine.dispose();
    throw new VirtualBackgroundError(
      'model-load-failed',
      `${spec.modelName} warm-up run failed: ${messageOf(cause)}`,
      { cause },
    );
  }
  return engine;
}
