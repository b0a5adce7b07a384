/**
 * Where the runtime assets (the level models, tasks-vision's and onnxruntime-web's wasm) are
 * fetched from. By default they are the library's own files, each a literal path relative to this
 * module's URL: in this repository models/ (materialised and sha256-checked at install), in the
 * published package the assets/ folder beside index.js (tools/build-lib.ts rewrites the prefix).
 * A consuming app's bundler (Vite) sees each literal, emits the file into its own build and
 * rewrites the URL; plain static hosting serves them where they lie. `assetBaseUrl` replaces all
 * of them with one folder of the same layout (the package's `virtual-background-copy-assets`
 * writes one).
 */

/** The runtime assets by their path in models/ (and in a copied assets folder). */
export const ASSET_FILES = [
  'selfie_segmenter_landscape.tflite',
  'selfie_segmentation.onnx',
  'selfie_segmentation_landscape.onnx',
  'deeplabv3_257.onnx',
  'wasm/vision_wasm_module_internal.js',
  'wasm/vision_wasm_module_internal.wasm',
  'ort/ort-wasm-simd-threaded.jsep.mjs',
  'ort/ort-wasm-simd-threaded.jsep.wasm',
] as const;

export type AssetFile = (typeof ASSET_FILES)[number];

/** Absolute URL of each runtime asset. */
export type AssetUrls = Record<AssetFile, string>;

/**
 * The library's own copies. Each URL is a literal of its own (not built from a folder): bundlers
 * only follow `new URL` with a literal path to a file.
 */
export function bundledAssetUrls(): AssetUrls {
  return {
    'selfie_segmenter_landscape.tflite': new URL(
      '../models/selfie_segmenter_landscape.tflite',
      import.meta.url,
    ).href,
    'selfie_segmentation.onnx': new URL('../models/selfie_segmentation.onnx', import.meta.url).href,
    'selfie_segmentation_landscape.onnx': new URL(
      '../models/selfie_segmentation_landscape.onnx',
      import.meta.url,
    ).href,
    'deeplabv3_257.onnx': new URL('../models/deeplabv3_257.onnx', import.meta.url).href,
    'wasm/vision_wasm_module_internal.js': new URL(
      '../models/wasm/vision_wasm_module_internal.js',
      import.meta.url,
    ).href,
    'wasm/vision_wasm_module_internal.wasm': new URL(
      '../models/wasm/vision_wasm_module_internal.wasm',
      import.meta.url,
    ).href,
    'ort/ort-wasm-simd-threaded.jsep.mjs': new URL(
      '../models/ort/ort-wasm-simd-threaded.jsep.mjs',
      import.meta.url,
    ).href,
    'ort/ort-wasm-simd-threaded.jsep.wasm': new URL(
      '../models/ort/ort-wasm-simd-threaded.jsep.wasm',
      import.meta.url,
    ).href,
  };
}

/** Every asset under one folder (absolute, ending in '/'), in the models/ layout. */
export function assetUrlsUnder(base: string): AssetUrls {
  const urls = {} as AssetUrls;
  for (const file of ASSET_FILES) urls[file] = new URL(file, base).href;
  return urls;
}
