/**
 * The production build (`vite build`, what `npm run build` ships as the static demo site): every
 * runtime asset once. onnxruntime-web's bundle names its wasm by URL, which made Rollup emit a
 * second, hashed 28 MB copy beside the models/ort one the library actually loads.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

describe('production build', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'vb-build-'));
  let files: string[] = [];

  beforeAll(async () => {
    await build({ logLevel: 'error', build: { outDir, emptyOutDir: true } });
    files = filesUnder(outDir).map((f) => relative(outDir, f));
  }, 120_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('holds each wasm once, where the library loads it from', () => {
    const wasm = files.filter((f) => f.endsWith('.wasm')).sort();
    expect(wasm).toEqual([
      'models/ort/ort-wasm-simd-threaded.jsep.wasm',
      'models/wasm/vision_wasm_module_internal.wasm',
    ]);
    const digests = wasm.map((f) =>
      createHash('sha256')
        .update(readFileSync(join(outDir, f)))
        .digest('hex'),
    );
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('serves the models beside the demo, without the install-time manifest of sources', () => {
    expect(files).toContain('index.html');
    expect(files).toContain('models/selfie_segmenter_landscape.tflite');
    expect(files).toContain('models/selfie_segmentation.onnx');
    expect(files).not.toContain('models/sources.json');
    const total = files.reduce((sum, f) => sum + statSync(join(outDir, f)).size, 0);
    console.log(`[build] ${files.length} files, ${(total / 1e6).toFixed(1)} MB`);
  });
});
