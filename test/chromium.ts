/**
 * How the browser tests and the benchmark launch Chromium: the system binary (Playwright cannot
 * download its own here; CHROMIUM_PATH overrides), headless with the background services off, and
 * a fake camera playing `cameraClip` (a y4m file).
 */
export function chromiumLaunchOptions(cameraClip: string): {
  executablePath: string;
  args: string[];
} {
  return {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      // WebGPU (SwiftShader here) for onnxruntime-web's webgpu backend.
      '--enable-unsafe-webgpu',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${cameraClip}`,
      '--autoplay-policy=no-user-gesture-required',
      '--js-flags=--expose-gc',
    ],
  };
}
