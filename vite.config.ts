import { defaultClientConditions, defineConfig } from 'vite';

// Cross-origin isolation: onnxruntime-web only uses threads (SharedArrayBuffer) on isolated pages.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  // Pre-bundle every dependency up front: one discovered later (the worker's tasks-vision, say)
  // makes Vite re-optimise and reload the page mid-session, which kills a running call. livekit's
  // processor is here for the benchmark's comparison (test/browser/page/livekit.ts), livekit-client
  // for the adapter's test (test/browser/page/sdk-adapters.ts), twilio's for the mask-quality
  // eval's (eval/page.ts).
  optimizeDeps: {
    entries: ['index.html', 'src/**/*.ts', 'test/browser/page/*.ts', 'eval/page.ts'],
    include: [
      '@mediapipe/tasks-vision',
      'onnxruntime-web',
      'twgl.js',
      'lit',
      '@livekit/track-processors',
      'livekit-client',
      '@twilio/video-processors',
    ],
  },
  // onnxruntime-web's build that loads its wasm from wasmPaths only (asset-urls.ts names it): the
  // default one also names a copy of its own, and the demo build would hold two 26 MB wasm files.
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  build: { target: 'es2022' },
});
