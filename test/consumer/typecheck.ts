// Type-checked against the package's shipped .d.ts (the test runs tsc here): the API as a
// TypeScript app uses it, imported by name.
import {
  createVirtualBackground,
  isSupported,
  type ProcessorStats,
  type VirtualBackground,
  VirtualBackgroundError,
} from 'virtual-background';
import { VirtualBackgroundTrackProcessor } from 'virtual-background/livekit';

// The LiveKit adapter's subpath and its types (what `track.setProcessor()` is given).
export const livekitProcessor = new VirtualBackgroundTrackProcessor({ quality: 'fast' });
export const processorName: string = livekitProcessor.name;

export async function startBlur(track: MediaStreamTrack): Promise<MediaStreamTrack | null> {
  if (!isSupported()) return null;
  const vb: VirtualBackground = await createVirtualBackground({
    quality: 'balanced',
    background: { kind: 'blur', radius: 12 },
  });
  vb.addEventListener('stats', (event) => {
    const stats: ProcessorStats = (event as CustomEvent<ProcessorStats>).detail;
    console.log(stats.fpsOut);
  });
  try {
    const out = await vb.start(track);
    await vb.update({ quality: 'fast', background: { kind: 'color', color: '#202020' } });
    // The multi-class preset, by name.
    await vb.update({ model: { preset: 'deeplabv3', foreground: ['person', 'dog'] } });
    return out;
  } catch (error) {
    if (error instanceof VirtualBackgroundError) console.log(error.code);
    throw error;
  }
}
