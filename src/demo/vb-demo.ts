import { html, LitElement, nothing, type TemplateResult } from 'lit';
import {
  createVirtualBackground,
  type Quality,
  type VirtualBackground,
  VirtualBackgroundError,
} from '../index';
import type { BackgroundSelectDetail } from './background-picker';
import './background-picker';
import './quality-select';
import './stats-panel';
import { sharedStyles } from './styles';
import { demoLayoutStyles } from './vb-demo.styles';

const SAMPLE_CLIP = new URL('./assets/sample-person.webm', import.meta.url).href;

type Status = 'starting' | 'running' | 'failed';

interface ShownError {
  code: string;
  message: string;
}

function toShownError(error: unknown): ShownError {
  if (error instanceof VirtualBackgroundError) {
    return { code: error.code, message: error.message.replace(/^\[[a-z-]+\] /, '') };
  }
  if (error instanceof Error) return { code: error.name || 'error', message: error.message };
  return { code: 'error', message: String(error) };
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}

/**
 * The demo page: camera (or the bundled clip when there is none) into a virtual-background
 * processor, its output in a preview, and controls that only call update() and read stats.
 */
export class VbDemo extends LitElement {
  static override properties = {
    status: { state: true },
    sourceNotice: { state: true },
    usingSample: { state: true },
    processor: { state: true },
    inputStream: { state: true },
    outputStream: { state: true },
    showBefore: { state: true },
    activeBackground: { state: true },
    pendingBackground: { state: true },
    quality: { state: true },
    error: { state: true },
    adaptiveNotice: { state: true },
  };

  static override styles = [sharedStyles, demoLayoutStyles];

  declare status: Status;
  declare sourceNotice: string;
  declare usingSample: boolean;
  declare processor: VirtualBackground | null;
  declare inputStream: MediaStream | null;
  declare outputStream: MediaStream | null;
  declare showBefore: boolean;
  declare activeBackground: string;
  declare pendingBackground: string;
  declare quality: Quality;
  declare error: ShownError | null;
  /** The last adaptive-quality change, shown until the user picks a quality. */
  declare adaptiveNotice: string;

  /** Ordering of background updates: the worker applies them in order, so the newest success wins. */
  private backgroundRequests = 0;
  private backgroundApplied = 0;
  /** Bumped on connect and disconnect: a start-up that belongs to an older one cleans up after itself. */
  private generation = 0;
  private inputTrack: MediaStreamTrack | null = null;

  constructor() {
    super();
    this.status = 'starting';
    this.sourceNotice = 'Looking for a camera…';
    this.usingSample = false;
    this.processor = null;
    this.inputStream = null;
    this.outputStream = null;
    this.showBefore = false;
    this.activeBackground = 'blur-medium';
    this.pendingBackground = '';
    this.quality = 'balanced';
    this.error = null;
    this.adaptiveNotice = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run(++this.generation);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.generation++;
    this.processor?.removeEventListener('error', this.onProcessorError);
    this.processor?.removeEventListener('qualitychange', this.onAdaptiveChange);
    void this.processor?.stop();
    this.processor = null;
    this.inputTrack?.stop();
    this.inputTrack = null;
    this.inputStream = null;
    this.outputStream = null;
    this.status = 'starting';
    const sample = this.sampleVideo;
    if (sample) {
      sample.pause();
      sample.removeAttribute('src');
      sample.load();
    }
  }

  private get sampleVideo(): HTMLVideoElement | null {
    return this.renderRoot.querySelector<HTMLVideoElement>('video.sample');
  }

  private readonly onAdaptiveChange = (event: Event): void => {
    const { quality, requested, reason } = (
      event as CustomEvent<{ quality: Quality; requested: Quality; reason: string }>
    ).detail;
    this.adaptiveNotice =
      quality === requested
        ? ''
        : `Adaptive quality: running at ${quality} instead of ${requested} (${reason === 'overloaded' ? 'this machine cannot hold the frame rate' : 'recovering'})`;
  };

  private readonly onProcessorError = (event: Event): void => {
    const e = event as ErrorEvent;
    this.error = toShownError(e.error ?? new Error(e.message));
  };

  private async run(generation: number): Promise<void> {
    const stale = () => generation !== this.generation;
    try {
      const track = await this.openSource();
      if (stale()) {
        track.stop();
        return;
      }
      this.inputTrack = track;
      this.inputStream = new MediaStream([track]);
      const vb = await createVirtualBackground({
        quality: 'balanced',
        background: { kind: 'blur', radius: 14 },
      });
      vb.addEventListener('error', this.onProcessorError);
      vb.addEventListener('qualitychange', this.onAdaptiveChange);
      this.processor = vb;
      const output = await vb.start(track);
      if (stale()) return; // disconnectedCallback stopped the processor and the track
      this.outputStream = new MediaStream([output]);
      this.status = 'running';
    } catch (error) {
      if (stale()) return;
      this.status = 'failed';
      this.error = toShownError(error);
    }
  }

