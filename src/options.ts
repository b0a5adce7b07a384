import { VirtualBackgroundError } from './errors';
import { LANDSCAPE_COMPANION, type LevelModel } from './levels';
import { DEEPLAB_ASSET, PASCAL_VOC_LABELS } from './presets';
import type {
  Background,
  CustomModel,
  FramePath,
  ModelPreset,
  Quality,
  VirtualBackgroundOptions,
} from './types';

/** Every level, cheapest first: the order adaptive quality steps in. */
export const QUALITIES: readonly Quality[] = ['fast', 'balanced', 'accurate'];
export const DEFAULT_BLUR_RADIUS = 14;
export const MAX_BLUR_RADIUS = 64;

/** Linear-ish sRGB components 0..1 plus alpha, as the compositor's uniforms want them. */
export type Rgba = readonly [number, number, number, number];

const HEX = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const RGB_FN = /^rgba?\(\s*([^)]*)\)$/i;

function channel(text: string, scale: number): number {
  const t = text.trim();
  const v = t.endsWith('%') ? (Number.parseFloat(t) / 100) * scale : Number.parseFloat(t);
  if (!Number.isFinite(v)) return Number.NaN;
  return Math.min(Math.max(v / scale, 0), 1);
}

/**
 * Parses hex and rgb()/rgba() colours without a DOM, so it also runs in workers and unit tests.
 * Returns null for anything else (named colours, hsl(), …): callers then ask a canvas.
 */
export function parseSimpleColor(color: string): Rgba | null {
  const text = color.trim();
  const hex = HEX.exec(text);
  if (hex) {
    let h = hex[1] ?? '';
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    const n = (i: number) => Number.parseInt(h.slice(i, i + 2), 16) / 255;
    return [n(0), n(2), n(4), h.length === 8 ? n(6) : 1];
  }
  const fn = RGB_FN.exec(text);
  if (fn) {
    const parts = (fn[1] ?? '').split(/[\s,/]+/).filter(Boolean);
    if (parts.length !== 3 && parts.length !== 4) return null;
    const [r, g, b] = parts.slice(0, 3).map((p) => channel(p, 255));
    const a = parts.length === 4 ? channel(parts[3] ?? '', 1) : 1;
    const rgba = [r ?? Number.NaN, g ?? Number.NaN, b ?? Number.NaN, a] as const;
    return rgba.every(Number.isFinite) ? rgba : null;
  }
  return null;
}

/** Any CSS colour: the simple forms directly, the rest through a 2D canvas's own parser. */
export function parseCssColor(color: string): Rgba {
  const simple = parseSimpleColor(color);
  if (simple) return simple;
  if (typeof OffscreenCanvas !== 'undefined') {
    const ctx = new OffscreenCanvas(1, 1).getContext('2d');
    if (ctx) {
      // A canvas ignores colours it cannot parse, so set two different sentinels and compare.
      ctx.fillStyle = '#010203';
      ctx.fillStyle = color;
      const first = String(ctx.fillStyle);
      ctx.fillStyle = '#040506';
      ctx.fillStyle = color;
      if (first === String(ctx.fillStyle)) {
        const parsed = parseSimpleColor(first);
        if (parsed) return parsed;
      }
    }
  }
  throw new VirtualBackgroundError(
    'invalid-option',
    `background.color "${color}" is not a CSS colour`,
  );
}

function assertQuality(q: unknown): asserts q is Quality {
  if (!QUALITIES.includes(q as Quality)) {
    throw new VirtualBackgroundError(
      'invalid-option',
      `quality must be one of ${QUALITIES.join(', ')}, got ${JSON.stringify(q)}`,
    );
  }
}

function assertFramePath(name: string, p: unknown): asserts p is FramePath {
  if (p !== 'auto' && p !== 'texture' && p !== 'planes') {
    throw new VirtualBackgroundError(
      'invalid-option',
      `${name} must be 'auto', 'texture' or 'planes', got ${JSON.stringify(p)}`,
    );
  }
}

