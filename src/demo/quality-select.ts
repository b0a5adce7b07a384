import { css, html, LitElement, type nothing, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { Quality } from '../index';
import { sharedStyles } from './styles';

/**
 * Each level in a line, with what it cost on this project's reference machine (README, bench of
 * f777c4b: 1280x720, colour background, 2 cores, no GPU).
 */
export const QUALITY_LEVELS: ReadonlyArray<{ value: Quality; label: string; help: string }> = [
  {
    value: 'fast',
    label: 'Fast',
    help: 'Whole frame, small model. Lightest: 28.7 fps, 18 ms a frame on a 2-core laptop.',
  },
  {
    value: 'balanced',
    label: 'Balanced',
    help: 'Same model, every frame waits for its own mask, steadier edges (smoothed over time). 28.8 fps, 18 ms a frame.',
  },
  {
    value: 'accurate',
    label: 'Accurate',
    help: 'Larger model on a crop around you, every frame waiting for its own mask, and both models together while you hold still: best outline, most CPU. 27.7 fps, 23 ms a frame.',
  },
];

/**
 * The segmentation quality and adaptive quality. Reports `quality-change` (detail: the Quality)
 * and `adaptive-change` (detail: boolean); `switchingTo` names a level that is loading while the
 * current one keeps serving, `inForce` the level actually drawing (adaptive quality may differ
 * from the one picked).
 */
export class QualitySelect extends LitElement {
  static override properties = {
    value: { type: String },
    disabled: { type: Boolean },
    switchingTo: { type: String },
    inForce: { type: String },
    adaptive: { type: Boolean },
  };

  static override styles = [
    sharedStyles,
    css`
      select {
        width: 100%;
        padding: 0.45rem 0.6rem;
        border: 1px solid var(--vb-border, #2a313b);
        border-radius: 0.5rem;
        background: #1f252d;
      }

      .help {
        margin: 0.4rem 0 0;
        font-size: 0.8rem;
        color: var(--vb-muted, #8f99a8);
        min-height: 2.2em;
      }

      .state {
        margin: 0.3rem 0 0;
        font-size: 0.8rem;
        min-height: 1.2em;
      }

      .state.switching {
        color: #f5a524;
      }

      label.check {
        display: flex;
        gap: 0.5rem;
        align-items: flex-start;
        margin-top: 0.6rem;
        font-size: 0.85rem;
      }
    `,
  ];

  declare value: Quality;
  declare disabled: boolean;
  declare switchingTo: Quality | '';
  declare inForce: Quality | '';
  declare adaptive: boolean;

  constructor() {
    super();
    this.value = 'balanced';
    this.disabled = false;
    this.switchingTo = '';
    this.inForce = '';
    this.adaptive = true;
  }

  private onChange(event: Event): void {
    const value = (event.target as HTMLSelectElement).value as Quality;
    this.dispatchEvent(
      new CustomEvent<Quality>('quality-change', { detail: value, bubbles: true, composed: true }),
    );
  }

  private onAdaptive(event: Event): void {
    this.dispatchEvent(
      new CustomEvent<boolean>('adaptive-change', {
        detail: (event.target as HTMLInputElement).checked,
        bubbles: true,
        composed: true,
      }),
    );
  }

  private renderState(): TemplateResult | typeof nothing {
    const label = (q: Quality | '') => QUALITY_LEVELS.find((l) => l.value === q)?.label ?? q;
    if (this.switchingTo) {
      return html`<p class="state switching" role="status" data-testid="quality-state">
        Switching to ${label(this.switchingTo)}… ${label(this.inForce || this.value)} serves meanwhile.
      </p>`;
    }
    if (this.inForce && this.inForce !== this.value) {
      return html`<p class="state" role="status" data-testid="adaptive-notice">
        Running at ${label(this.inForce)}: this machine cannot hold ${label(this.value)} right now.
      </p>`;
    }
    return html`<p class="state" role="status" data-testid="quality-state"></p>`;
  }

  override render(): TemplateResult {
    const shown = this.switchingTo || this.value;
    const help = QUALITY_LEVELS.find((q) => q.value === shown)?.help ?? '';
    return html`
      <h2><label for="quality">Quality</label></h2>
      <select
        id="quality"
        data-testid="quality"
        aria-describedby="quality-help"
        ?disabled=${this.disabled}
        .value=${live(shown)}
        @change=${this.onChange}
      >
        ${QUALITY_LEVELS.map(
          (q) => html`<option value=${q.value} ?selected=${q.value === shown}>${q.label}</option>`,
        )}
      </select>
      <p class="help" id="quality-help" data-testid="quality-help">${help}</p>
      ${this.renderState()}
      <label class="check">
        <input
          type="checkbox"
          data-testid="adaptive"
          .checked=${live(this.adaptive)}
          ?disabled=${this.disabled}
          @change=${this.onAdaptive}
        />
        <span>Adapt to this machine: step down a level when it cannot keep the frame rate, back up
          when it can</span>
      </label>
    `;
  }
}

customElements.define('quality-select', QualitySelect);

declare global {
  interface HTMLElementTagNameMap {
    'quality-select': QualitySelect;
  }
}
