import { cp, readdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

// Cross-origin isolation: onnxruntime-web only uses threads (SharedArrayBuffer) on isolated pages.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The build serves models/ (materialised at install time) next to assets/, where the library looks
 * by default. onnxruntime-web's bundle names its wasm with `new URL(..., import.meta.url)`, so Rollup
 * also emits a hashed 28 MB copy into assets/; the library always sets `wasmPaths` to the models/ort
 * copy (the one materialise-models checked), so the hashed one is never fetched and is removed.
 */
function copyModels(): Plugin {
  let outDir = 'dist';
  return {
    name: 'copy-models',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      await cp(resolve(import.meta.dirname, 'models'), resolve(outDir, 'models'), {
        recursive: true,
        filter: (src) => !src.endsWith('sources.json'),
      });
      const assets = resolve(outDir, 'assets');
      for (const name of await readdir(assets)) {
        if (/^ort-wasm.*\.wasm$/.test(name)) await rm(resolve(assets, name));
      }
    },
  };
}

export default defineConfig({
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  // Pre-bundle every dependency up front: one discovered later (the worker's tasks-vision, say)
  // makes Vite re-optimise and reload the page mid-session, which kills a running call. livekit's
  // processor is here for the benchmark's comparison (test/browser/page/livekit.ts), twilio's for the
  // mask-quality eval's (eval/page.ts).
  optimizeDeps: {
    entries: ['index.html', 'src/**/*.ts', 'test/browser/page/*.ts', 'eval/page.ts'],
    include: [
      '@mediapipe/tasks-vision',
      'onnxruntime-web',
      'twgl.js',
      'lit',
      '@livekit/track-processors',
      '@twilio/video-processors',
    ],
  },
  build: { target: 'es2022' },
  plugins: [copyModels()],
});