/** Throws a typed 'invalid-option' error for anything malformed; checks shape only, no loading. */
export function validateBackground(bg: unknown): asserts bg is Background {
  if (typeof bg !== 'object' || bg === null || !('kind' in bg)) {
    throw new VirtualBackgroundError('invalid-option', 'background must be an object with a kind');
  }
  const b = bg as Record<string, unknown>;
  switch (b.kind) {
    case 'none':
      return;
    case 'blur': {
      const r = b.radius;
      if (
        r !== undefined &&
        (typeof r !== 'number' || !Number.isFinite(r) || r < 0 || r > MAX_BLUR_RADIUS)
      ) {
        throw new VirtualBackgroundError(
          'invalid-option',
          `background.radius must be a number in 0..${MAX_BLUR_RADIUS}, got ${String(r)}`,
        );
      }
      return;
    }
    case 'color':
      if (typeof b.color !== 'string') {
        throw new VirtualBackgroundError(
          'invalid-option',
          'background.color must be a CSS colour string',
        );
      }
      parseCssColor(b.color);
      return;
    case 'image': {
      const s = b.source;
      const ok =
        typeof s === 'string' ||
        (typeof Blob !== 'undefined' && s instanceof Blob) ||
        (typeof ImageBitmap !== 'undefined' && s instanceof ImageBitmap);
      if (!ok || s === '') {
        throw new VirtualBackgroundError(
          'invalid-option',
          'background.source of an image must be a URL, a Blob or an ImageBitmap',
        );
      }
      return;
    }
    case 'video': {
      const s = b.source;
      if (
        !(typeof s === 'string' && s !== '') &&
        !(typeof Blob !== 'undefined' && s instanceof Blob)
      ) {
        throw new VirtualBackgroundError(
          'invalid-option',
          'background.source of a video must be a URL or a Blob',
        );
      }
      return;
    }
    default:
      throw new VirtualBackgroundError(
        'invalid-option',
        `background.kind must be none, blur, color, image or video, got ${JSON.stringify(b.kind)}`,
      );
  }
}

function isPreset(model: CustomModel | ModelPreset): model is ModelPreset {
  return typeof model === 'object' && model !== null && 'preset' in model;
}

function validatePreset(model: ModelPreset): void {
  const fail = (message: string): never => {
    throw new VirtualBackgroundError('invalid-option', `model: ${message}`);
  };
  if (model.preset !== 'deeplabv3') {
    fail(`preset must be 'deeplabv3', got ${JSON.stringify(model.preset)}`);
  }
  if (!Array.isArray(model.foreground) || model.foreground.length === 0) {
    fail('foreground must list at least one label');
  }
  for (const label of model.foreground) {
    if (typeof label !== 'string' || !PASCAL_VOC_LABELS.includes(label)) {
      fail(
        `foreground label ${JSON.stringify(label)} is not a deeplabv3 label (${PASCAL_VOC_LABELS.join(', ')})`,
      );
    }
  }
}

