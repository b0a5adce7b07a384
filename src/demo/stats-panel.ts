import { css, html, LitElement, type PropertyValues, type TemplateResult } from 'lit';
import type { ProcessorStats, VirtualBackground } from '../index';
import { sharedStyles } from './styles';

const ms = (v: number) => `${v.toFixed(1)} ms`;
const pair = (p: { p50: number; p95: number }) => `${ms(p.p50)} / ${ms(p.p95)}`;

/** Seconds of history the chart shows (one stats event a second). */
const HISTORY = 60;

interface Sample {
  fps: number;
  camera: number;
  delay: number;
}

/**
 * Live numbers from a processor, plain first: frame rate against the camera's, delay, how often
 * the mask is fresh, with a minute of fps and delay drawn; the engineering figures are behind a
 * toggle. It listens to the processor's `stats` event.
 */
export class StatsPanel extends LitElement {
  static override properties = {
    processor: { attribute: false },
    stats: { state: true },
    detailsOpen: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      .headline {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(8.5rem, 1fr));
        gap: 0.5rem;
        margin: 0 0 0.6rem;
      }

      .figure {
        display: flex;
        flex-direction: column;
        padding: 0.45rem 0.6rem;
        border: 1px solid var(--vb-border, #2a313b);
        border-radius: 0.5rem;
      }

      .figure strong {
        font-size: 1.15rem;
        font-variant-numeric: tabular-nums;
      }

      .figure span {
        font-size: 0.78rem;
        color: var(--vb-muted, #8f99a8);
      }

      canvas {
        display: block;
        width: 100%;
        height: 56px;
        border: 1px solid var(--vb-border, #2a313b);
        border-radius: 0.5rem;
      }

      .legend {
        display: flex;
        gap: 1rem;
        margin: 0.25rem 0 0.5rem;
        font-size: 0.75rem;
        color: var(--vb-muted, #8f99a8);
      }

      .legend i {
        display: inline-block;
        width: 0.8rem;
        height: 0.2rem;
        margin-right: 0.3rem;
        vertical-align: middle;
      }

      dl {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr));
        gap: 0.35rem 2rem;
        margin: 0.5rem 0 0;
        font-size: 0.85rem;
      }

      dl > div {
        display: flex;
        justify-content: space-between;
        gap: 1rem;
      }

      dt {
        color: var(--vb-muted, #8f99a8);
      }

      dd {
        margin: 0;
        font-variant-numeric: tabular-nums;
        text-align: right;
      }

      summary {
        cursor: pointer;
        font-size: 0.85rem;
        color: var(--vb-muted, #8f99a8);
      }

      .empty {
        margin: 0;
        font-size: 0.85rem;
        color: var(--vb-muted, #8f99a8);
      }
    `,
  ];

  declare processor: VirtualBackground | null;
  declare stats: ProcessorStats | null;
  declare detailsOpen: boolean;

  private history: Sample[] = [];

  constructor() {
    super();
    this.processor = null;
    this.stats = null;
    this.detailsOpen = false;
  }

  private readonly onStats = (event: Event): void => {
    const s = (event as CustomEvent<ProcessorStats>).detail;
    this.stats = s;
    this.history.push({ fps: s.fpsOut, camera: s.fpsIn, delay: s.latencyMs.p50 });
    if (this.history.length > HISTORY) this.history.shift();
  };

  private listeningTo: VirtualBackground | null = null;

  private listen(processor: VirtualBackground | null): void {
    if (processor === this.listeningTo) return;
    this.listeningTo?.removeEventListener('stats', this.onStats);
    this.listeningTo = processor;
    processor?.addEventListener('stats', this.onStats);
    this.stats = processor ? processor.stats() : null;
    this.history = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.listen(this.processor);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.listen(null);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('processor') && this.isConnected) this.listen(this.processor);
  }

  protected override updated(): void {
    this.drawChart();
  }

  /** fps (green, 0–max(30, camera)) and delay (amber, 0–max(200 ms, highest)) over the last minute. */
  private drawChart(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    if (!canvas) return;
    const scale = devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * scale));
    const height = Math.max(1, Math.round(canvas.clientHeight * scale));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, width, height);
    const h = this.history;
    if (h.length < 2) return;
    const fpsTop = Math.max(30, ...h.map((s) => s.camera));
    const delayTop = Math.max(200, ...h.map((s) => s.delay));
    const x = (i: number) => (i / (HISTORY - 1)) * width;
    const line = (value: (s: Sample) => number, top: number, colour: string) => {
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2 * scale;
      ctx.beginPath();
      h.forEach((s, i) => {
        const y = height - (Math.min(value(s), top) / top) * (height - 4 * scale) - 2 * scale;
        if (i === 0) ctx.moveTo(x(i + HISTORY - h.length), y);
        else ctx.lineTo(x(i + HISTORY - h.length), y);
      });
      ctx.stroke();
    };
    line((s) => s.camera, fpsTop, 'rgba(143, 153, 168, 0.6)');
    line((s) => s.fps, fpsTop, '#4cc38a');
    line((s) => s.delay, delayTop, '#f5a524');
  }

  private renderDetails(s: ProcessorStats): TemplateResult {
    return html`<dl data-testid="stats-details">
      <div><dt>fps in / out</dt><dd>${s.fpsIn.toFixed(1)} / ${s.fpsOut.toFixed(1)}</dd></div>
      <div><dt>frames in</dt><dd data-testid="frames-in">${s.framesIn}</dd></div>
      <div><dt>frames out</dt><dd data-testid="frames-out">${s.framesOut}</dd></div>
      <div><dt>segmented</dt><dd>${s.framesSegmented}</dd></div>
      <div><dt>mask reused</dt><dd>${s.framesReused} (1 mask / ${s.segmentEvery} frames)</dd></div>
      <div><dt>dropped</dt><dd>${s.framesDropped}</dd></div>
      <div><dt>latency p50 / p95</dt><dd>${pair(s.latencyMs)}</dd></div>
      <div><dt>segment p50 / p95</dt><dd>${pair(s.segmentMs)}</dd></div>
      <div><dt>compose p50 / p95</dt><dd>${pair(s.composeMs)}</dd></div>
      <div><dt>engine / backend</dt><dd>${s.engine} / ${s.backend} (${s.backendChoice})</dd></div>
      <div><dt>model</dt><dd>${s.model}</dd></div>
      <div><dt>input / output path</dt><dd>${s.inputPath} / ${s.outputPath}</dd></div>
      <div><dt>quality</dt><dd>${s.quality}</dd></div>
    </dl>`;
  }

  override render(): TemplateResult {
    const s = this.stats;
    if (!s) {
      return html`<h2>Stats</h2>
        <p class="empty" data-testid="stats">Waiting for the processor…</p>`;
    }
    const every = Math.max(s.segmentEvery, 0);
    const maskText =
      every === 0
        ? 'no mask yet'
        : every <= 1.05
          ? 'every frame'
          : `every ${every.toFixed(1)} frames`;
    const summary = `${s.fpsOut.toFixed(0)} frames per second of the camera's ${s.fpsIn.toFixed(0)}, delay ${s.latencyMs.p50.toFixed(0)} ms`;
    return html`
      <h2>Stats</h2>
      <div class="headline" data-testid="stats">
        <div class="figure">
          <strong data-testid="fps">${s.fpsOut.toFixed(1)} fps</strong>
          <span>of the camera's ${s.fpsIn.toFixed(1)}</span>
        </div>
        <div class="figure">
          <strong data-testid="delay">${s.latencyMs.p50.toFixed(0)} ms</strong>
          <span>delay, camera to output</span>
        </div>
        <div class="figure">
          <strong data-testid="mask-every">${maskText}</strong>
          <span>a fresh person mask</span>
        </div>
        <div class="figure">
          <strong>${s.framesDropped}</strong>
          <span>camera frames skipped</span>
        </div>
      </div>
      <canvas role="img" aria-label=${`Last minute: ${summary}`}></canvas>
      <div class="legend" aria-hidden="true">
        <span><i style="background:#4cc38a"></i>fps out</span>
        <span><i style="background:rgba(143,153,168,0.6)"></i>camera fps</span>
        <span><i style="background:#f5a524"></i>delay</span>
      </div>
      <details ?open=${this.detailsOpen} @toggle=${(e: Event) => {
        this.detailsOpen = (e.target as HTMLDetailsElement).open;
      }}>
        <summary data-testid="stats-toggle">Details for engineers</summary>
        ${this.renderDetails(s)}
      </details>
    `;
  }
}

customElements.define('stats-panel', StatsPanel);

declare global {
  interface HTMLElementTagNameMap {
    'stats-panel': StatsPanel;
  }
}
