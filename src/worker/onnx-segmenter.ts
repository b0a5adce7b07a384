/**
 * onnxruntime-web engine: the converted MediaPipe selfie models (tools/tflite-to-onnx) and custom
 * ONNX models. Runs in a segmenter worker; wasm and its glue come from the spec's folder (served
 * from models/ort/, materialised at install time), never a CDN. One readback reaches it: the
 * model-size RGBA frame; normalisation happens here, once, into a reused tensor buffer.
 */
import * as ort from 'onnxruntime-web';
import { VirtualBackgroundError } from '../errors';
import { buildOnnxModel, type OnnxNode } from '../onnx-writer';
import { fetchAsset, fetchBytes } from './assets';
import { personClassEngine, personFusionGroups } from './class-fusion';
import { fusedEngine } from './fused-segmenter';
import { MaskCleanup } from './mask-cleanup';
import { infoOf, type OnnxSpec, type SegmentationEngine, type SegmenterInfo } from './segmenter';

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The graph that turns per-class scores into foreground channels: softmax over classes, then for
 * each group of classes its probabilities gathered and summed (output `group<i>`). Run by the same
 * backend as the model, so on WebGPU the class scores never leave the GPU; only the one-channel
 * masks are read back. Every group must name at least one class.
 */
export function categoryReductionModel(
  width: number,
  height: number,
  classes: number,
  groups: number[][],
  layout: 'nhwc' | 'nchw',
): Uint8Array {
  const axis = layout === 'nhwc' ? 3 : 1;
  const shape = layout === 'nhwc' ? [1, height, width, classes] : [1, classes, height, width];
  return buildOnnxModel({
    inputs: [{ name: 'scores', elemType: 'float32', shape }],
    outputs: groups.map((_, i) => ({
      name: `group${i}`,
      elemType: 'float32' as const,
      shape: [1, height, width],
    })),
    nodes: [
      {
        opType: 'Softmax',
        inputs: ['scores'],
        outputs: ['probabilities'],
        attributes: { axis: { kind: 'int', value: axis } },
      },
      ...groups.flatMap((_, i): OnnxNode[] => [
        {
          opType: 'Gather',
          inputs: ['probabilities', `classes${i}`],
          outputs: [`kept${i}`],
          attributes: { axis: { kind: 'int' as const, value: axis } },
        },
        {
          opType: 'ReduceSum',
          inputs: [`kept${i}`, 'axes'],
          outputs: [`group${i}`],
          attributes: { keepdims: { kind: 'int' as const, value: 0 } },
        },
      ]),
    ],
    initializers: [
      ...groups.map((group, i) => ({
        name: `classes${i}`,
        dataType: 'int64' as const,
        dims: [group.length],
        data: BigInt64Array.from(group.map((c) => BigInt(c))),
      })),
      { name: 'axes', dataType: 'int64', dims: [1], data: BigInt64Array.from([BigInt(axis)]) },
    ],
  });
}

export async function createOnnxEngine(spec: OnnxSpec): Promise<SegmentationEngine> {
  if (spec.fusion) return createFusedOnnxEngine(spec, spec.fusion);
  return singleChannel(await openOnnxModel(spec, () => [spec.foreground]));
}

function singleChannel(model: OnnxModel): SegmentationEngine {
  return {
    info: model.info,
    segment: (image, _timestampMs, out) => model.run(image, [out]),
    dispose: () => model.dispose(),
  };
}

/** A loaded model that answers one or more foreground channels per picture. */
interface OnnxModel {
  readonly info: SegmenterInfo;
  /**
   * `categories` models: group i's probability (groupsFor(classes)[i]) into outs[i], 0 where the
   * group is empty. One-channel models: their channel into outs[0]. A missing out is not written.
   */
  run(image: ImageData, outs: Float32Array[]): Promise<void>;
  dispose(): void;
}

/**
 * Loads and warms up `spec`'s model. `groupsFor` names the classes summed into each output once
 * the model's class count is known (its first answer).
 */
