import { html, LitElement, nothing, type TemplateResult } from 'lit';
import {
  createVirtualBackground,
  type ProcessorStats,
  type Quality,
  type VirtualBackground,
} from '../index';
import { type BackgroundSelectDetail, choiceById } from './background-picker';
import './background-picker';
import './call-preview';
import { listCameras, openCamera, openSource, releaseSampleClip } from './camera-source';
import './quality-select';
import './keep-chooser';
import { type DemoSettings, loadSettings, modelFor, saveSettings } from './settings';
import './stats-panel';
import { sharedStyles } from './styles';
import { demoLayoutStyles } from './vb-demo.styles';
import {
  badgeText,
  type DemoStatus,
  renderCameraControls,
  renderError,
  renderProgress,
  type ShownError,
  toShownError,
} from './vb-demo.view';

/**
 * The demo page: camera (or the bundled clip when there is none) into a virtual-background
 * processor, its output in a preview, and controls that only call update() and read stats.
 * (Over 400 lines: it is the page's one controller, a handler per control; its view pieces are in
 * vb-demo.view.ts, its camera in camera-source.ts, its settings in settings.ts.) While
 * the model loads the raw camera shows, labelled as such: it never leaves the page. Settings
 * (background, quality, adaptive, mirror, camera) are kept across reloads.
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
    switchingTo: { state: true },
    inForce: { state: true },
    error: { state: true },
    loadingSeconds: { state: true },
    readyAfterMs: { state: true },
    cameras: { state: true },
    settings: { state: true },
    keepLoading: { state: true },
  };

  static override styles = [sharedStyles, demoLayoutStyles];

  declare status: DemoStatus;
  declare sourceNotice: string;
  declare usingSample: boolean;
  declare processor: VirtualBackground | null;
  declare inputStream: MediaStream | null;
  declare outputStream: MediaStream | null;
  declare showBefore: boolean;
  declare activeBackground: string;
  declare pendingBackground: string;
  declare quality: Quality;
  /** A level asked for whose update() has not resolved: the previous one serves meanwhile. */
  declare switchingTo: Quality | '';
  /** The level drawing now (adaptive quality may have stepped down from `quality`). */
  declare inForce: Quality | '';
  declare error: ShownError | null;
  declare loadingSeconds: number;
  /** From page start to the first processed frame shown. */
  declare readyAfterMs: number | null;
  declare cameras: MediaDeviceInfo[];
  declare settings: DemoSettings;
  /** A change of what is kept is loading its model (the current one serves meanwhile). */
  declare keepLoading: boolean;

  /** Ordering of background updates: the worker applies them in order, so the newest success wins. */
  private backgroundRequests = 0;
  private backgroundApplied = 0;
  /** Bumped on connect, disconnect and restart: a start-up that belongs to an older one cleans up. */
  private generation = 0;
  private inputTrack: MediaStreamTrack | null = null;
  private loadingTimer = 0;

  constructor() {
    super();
    this.settings = loadSettings();
    this.status = 'opening';
    this.sourceNotice = 'Asking for the camera…';
    this.usingSample = false;
    this.processor = null;
    this.inputStream = null;
    this.outputStream = null;
    this.showBefore = false;
    this.activeBackground = this.settings.background;
    this.pendingBackground = '';
    this.quality = this.settings.quality;
    this.switchingTo = '';
    this.inForce = '';
    this.error = null;
    this.loadingSeconds = 0;
    this.readyAfterMs = null;
    this.cameras = [];
    this.keepLoading = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.run(++this.generation);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.generation++;
    this.teardown();
  }

  /** Stops the processor, the camera or sample clip, and the timers. */
  private teardown(): void {
    clearInterval(this.loadingTimer);
    const vb = this.processor;
    vb?.removeEventListener('error', this.onProcessorError);
    vb?.removeEventListener('qualitychange', this.onQualityStep);
    vb?.removeEventListener('stats', this.onStats);
    vb?.removeEventListener('ended', this.onProcessorEnded);
    void vb?.stop();
    this.processor = null;
    this.inputTrack?.stop();
    this.inputTrack = null;
    this.inputStream = null;
    this.outputStream = null;
    this.switchingTo = '';
    this.inForce = '';
    releaseSampleClip(this.sampleVideo);
  }

  private get sampleVideo(): HTMLVideoElement | null {
    return this.renderRoot.querySelector<HTMLVideoElement>('video.sample');
  }

  private changeSettings(change: Partial<DemoSettings>): void {
    this.settings = { ...this.settings, ...change };
    saveSettings(this.settings);
  }

  private readonly onQualityStep = (event: Event): void => {
    this.inForce = (event as CustomEvent<{ quality: Quality }>).detail.quality;
  };

  private readonly onStats = (event: Event): void => {
    const stats = (event as CustomEvent<ProcessorStats>).detail;
    if (!this.switchingTo) this.inForce = stats.quality;
  };

  private readonly onProcessorError = (event: Event): void => {
    const e = event as ErrorEvent;
    this.error = toShownError(e.error ?? new Error(e.message));
  };

  private async run(generation: number): Promise<void> {
    const stale = () => generation !== this.generation;
    this.status = 'opening';
    this.readyAfterMs = null;
    try {
      const source = await openSource(this.settings.cameraId, async () => {
        await this.updateComplete;
        return this.sampleVideo;
      });
      const track = source.track;
      if (stale()) {
        track.stop();
        return;
      }
      this.sourceNotice = source.notice;
      this.usingSample = source.sample;
      this.inputTrack = track;
      this.inputStream = new MediaStream([track]);
      this.status = 'loading';
      const loadStart = performance.now();
      this.loadingSeconds = 0;
      this.loadingTimer = window.setInterval(() => {
        this.loadingSeconds = (performance.now() - loadStart) / 1000;
      }, 100);
      void listCameras().then((cameras) => {
        if (!stale()) this.cameras = cameras;
      });
      const vb = await createVirtualBackground({
        quality: this.settings.quality,
        adaptive: this.settings.adaptive,
        model: modelFor(this.settings.keep),
        background: (choiceById(this.settings.background) ?? choiceById('blur-medium'))
          ?.background ?? { kind: 'blur' },
      });
      vb.addEventListener('error', this.onProcessorError);
      vb.addEventListener('qualitychange', this.onQualityStep);
      vb.addEventListener('stats', this.onStats);
      vb.addEventListener('ended', this.onProcessorEnded);
      this.processor = vb;
      const output = await vb.start(track);
      if (stale()) return; // teardown stopped the processor and the track
      clearInterval(this.loadingTimer);
      this.outputStream = new MediaStream([output]);
      this.status = 'running';
      this.inForce = this.settings.quality;
      void this.measureFirstFrame(output, generation);
    } catch (error) {
      if (stale()) return;
      clearInterval(this.loadingTimer);
      this.status = 'failed';
      this.error = toShownError(error);
    }
  }

  /** Time from page start to the first processed frame the preview shows. */
  private async measureFirstFrame(output: MediaStreamTrack, generation: number): Promise<void> {
    await this.updateComplete;
    const preview = this.renderRoot.querySelector<HTMLVideoElement>('video.preview');
    if (!preview || generation !== this.generation) return;
    const done = () => {
      if (generation !== this.generation || this.readyAfterMs !== null) return;
      this.readyAfterMs = performance.now();
      this.dataset.firstFrameMs = String(Math.round(this.readyAfterMs));
    };
    // requestVideoFrameCallback: the frame shown, not only playback starting (older Firefox lacks it).
    const video = preview as HTMLVideoElement & {
      requestVideoFrameCallback?: (callback: () => void) => number;
    };
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(done);
    else video.addEventListener('playing', done, { once: true });
    if (output.readyState === 'ended') done();
  }

  /** Starts over on the chosen camera (or tries the camera again after it failed). */
  private restart(): void {
    this.generation++;
    this.teardown();
    this.error = null;
    void this.run(this.generation);
  }

  /**
   * Another camera while running: swapped into the same output (setInput), as a call would, with
   * no model reload and no gap; the old camera stops once the new one is in. From the sample clip
   * (no camera before) or a failed start it starts over.
   */
  private async onCameraChange(event: Event): Promise<void> {
    const cameraId = (event.target as HTMLSelectElement).value;
    this.changeSettings({ cameraId });
    const vb = this.processor;
    if (!vb || this.status !== 'running' || this.usingSample) {
      this.restart();
      return;
    }
    const generation = this.generation;
    try {
      const track = await openCamera(cameraId);
      if (generation !== this.generation || vb !== this.processor) {
        track.stop();
        return;
      }
      await vb.setInput(track);
      const old = this.inputTrack;
      this.inputTrack = track;
      this.inputStream = new MediaStream([track]);
      old?.stop();
      const { width, height } = track.getSettings();
      const size = width && height ? ` at ${width}×${height}` : '';
      this.sourceNotice = `Camera in use: ${track.label || 'default camera'}${size}`;
    } catch (error) {
      // The camera in use goes on; say why the other one could not be had.
      this.error = toShownError(error);
    }
  }

  /** The output ended without stop(): the camera was unplugged or stopped, or the pipeline gave up. */
  private readonly onProcessorEnded = (event: Event): void => {
    const { reason } = (event as CustomEvent<{ reason: string }>).detail;
    this.status = 'failed';
    if (reason === 'input-ended') {
      this.error = toShownError(
        new Error('The camera stopped (unplugged or taken by another app)'),
      );
    }
  };

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
        // An upload is not kept across reloads (the file is the user's, in this page only).
        if (!choice.id.startsWith('upload-')) this.changeSettings({ background: choice.id });
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
    this.switchingTo = quality === this.inForce ? '' : quality;
    try {
      await vb.update({ quality });
      this.quality = quality;
      this.inForce = quality;
      this.changeSettings({ quality });
    } catch (error) {
      this.error = toShownError(error);
      this.requestUpdate(); // the select snaps back to the quality in force
    } finally {
      if (this.switchingTo === quality) this.switchingTo = '';
    }
  }

  private async onAdaptiveToggle(event: CustomEvent<boolean>): Promise<void> {
    const adaptive = event.detail;
    try {
      await this.processor?.update({ adaptive });
      this.changeSettings({ adaptive });
    } catch (error) {
      this.error = toShownError(error);
    }
  }

  private async onKeepChange(event: CustomEvent<string[]>): Promise<void> {
    const keep = event.detail;
    this.keepLoading = true;
    try {
      await this.processor?.update({ model: modelFor(keep) });
      this.changeSettings({ keep });
    } catch (error) {
      this.error = toShownError(error);
    } finally {
      this.keepLoading = false;
    }
  }

  private toggleBeforeAfter(): void {
    this.showBefore = !this.showBefore;
  }

  private toggleMirror(): void {
    this.changeSettings({ mirror: !this.settings.mirror });
  }

  override updated(): void {
    // Switching srcObject pauses a <video> in some browsers; keep the preview playing.
    const preview = this.renderRoot.querySelector<HTMLVideoElement>('video.preview');
    if (preview?.srcObject && preview.paused) void preview.play().catch(() => undefined);
  }

  override render(): TemplateResult {
    const running = this.status === 'running';
    const badge = badgeText(this.status, this.showBefore, this.activeBackground);
    const shown = running && !this.showBefore ? this.outputStream : this.inputStream;
    const ready =
      this.readyAfterMs !== null
        ? html`<span class="notice" data-testid="ready-notice"
            >Ready ${(this.readyAfterMs / 1000).toFixed(1)} s after the page opened</span
          >`
        : nothing;
    return html`
      <header>
        <h1>Virtual background</h1>
        <span
          class=${this.usingSample ? 'notice sample' : 'notice'}
          data-testid="source-notice"
          role="status"
          >${this.sourceNotice}</span
        >
        ${ready}
      </header>
      <div class="toasts">${renderError(this.error, () => (this.error = null))}</div>
      <main>
        <section>
          <div class="stage">
            <video
              class=${this.settings.mirror ? 'preview mirrored' : 'preview'}
              data-testid="preview"
              aria-label=${badge}
              .muted=${true}
              muted
              autoplay
              playsinline
              .srcObject=${shown}
            ></video>
            ${
              shown
                ? html`<span
                    class=${running ? 'badge' : 'badge raw'}
                    data-testid="preview-badge"
                    >${badge}</span
                  >`
                : nothing
            }
            ${renderProgress(this.status, this.loadingSeconds)}
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
            <button
              class="choice"
              data-testid="mirror"
              aria-pressed=${String(this.settings.mirror)}
              title="Mirror the preview (what you send is not mirrored)"
              @click=${this.toggleMirror}
            >
              Mirror preview
            </button>
            ${renderCameraControls({
              cameras: this.cameras,
              cameraId: this.settings.cameraId,
              offerRetry: this.usingSample || this.status === 'failed',
              onChange: (e) => void this.onCameraChange(e),
              onRetry: () => this.restart(),
            })}
          </div>
          <video class="sample" hidden loop muted playsinline .muted=${true}></video>
        </section>
        <section class="panels">
          <stats-panel class="panel" .processor=${this.processor}></stats-panel>
          <call-preview
            class="panel"
            .processed=${this.outputStream?.getVideoTracks()[0] ?? null}
            .camera=${this.inputTrack}
          ></call-preview>
        </section>
        <aside ?inert=${!running}>
          <background-picker
            .active=${this.activeBackground}
            .pending=${this.pendingBackground}
            @background-select=${this.onBackgroundSelect}
          ></background-picker>
          <keep-chooser
            .kept=${this.settings.keep}
            ?loading=${this.keepLoading}
            @keep-change=${this.onKeepChange}
          ></keep-chooser>
          <quality-select
            .value=${this.quality}
            .switchingTo=${this.switchingTo}
            .inForce=${this.inForce}
            .adaptive=${this.settings.adaptive}
            @quality-change=${this.onQualityChange}
            @adaptive-change=${this.onAdaptiveToggle}
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