function validateModel(model: CustomModel | ModelPreset): void {
  const fail = (message: string): never => {
    throw new VirtualBackgroundError('invalid-option', `model: ${message}`);
  };
  if (typeof model !== 'object' || model === null) fail('must be an object or null');
  if (isPreset(model)) {
    validatePreset(model);
    return;
  }
  if (typeof model.url !== 'string' || model.url === '') fail('url must be a non-empty string');
  const format = model.format ?? formatOf(model.url);
  if (format !== 'tflite' && format !== 'onnx') {
    fail(`format must be tflite or onnx (could not tell from ${model.url})`);
  }
  if (!Array.isArray(model.labels) || model.labels.length === 0) {
    fail('labels must be a non-empty array of strings');
  }
  if (!model.labels.every((l) => typeof l === 'string')) fail('labels must be strings');
  if (!Array.isArray(model.foreground) || model.foreground.length === 0) {
    fail('foreground must list at least one label');
  }
  for (const label of model.foreground) {
    if (!model.labels.includes(label)) {
      fail(
        `foreground label ${JSON.stringify(label)} is not one of the model's labels (${model.labels.join(', ')})`,
      );
    }
  }
  for (const key of ['inputWidth', 'inputHeight'] as const) {
    const v = model[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 8 || v > 2048) {
      fail(`${key} must be an integer in 8..2048`);
    }
  }
  const onnx = model.onnx ?? {};
  if (onnx.layout !== undefined && onnx.layout !== 'nhwc' && onnx.layout !== 'nchw') {
    fail('onnx.layout must be nhwc or nchw');
  }
  for (const key of ['mean', 'std'] as const) {
    const v = onnx[key];
    if (v !== undefined && !(Array.isArray(v) && v.length === 3 && v.every(Number.isFinite))) {
      fail(`onnx.${key} must be three numbers`);
    }
  }
  if (onnx.std?.some((x) => x === 0)) fail('onnx.std must not contain 0');
  const out = onnx.output;
  if (out !== undefined && out !== 'categories' && out !== 'probability' && out !== 'logits') {
    fail('onnx.output must be categories, probability or logits');
  }
}

