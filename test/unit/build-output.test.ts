/**
 * The production build (`vite build`, what `npm run build` ships as the static demo site): every
 * runtime asset once. Vite emits each asset src/asset-urls.ts names; onnxruntime-web's default
 * bundle names its own wasm too, which made a second, hashed 28 MB copy before the build resolved
 * its no-embedded-wasm build (vite.config.ts). The library build (tools/build-lib.ts) checks its
 * own layout, and the consumer test (test/browser/consumer.spec.ts) installs and runs it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSET_FILES } from '../../src/asset-urls';

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

  const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  it('holds each wasm once: no second copy named by onnxruntime-web itself', () => {
    const wasm = files.filter((f) => f.endsWith('.wasm')).sort();
    expect(wasm).toHaveLength(2);
    expect(wasm[0]).toMatch(/^assets\/ort-wasm-simd-threaded\.jsep-[\w-]+\.wasm$/);
    expect(wasm[1]).toMatch(/^assets\/vision_wasm_module_internal-[\w-]+\.wasm$/);
  });

  it('emits every runtime asset once, byte for byte the checked one, and the code names it', () => {
    const code = files
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(outDir, f), 'utf8'))
      .join('\n');
    for (const asset of ASSET_FILES) {
      const stem =
        asset
          .split('/')
          .pop()
          ?.replace(/\.[^.]+$/, '') ?? asset;
      const ext = asset.slice(asset.lastIndexOf('.'));
      const emitted = files.filter((f) => f.startsWith(`assets/${stem}-`) && f.endsWith(ext));
      expect(emitted, asset).toHaveLength(1);
      const name = emitted[0] as string;
      expect(sha(join(outDir, name)), asset).toBe(sha(join('models', asset)));
      // The URL map (src/asset-urls.ts) points at the emitted file, so the site loads this copy.
      expect(code.includes(name.slice('assets/'.length)), `${name} named in the built code`).toBe(
        true,
      );
    }
    expect(files).toContain('index.html');
    // The demo itself, not only the library: package.json's sideEffects once let the bundler drop
    // the demo's element registration, and the site was an empty page.
    expect(code).toContain('vb-demo');
    expect(files.some((f) => f.includes('sources.json'))).toBe(false);
    const total = files.reduce((sum, f) => sum + statSync(join(outDir, f)).size, 0);
    console.log(`[build] ${files.length} files, ${(total / 1e6).toFixed(1)} MB`);
  });
});
