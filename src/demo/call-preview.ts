import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { setSenderBackground } from '../index';
import { type Loopback, type OutboundFigures, openLoopback } from './loopback';
import { sharedStyles } from './styles';

/**
 * What the other side of a call sees: the processed track sent through a WebRTC connection inside
 * the page (loopback.ts) and shown as received, with the sender's figures from getStats(). Off by
 * default: encoding and decoding 720p costs CPU a small laptop needs for the background. "Send the
 * background" switches the sender between the processed track and the camera with
 * setSenderBackground (replaceTrack, no renegotiation).
 */
export class CallPreview extends LitElement {
  static override properties = {
    processed: { attribute: false },
    camera: { attribute: false },
    open: { state: true },
    figures: { state: true },
    sendBackground: { state: true },
    error: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }

      video {
        display: block;
        width: 100%;
        aspect-ratio: 16 / 9;
        margin-top: 0.6rem;
        border-radius: 0.5rem;
        background: #000;
      }

      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 0.2rem 0.8rem;
        margin: 0.5rem 0 0;
        font-size: 0.8rem;
      }

      dt {
        color: var(--vb-muted, #8f99a8);
      }

      dd {
        margin: 0;
        font-variant-numeric: tabular-nums;
      }

      .error {
        color: var(--vb-danger, #ff6b6b);
        font-size: 0.8rem;
      }
    `,
  ];

  declare processed: MediaStreamTrack | null;
  declare camera: MediaStreamTrack | null;
  declare open: boolean;
  declare figures: OutboundFigures | null;
  declare sendBackground: boolean;
  declare error: string;

  private call: Loopback | null = null;
  private timer = 0;
  private opening = 0;

  constructor() {
    super();
    this.processed = null;
    this.camera = null;
    this.open = false;
    this.figures = null;
    this.sendBackground = true;
    this.error = '';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.close();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // A new processed track (a camera change restarts the processor): keep the call, swap it in.
    if (changed.has('processed') && this.call && this.processed) {
      void this.call.sender.replaceTrack(this.sendBackground ? this.processed : this.camera);
    }
  }

  private close(): void {
    this.opening++;
    clearInterval(this.timer);
    this.call?.close();
    this.call = null;
    this.figures = null;
  }

  private async toggle(): Promise<void> {
    if (this.open) {
      this.open = false;
      this.close();
      return;
    }
    const track = this.sendBackground ? this.processed : this.camera;
    if (!track) return;
    this.open = true;
    this.error = '';
    const attempt = ++this.opening;
    try {
      const call = await openLoopback(track);
      if (attempt !== this.opening) {
        call.close();
        return;
      }
      this.call = call;
      await this.updateComplete;
      const video = this.renderRoot.querySelector('video');
      if (video) video.srcObject = new MediaStream([call.received]);
      const poll = async () => {
        this.figures = (await this.call?.outbound()) ?? null;
      };
      await poll();
      this.timer = window.setInterval(() => void poll(), 1000);
    } catch (error) {
      this.open = false;
      this.error = `The call preview could not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private async onSendBackground(event: Event): Promise<void> {
    const enabled = (event.target as HTMLInputElement).checked;
    this.sendBackground = enabled;
    if (!this.call || !this.processed || !this.camera) return;
    try {
      await setSenderBackground(
        this.call.sender,
        { camera: this.camera, processed: this.processed },
        enabled,
      );
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    }
  }

  private renderFigures(): TemplateResult | typeof nothing {
    const f = this.figures;
    if (!f) return nothing;
    const size = f.frameWidth && f.frameHeight ? `${f.frameWidth}×${f.frameHeight}` : '…';
    const limit = f.qualityLimitationReason ?? '…';
    return html`<dl data-testid="call-stats">
      <dt>sent</dt>
      <dd data-testid="call-fps">${f.framesPerSecond ?? 0} fps, ${size}</dd>
      <dt>held back by</dt>
      <dd>${limit === 'none' ? 'nothing' : limit}</dd>
      <dt>encoder</dt>
      <dd>${f.encoderImplementation ?? '…'} (${f.framesEncoded} frames)</dd>
    </dl>`;
  }

  override render(): TemplateResult {
    return html`
      <h2>Call preview</h2>
      <div class="row">
        <button
          class="choice"
          data-testid="call-toggle"
          aria-pressed=${String(this.open)}
          ?disabled=${!this.processed}
          @click=${this.toggle}
        >
          ${this.open ? 'Stop the call preview' : 'See what the other side receives'}
        </button>
        <label class="row">
          <input
            type="checkbox"
            data-testid="call-send-background"
            .checked=${this.sendBackground}
            @change=${this.onSendBackground}
          />
          <span>Send the background</span>
        </label>
      </div>
      ${
        this.open
          ? html`<video
              data-testid="call-remote"
              aria-label="What the other side of the call receives"
              muted
              autoplay
              playsinline
              .muted=${true}
            ></video>`
          : nothing
      }
      ${this.renderFigures()}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    `;
  }
}

customElements.define('call-preview', CallPreview);

declare global {
  interface HTMLElementTagNameMap {
    'call-preview': CallPreview;
  }
}
