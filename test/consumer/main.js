// What an app writes: the package by name, the camera in, a processed track out.
import { createVirtualBackground, isSupported } from 'virtual-background';

const status = document.getElementById('status');

async function main() {
  if (!isSupported()) throw new Error('virtual-background is not supported in this browser');
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: 1280, height: 720, frameRate: 30 },
  });
  const camera = stream.getVideoTracks()[0];
  // ?assetBaseUrl=/vb-assets/ : the folder `virtual-background-copy-assets` wrote into public/.
  const query = new URLSearchParams(location.search);
  const assetBaseUrl = query.get('assetBaseUrl') ?? undefined;
  const vb = await createVirtualBackground({
    ...(assetBaseUrl ? { assetBaseUrl } : {}),
    quality: query.get('quality') ?? 'fast',
    // ?adaptive=off: the level asked for serves throughout, whatever the machine's load.
    adaptive: query.get('adaptive') !== 'off',
    background: { kind: 'color', color: '#00ff00' },
  });
  const processed = await vb.start(camera);
  document.getElementById('out').srcObject = new MediaStream([processed]);
  // For the test: both tracks, and the processor's stats.
  Object.assign(window, { camera, processed, vb });
  status.textContent = 'running';
}

main().catch((error) => {
  status.textContent = `failed: ${error?.code ?? ''} ${error?.message ?? error}`;
});
