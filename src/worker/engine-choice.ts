/**
 * Which engine backend runs a level's model: forced by the user, remembered from an earlier
 * measurement on this device, or a first guess that a measurement at start may overturn
 * (BackendProbe). A backend is 'cpu' | 'gpu' for tasks-vision and 'wasm' | 'webgpu' for
 * onnxruntime-web.
 */
import type { AssetUrls } from '../asset-urls';
import type { LevelModel } from '../levels';
import type { WorkerSettings } from '../protocol';
import type { BackendChoice } from '../types';
import { isSoftwareRenderer, rendererName } from './gl-context';
import type { EngineSpec, OnnxSpec } from './segmenter';

export interface ChoiceContext {
  assets: AssetUrls;
  /** The user's option: 'CPU' means tasks-vision CPU / onnxruntime wasm, 'GPU' the GPU ones. */
  delegate: 'auto' | 'CPU' | 'GPU';
  /** Earlier measurements on this device, by backendKey(). */
  memory: Record<string, string>;
  /** WebGL renderer string: what makes one device differ from another here. */
  renderer: string;
  software: boolean;
  /** Whether navigator.gpu exists (onnxruntime-web's WebGPU backend needs it). */
  webgpu: boolean;
  /** onnxruntime-web wasm threads. */
  threads: number;
}

/** The device as the pipeline's GL context shows it, with the user's options: read once per pipeline. */
export function choiceContextFor(
  settings: WorkerSettings,
  gl: WebGL2RenderingContext,
): ChoiceContext {
  return {
    assets: settings.assets,
    delegate: settings.segmenterDelegate,
    memory: settings.backendMemory,
    renderer: rendererName(gl),
    software: isSoftwareRenderer(gl),
    webgpu: typeof navigator !== 'undefined' && 'gpu' in navigator,
    // onnxruntime-web threads need SharedArrayBuffer; one core stays for compositing.
    threads: self.crossOriginIsolated
      ? Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1))
      : 1,
  };
}

export function backendKey(model: LevelModel, ctx: ChoiceContext): string {
  const file = model.fusion ? `${model.file}+${model.fusion.companion.file}` : model.file;
  return `${model.engine}|${file}|${ctx.renderer}`;
}

/**
 * What makes two models the same running engine: the file and backend key, and for a multi-class
 * model the classes kept and how it is fed (they are built into its engine: the category
 * reduction). The same file with other classes is another engine, loaded like a level switch.
 */
export function engineKey(model: LevelModel, ctx: ChoiceContext): string {
  const classes = model.foreground?.length ? `|keep:${model.foreground.join(',')}` : '';
  const feed = model.onnx ? `|${JSON.stringify(model.onnx)}` : '';
  return `${backendKey(model, ctx)}${classes}${feed}`;
}

function backendsFor(model: LevelModel, ctx: ChoiceContext): [cpu: string, gpu: string | null] {
  return model.engine === 'mediapipe' ? ['cpu', 'gpu'] : ['wasm', ctx.webgpu ? 'webgpu' : null];
}

export function chooseBackend(
  model: LevelModel,
  ctx: ChoiceContext,
): { backend: string; choice: BackendChoice } {
  const [cpu, gpu] = backendsFor(model, ctx);
  if (ctx.delegate === 'CPU') return { backend: cpu, choice: 'forced' };
  if (ctx.delegate === 'GPU') return { backend: gpu ?? cpu, choice: 'forced' };
  const remembered = ctx.memory[backendKey(model, ctx)];
  if (remembered === cpu || (remembered !== undefined && remembered === gpu)) {
    return { backend: remembered, choice: 'remembered' };
  }
  // First guess: software GL makes the GPU paths slow (tasks-vision GPU ~110 ms vs CPU 10-25 ms here).
  return { backend: ctx.software || !gpu ? cpu : gpu, choice: 'default' };
}

/** The other backend worth measuring against `backend`, if any and if the choice is open. */
export function alternativeBackend(
  model: LevelModel,
  backend: string,
  ctx: ChoiceContext,
): string | null {
  if (ctx.delegate !== 'auto') return null;
  const [cpu, gpu] = backendsFor(model, ctx);
  if (!gpu) return null;
  return backend === cpu ? gpu : cpu;
}

export function specFor(model: LevelModel, backend: string, ctx: ChoiceContext): EngineSpec {
  const common = {
    modelUrl: assetUrl(model.file, ctx),
    modelName: fileName(model.file),
    width: model.width,
    height: model.height,
    cleanShapes: model.cleanShapes === true,
  };
  if (model.engine === 'mediapipe') {
    return {
      ...common,
      engine: 'mediapipe',
      wasm: {
        loader: ctx.assets['wasm/vision_wasm_module_internal.js'],
        binary: ctx.assets['wasm/vision_wasm_module_internal.wasm'],
      },
      delegate: backend === 'gpu' ? 'GPU' : 'CPU',
      foreground: model.foreground ?? [],
    };
  }
  const onnx = model.onnx ?? {
    layout: 'nhwc',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    output: 'probability',
  };
  return {
    ...common,
    engine: 'onnxruntime',
    wasm: {
      mjs: ctx.assets['ort/ort-wasm-simd-threaded.jsep.mjs'],
      wasm: ctx.assets['ort/ort-wasm-simd-threaded.jsep.wasm'],
    },
    backend: backend === 'webgpu' ? 'webgpu' : 'wasm',
    layout: onnx.layout,
    mean: onnx.mean,
    std: onnx.std,
    output: onnx.output,
    foreground: model.foreground ?? [],
    threads: ctx.threads,
    ...(model.fusion ? { fusion: companionSpec(model.fusion, ctx) } : {}),
  };
}

function companionSpec(
  fusion: NonNullable<LevelModel['fusion']>,
  ctx: ChoiceContext,
): NonNullable<OnnxSpec['fusion']> {
  const { file, width, height, onnx } = fusion.companion;
  return {
    companion: {
      modelUrl: assetUrl(file, ctx),
      modelName: fileName(file),
      width,
      height,
      layout: onnx.layout,
      mean: onnx.mean,
      std: onnx.std,
      output: onnx.output,
    },
    rule: fusion.rule,
  };
}

/** A level's model is one of the runtime assets; a custom model's file is an absolute URL. */
function assetUrl(file: string, ctx: ChoiceContext): string {
  return (ctx.assets as Record<string, string>)[file] ?? new URL(file).href;
}

function fileName(file: string): string {
  return file.split('/').pop() ?? file;
}