  /** The camera at 720p, or the bundled sample clip when there is no usable camera. */
  private async openSource(): Promise<MediaStreamTrack> {
    try {
      if (!navigator.mediaDevices?.getUserMedia) {
        throw new Error('navigator.mediaDevices.getUserMedia is unavailable');
      }
      const stream = await navigator.mediaDevices.getUserMedia({
        video: { width: 1280, height: 720, frameRate: 30 },
      });
      const track = stream.getVideoTracks()[0];
      if (!track) throw new Error('the camera stream has no video track');
      const { width, height } = track.getSettings();
      const size = width && height ? ` at ${width}×${height}` : '';
      this.sourceNotice = `Camera in use: ${track.label || 'default camera'}${size}`;
      this.usingSample = false;
      return track;
    } catch (error) {
      this.usingSample = true;
      this.sourceNotice = `No camera (${reasonOf(error)}): running on the bundled sample clip`;
      return this.openSampleClip();
    }
  }

  private async openSampleClip(): Promise<MediaStreamTrack> {
    await this.updateComplete;
    const video = this.sampleVideo;
    if (!video) throw new Error('the sample clip element is missing');
    video.muted = true;
    video.src = SAMPLE_CLIP;
    await video.play();
    const track = video.captureStream().getVideoTracks()[0];
    if (!track) throw new Error('the sample clip has no video track');
    return track;
  }

  private async onBackgroundSelect(event: CustomEvent<BackgroundSelectDetail>): Promise<void> {
    const vb = this.processor;
    if (!vb || this.status !== 'running') return;
    const choice = event.detail;
    const request = ++this.backgroundRequests;
    this.pendingBackground = choice.id;
    try {
      await vb.update({ background: choice.background });
      if (request > this.backgroundApplied) {
        this.backgroundApplied = request;
        this.activeBackground = choice.id;
      }
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      if (request === this.backgroundRequests) this.pendingBackground = '';
    }
  }

  private async onQualityChange(event: CustomEvent<Quality>): Promise<void> {
    const vb = this.processor;
    if (!vb) return;
    const quality = event.detail;
    try {
      await vb.update({ quality });
      this.quality = quality;
      this.adaptiveNotice = '';
    } catch (error) {
      this.error = toShownError(error);
      this.requestUpdate(); // the select snaps back to the quality in force
    }
  }

  private toggleBeforeAfter(): void {
    this.showBefore = !this.showBefore;
  }

  override updated(): void {
    // Switching srcObject pauses a <video> in some browsers; keep the preview playing.
    const preview = this.renderRoot.querySelector<HTMLVideoElement>('video.preview');
    if (preview?.srcObject && preview.paused) void preview.play().catch(() => undefined);
  }

  private renderError(): TemplateResult | typeof nothing {
    if (!this.error) return nothing;
    return html`<div class="error" role="alert" data-testid="error">
      <code>${this.error.code}</code>
      <span class="message">${this.error.message}</span>
      <button aria-label="Dismiss" title="Dismiss" @click=${() => (this.error = null)}>×</button>
    </div>`;
  }

  override render(): TemplateResult {
    const shown = this.showBefore ? this.inputStream : this.outputStream;
    const running = this.status === 'running';
    return html`
      <header>
        <h1>Virtual background</h1>
        <span
          class=${this.usingSample ? 'notice sample' : 'notice'}
          data-testid="source-notice"
          role="status"
          >${this.sourceNotice}</span
        >
      </header>
      ${this.renderError()}
      ${this.adaptiveNotice ? html`<p class="notice" data-testid="adaptive-notice" role="status">${this.adaptiveNotice}</p>` : ''}
      <main>
        <section>
          <div class="stage">
            <video
              class="preview"
              data-testid="preview"
              .muted=${true}
              muted
              autoplay
              playsinline
              .srcObject=${shown}
            ></video>
            ${
              running
                ? html`<span class="badge">${this.showBefore ? 'Before: original' : 'After: processed'}</span>`
                : html`<div class="overlay">
                    ${this.status === 'failed' ? 'The processor could not start.' : 'Starting…'}
                  </div>`
            }
          </div>
          <div class="toolbar">
            <button
              class="choice"
              data-testid="before-after"
              aria-pressed=${String(this.showBefore)}
              ?disabled=${!running}
              @click=${this.toggleBeforeAfter}
            >
              ${this.showBefore ? 'Show processed' : 'Show original'}
            </button>
            <span class="hint">
              ${this.showBefore ? 'Showing the raw input; the processor keeps running.' : ''}
            </span>
          </div>
          <stats-panel class="panel" .processor=${this.processor}></stats-panel>
          <video class="sample" hidden loop muted playsinline .muted=${true}></video>
        </section>
        <aside ?inert=${!running}>
          <background-picker
            .active=${this.activeBackground}
            .pending=${this.pendingBackground}
            @background-select=${this.onBackgroundSelect}
          ></background-picker>
          <quality-select
            .value=${this.quality}
            @quality-change=${this.onQualityChange}
          ></quality-select>
        </aside>
      </main>
    `;
  }
}

customElements.define('vb-demo', VbDemo);

declare global {
  interface HTMLElementTagNameMap {
    'vb-demo': VbDemo;
  }
}
