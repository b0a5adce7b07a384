/**
 * Where the demo's video comes from: the chosen camera at 720p, or the bundled sample clip played
 * in a (hidden) video element when there is no usable camera, with the line the page shows about
 * it. Owns nothing: the caller stops the track it gets.
 */

const SAMPLE_CLIP = new URL('./assets/sample-person.webm', import.meta.url).href;

export interface Source {
  track: MediaStreamTrack;
  /** What the page says about the source. */
  notice: string;
  sample: boolean;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}

/** The camera `deviceId` ('' for the default; a remembered camera that is gone: any camera). */
export async function openCamera(deviceId: string): Promise<MediaStreamTrack> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new Error('navigator.mediaDevices.getUserMedia is unavailable');
  }
  const video = { width: 1280, height: 720, frameRate: 30 };
  const stream = await navigator.mediaDevices
    .getUserMedia({ video: deviceId ? { ...video, deviceId: { exact: deviceId } } : video })
    .catch((error: unknown) => {
      if (deviceId && error instanceof DOMException && error.name === 'OverconstrainedError') {
        return navigator.mediaDevices.getUserMedia({ video });
      }
      throw error;
    });
  const track = stream.getVideoTracks()[0];
  if (!track) throw new Error('the camera stream has no video track');
  return track;
}

async function openSampleClip(video: HTMLVideoElement): Promise<MediaStreamTrack> {
  video.muted = true;
  video.src = SAMPLE_CLIP;
  await video.play();
  const track = video.captureStream().getVideoTracks()[0];
  if (!track) throw new Error('the sample clip has no video track');
  return track;
}

/** The camera, or the sample clip in `sampleVideo` when the camera cannot be had. */
export async function openSource(
  deviceId: string,
  sampleVideo: () => Promise<HTMLVideoElement | null>,
): Promise<Source> {
  try {
    const track = await openCamera(deviceId);
    const { width, height } = track.getSettings();
    const size = width && height ? ` at ${width}×${height}` : '';
    return {
      track,
      notice: `Camera in use: ${track.label || 'default camera'}${size}`,
      sample: false,
    };
  } catch (error) {
    const video = await sampleVideo();
    if (!video) throw new Error('the sample clip element is missing');
    return {
      track: await openSampleClip(video),
      notice: `No camera (${reasonOf(error)}): running on the bundled sample clip`,
      sample: true,
    };
  }
}

/** The cameras the page may choose from (labels once permission was given). */
export async function listCameras(): Promise<MediaDeviceInfo[]> {
  const devices = await navigator.mediaDevices?.enumerateDevices?.().catch(() => []);
  return (devices ?? []).filter((d) => d.kind === 'videoinput' && d.deviceId);
}

/** Stops a sample clip element's playback and releases its source. */
export function releaseSampleClip(video: HTMLVideoElement | null): void {
  if (!video) return;
  video.pause();
  video.removeAttribute('src');
  video.load();
}
