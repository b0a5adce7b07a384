// No import of 'vite': this app has only the packed library installed; the test runs the
// repository's Vite on it. Cross-origin isolation lets onnxruntime-web use threads.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default {
  preview: { headers: isolation },
  server: { headers: isolation },
  build: { target: 'es2022' },
};