async function openOnnxModel(
  spec: OnnxSpec,
  groupsFor: (classes: number) => number[][],
): Promise<OnnxModel> {
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
  ort.env.wasm.wasmPaths = { mjs: spec.wasm.mjs, wasm: spec.wasm.wasm };
  ort.env.wasm.numThreads = spec.threads;
  ort.env.logLevel = 'error';
  const [modelBytes] = await Promise.all([
    fetchBytes(spec.modelUrl),
    fetchAsset(spec.wasm.wasm, 'HEAD'),
  ]);
  let session: ort.InferenceSession;
  const categories = spec.output === 'categories';
  try {
    session = await ort.InferenceSession.create(modelBytes, {
      executionProviders: [spec.backend],
      graphOptimizationLevel: 'all',
      // Class scores stay on the GPU for the reduction graph (below).
      ...(categories && spec.backend === 'webgpu'
        ? { preferredOutputLocation: 'gpu-buffer' as const }
        : {}),
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

  let reduction: {
    session: ort.InferenceSession;
    classes: number;
    groups: number[][];
  } | null = null;

  /** Class count from the model's output shape (channels last for nhwc, first for nchw). */
  const classesOf = (tensor: ort.Tensor): number => {
    const shape = tensor.dims;
    const channels = spec.layout === 'nhwc' ? shape[3] : shape[1];
    if (shape.length !== 4 || channels === undefined || channels * size !== tensor.size) {
      throw new VirtualBackgroundError(
        'segmentation-failed',
        `${spec.modelName}: output shape [${shape.join(',')}] is not ${spec.layout} classes at ${w}x${h}`,
      );
    }
    return channels;
  };

  const reduce = async (tensor: ort.Tensor, outs: Float32Array[]): Promise<void> => {
    const classes = classesOf(tensor);
    let current = reduction;
    if (current?.classes !== classes) {
      // The groups once per class count, checked against it (not on every frame), before the old
      // reduction is let go.
      const groups = groupsFor(classes);
      for (const c of groups.flat()) {
        if (c >= classes) {
          throw new VirtualBackgroundError(
            'segmentation-failed',
            `${spec.modelName}: foreground class ${c} but the output has ${classes} classes`,
          );
        }
      }
      const nonEmpty = groups.filter((g) => g.length > 0);
      await current?.session.release();
      current = {
        classes,
        groups,
        session: await ort.InferenceSession.create(
          categoryReductionModel(w, h, classes, nonEmpty, spec.layout),
          { executionProviders: [spec.backend] },
        ),
      };
      reduction = current;
    }
    const result = await current.session.run({ scores: tensor });
    let next = 0;
    try {
      current.groups.forEach((group, i) => {
        const out = outs[i];
        if (group.length === 0) {
          out?.fill(0);
          return;
        }
        const mask = result[`group${next++}`];
        if (!mask) throw new VirtualBackgroundError('segmentation-failed', 'no foreground output');
        out?.set(mask.data as Float32Array);
      });
    } finally {
      for (const m of Object.values(result)) m.dispose();
    }
  };

  /** One-channel outputs: the person probability, or its logit. */
  const read = (tensor: ort.Tensor, out: Float32Array): void => {
    const data = tensor.data;
    if (!(data instanceof Float32Array)) {
      throw new VirtualBackgroundError(
        'segmentation-failed',
        `${spec.modelName}: output ${outputName} is ${tensor.type}, expected float32`,
      );
    }
    if (data.length !== size) {
      throw new VirtualBackgroundError(
        'segmentation-failed',
        `${spec.modelName}: ${data.length} output values; a ${spec.output} model gives one per pixel (${w}x${h})`,
      );
    }
    if (spec.output === 'probability') out.set(data);
    else for (let i = 0; i < size; i++) out[i] = 1 / (1 + Math.exp(-(data[i] ?? 0)));
  };

  const model: OnnxModel = {
    info: infoOf(spec),
    async run(image: ImageData, outs: Float32Array[]): Promise<void> {
      fill(image.data);
      const results = await session.run({ [inputName]: new ort.Tensor('float32', input, dims) });
      const tensor = results[outputName];
      if (!tensor) {
        throw new VirtualBackgroundError('segmentation-failed', `no output ${outputName}`);
      }
      try {
        if (categories) await reduce(tensor, outs);
        else if (outs[0]) read(tensor, outs[0]);
      } finally {
        tensor.dispose();
      }
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      void session.release();
      void reduction?.session.release();
    },
  };
  // First run: kernel selection, buffer allocation, shader compiles on WebGPU. Pay it here; an
  // output of the wrong size or type is found here too, as a load failure.
  try {
    await model.run(new ImageData(w, h), [new Float32Array(size)]);
  } catch (cause) {
    model.dispose();
    throw new VirtualBackgroundError(
      'model-load-failed',
      `${spec.modelName} warm-up run failed: ${messageOf(cause)}`,
      { cause },
    );
  }
  return model;
}

/** A level's two models (LevelModel.fusion), each loaded here, combined by the fusion's rule. */
async function createFusedOnnxEngine(
  spec: OnnxSpec,
  fusion: NonNullable<OnnxSpec['fusion']>,
): Promise<SegmentationEngine> {
  const { fusion: _, ...single } = spec;
  const rule = fusion.rule;
  const primary =
    rule.kind === 'person-class'
      ? await openOnnxModel(single, (classes) =>
          personFusionGroups(classes, spec.foreground, rule.personClass, rule.backgroundClass),
        )
      : await openOnnxModel(single, () => [spec.foreground]);
  let companion: SegmentationEngine;
  try {
    companion = await createOnnxEngine({ ...single, ...fusion.companion, foreground: [] });
  } catch (error) {
    primary.dispose();
    throw error;
  }
  const geometry = {
    width: spec.width,
    height: spec.height,
    companion: { width: fusion.companion.width, height: fusion.companion.height },
  };
  if (rule.kind === 'person-class') return personClassEngine(primary, companion, geometry);
  return fusedEngine(singleChannel(primary), companion, geometry, {
    holes: new MaskCleanup(spec.width, spec.height, false),
    companionShapes: new MaskCleanup(spec.width, spec.height),
  });
}
