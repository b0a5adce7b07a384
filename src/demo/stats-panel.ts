import { css, html, LitElement, type PropertyValues, type TemplateResult } from 'lit';
import type { ProcessorStats, VirtualBackground } from '../index';
import { sharedStyles } from './styles';

const ms = (v: number) => `${v.toFixed(1)} ms`;
const pair = (p: { p50: number; p95: number }) => `${ms(p.p50)} / ${ms(p.p95)}`;

/** Live numbers from a processor: it listens to the processor's `stats` event and shows the latest. */
export class StatsPanel extends LitElement {
  static override properties = {
    processor: { attribute: false },
    stats: { state: true },
  };

  static override styles = [
    sharedStyles,
    css`
      dl {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr));
        gap: 0.35rem 2rem;
        margin: 0;
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

      .empty {
        margin: 0;
        font-size: 0.85rem;
        color: var(--vb-muted, #8f99a8);
      }
    `,
  ];

  declare processor: VirtualBackground | null;
  declare stats: ProcessorStats | null;

  constructor() {
    super();
    this.processor = null;
    this.stats = null;
  }

  private readonly onStats = (event: Event): void => {
    this.stats = (event as CustomEvent<ProcessorStats>).detail;
  };

  private listeningTo: VirtualBackground | null = null;

  private listen(processor: VirtualBackground | null): void {
    if (processor === this.listeningTo) return;
    this.listeningTo?.removeEventListener('stats', this.onStats);
    this.listeningTo = processor;
    processor?.addEventListener('stats', this.onStats);
    this.stats = processor ? processor.stats() : null;
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

  override render(): TemplateResult {
    const s = this.stats;
    if (!s) {
      return html`<h2>Stats</h2>
        <p class="empty" data-testid="stats">Waiting for the processor…</p>`;
    }
    return html`
      <h2>Stats</h2>
      <dl data-testid="stats">
        <div>
          <dt>fps in / out</dt>
          <dd>${s.fpsIn.toFixed(1)} / ${s.fpsOut.toFixed(1)}</dd>
        </div>
        <div>
          <dt>frames in</dt>
          <dd data-testid="frames-in">${s.framesIn}</dd>
        </div>
        <div>
          <dt>frames out</dt>
          <dd data-testid="frames-out">${s.framesOut}</dd>
        </div>
        <div>
          <dt>segmented</dt>
          <dd>${s.framesSegmented}</dd>
        </div>
        <div>
          <dt>mask reused</dt>
          <dd>${s.framesReused} (1 mask / ${s.segmentEvery} frames)</dd>
        </div>
        <div>
          <dt>dropped</dt>
          <dd>${s.framesDropped}</dd>
        </div>
        <div>
          <dt>latency p50 / p95</dt>
          <dd>${pair(s.latencyMs)}</dd>
        </div>
        <div>
          <dt>segment p50 / p95</dt>
          <dd>${pair(s.segmentMs)}</dd>
        </div>
        <div>
          <dt>compose p50 / p95</dt>
          <dd>${pair(s.composeMs)}</dd>
        </div>
        <div>
          <dt>engine / backend</dt>
          <dd>${s.engine} / ${s.backend} (${s.backendChoice})</dd>
        </div>
        <div>
          <dt>model</dt>
          <dd>${s.model}</dd>
        </div>
        <div>
          <dt>input / output path</dt>
          <dd>${s.inputPath} / ${s.outputPath}</dd>
        </div>
        <div>
          <dt>quality</dt>
          <dd>${s.quality}</dd>
        </div>
      </dl>
    `;
  }
}

customElements.define('stats-panel', StatsPanel);

declare global {
  interface HTMLElementTagNameMap {
    'stats-panel': StatsPanel;
  }
}