function formatOf(url: string): 'tflite' | 'onnx' | undefined {
  const path = url.split(/[?#]/)[0]?.toLowerCase() ?? '';
  if (path.endsWith('.tflite')) return 'tflite';
  if (path.endsWith('.onnx')) return 'onnx';
  return undefined;
}

/** A validated custom model as the worker runs it: an absolute URL and class indices. */
export function levelModelOf(model: CustomModel | ModelPreset, pageUrl?: string): LevelModel {
  validateModel(model);
  if (isPreset(model)) {
    const personClass = PASCAL_VOC_LABELS.indexOf('person');
    const foreground = model.foreground.map((label) => PASCAL_VOC_LABELS.indexOf(label));
    return {
      engine: 'onnxruntime',
      file: DEEPLAB_ASSET,
      width: 257,
      height: 257,
      foreground,
      // (pixel - 127.5) / 127.5, its training input range.
      onnx: { layout: 'nhwc', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], output: 'categories' },
      // A kept person comes from the landscape selfie model (src/worker/class-fusion.ts).
      ...(foreground.includes(personClass)
        ? {
            fusion: {
              companion: LANDSCAPE_COMPANION,
              rule: {
                kind: 'person-class',
                personClass,
                backgroundClass: PASCAL_VOC_LABELS.indexOf('background'),
              },
            },
          }
        : {}),
    };
  }
  const format = model.format ?? formatOf(model.url);
  const foreground = model.foreground.map((label) => model.labels.indexOf(label));
  const file = new URL(
    model.url,
    pageUrl ?? (typeof location !== 'undefined' ? location.href : undefined),
  ).href;
  if (format === 'tflite') {
    return {
      engine: 'mediapipe',
      file,
      width: model.inputWidth,
      height: model.inputHeight,
      foreground,
    };
  }
  const onnx = model.onnx ?? {};
  return {
    engine: 'onnxruntime',
    file,
    width: model.inputWidth,
    height: model.inputHeight,
    foreground,
    onnx: {
      layout: onnx.layout ?? 'nhwc',
      mean: onnx.mean ?? [0, 0, 0],
      std: onnx.std ?? [1, 1, 1],
      output: onnx.output ?? 'categories',
    },
  };
}

export interface ResolvedOptions {
  quality: Quality;
  background: Background;
  /** One folder holding every runtime asset (absolute, ending in '/'); undefined: the library's own files. */
  assetBaseUrl: string | undefined;
  inputPath: FramePath;
  outputPath: FramePath;
  segmenterDelegate: 'auto' | 'CPU' | 'GPU';
  backendTrial: 'auto' | 'always' | 'never';
  statsIntervalMs: number;
  transport: 'auto' | 'streams' | 'element';
  segmentationSlowdown: number;
  adaptive: boolean;
  model: CustomModel | ModelPreset | null;
}

export function validatePartialOptions(options: Partial<VirtualBackgroundOptions>): void {
  if (typeof options !== 'object' || options === null) {
    throw new VirtualBackgroundError('invalid-option', 'options must be an object');
  }
  if (options.quality !== undefined) assertQuality(options.quality);
  if (options.background !== undefined) validateBackground(options.background);
  if (options.inputPath !== undefined) assertFramePath('inputPath', options.inputPath);
  if (options.outputPath !== undefined) assertFramePath('outputPath', options.outputPath);
  const d = options.segmenterDelegate;
  if (d !== undefined && d !== 'auto' && d !== 'CPU' && d !== 'GPU') {
    throw new VirtualBackgroundError(
      'invalid-option',
      `segmenterDelegate must be auto, CPU or GPU`,
    );
  }
  const trial = options.backendTrial;
  if (trial !== undefined && trial !== 'auto' && trial !== 'always' && trial !== 'never') {
    throw new VirtualBackgroundError(
      'invalid-option',
      'backendTrial must be auto, always or never',
    );
  }
  const s = options.statsIntervalMs;
  if (s !== undefined && (typeof s !== 'number' || !(s >= 50))) {
    throw new VirtualBackgroundError('invalid-option', 'statsIntervalMs must be a number ≥ 50');
  }
  const t = options.transport;
  if (t !== undefined && t !== 'auto' && t !== 'streams' && t !== 'element') {
    throw new VirtualBackgroundError(
      'invalid-option',
      `transport must be auto, streams or element`,
    );
  }
  const slow = options.segmentationSlowdown;
  if (slow !== undefined && (typeof slow !== 'number' || !(slow >= 1) || slow > 100)) {
    throw new VirtualBackgroundError(
      'invalid-option',
      'segmentationSlowdown must be a number in 1..100',
    );
  }
  if (options.adaptive !== undefined && typeof options.adaptive !== 'boolean') {
    throw new VirtualBackgroundError('invalid-option', 'adaptive must be a boolean');
  }
  if (options.model !== undefined && options.model !== null) validateModel(options.model);
  if (options.assetBaseUrl !== undefined && typeof options.assetBaseUrl !== 'string') {
    throw new VirtualBackgroundError('invalid-option', 'assetBaseUrl must be a string URL');
  }
}

export function resolveOptions(
  options: VirtualBackgroundOptions,
  defaultAssetBaseUrl?: string,
): ResolvedOptions {
  validatePartialOptions(options);
  // Absolute, so the worker (whose own URL differs from the page's) resolves it the same way.
  const pageUrl = typeof location !== 'undefined' ? location.href : undefined;
  const requested = options.assetBaseUrl ?? defaultAssetBaseUrl;
  let base: string | undefined;
  if (requested !== undefined) {
    try {
      base = new URL(requested, pageUrl).href;
    } catch (cause) {
      throw new VirtualBackgroundError('invalid-option', `assetBaseUrl ${requested} is not a URL`, {
        cause,
      });
    }
  }
  return {
    quality: options.quality ?? 'balanced',
    background: options.background ?? { kind: 'blur' },
    assetBaseUrl: base === undefined || base.endsWith('/') ? base : `${base}/`,
    inputPath: options.inputPath ?? 'auto',
    outputPath: options.outputPath ?? 'auto',
    segmenterDelegate: options.segmenterDelegate ?? 'auto',
    backendTrial: options.backendTrial ?? 'auto',
    statsIntervalMs: options.statsIntervalMs ?? 1000,
    transport: options.transport ?? 'auto',
    segmentationSlowdown: options.segmentationSlowdown ?? 1,
    adaptive: options.adaptive ?? true,
    model: options.model ?? null,
  };
}
