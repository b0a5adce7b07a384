import { css, html, LitElement, type TemplateResult } from 'lit';
import { live } from 'lit/directives/live.js';
import type { Quality } from '../index';
import { sharedStyles } from './styles';

const QUALITIES: ReadonlyArray<{ value: Quality; label: string }> = [
  { value: 'fast', label: 'Fast' },
  { value: 'balanced', label: 'Balanced' },
  { value: 'accurate', label: 'Accurate' },
];

/** The segmentation quality; reports the choice as `quality-change` (detail: the Quality). */
export class QualitySelect extends LitElement {
  static override properties = {
    value: { type: String },
    disabled: { type: Boolean },
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
    `,
  ];

  declare value: Quality;
  declare disabled: boolean;

  constructor() {
    super();
    this.value = 'balanced';
    this.disabled = false;
  }

  private onChange(event: Event): void {
    const value = (event.target as HTMLSelectElement).value as Quality;
    this.dispatchEvent(
      new CustomEvent<Quality>('quality-change', { detail: value, bubbles: true, composed: true }),
    );
  }

  override render(): TemplateResult {
    return html`
      <h2><label for="quality">Quality</label></h2>
      <select
        id="quality"
        data-testid="quality"
        ?disabled=${this.disabled}
        .value=${live(this.value)}
        @change=${this.onChange}
      >
        ${QUALITIES.map(
          (q) =>
            html`<option value=${q.value} ?selected=${q.value === this.value}>${q.label}</option>`,
        )}
      </select>
    `;
  }
}

customElements.define('quality-select', QualitySelect);

declare global {
  interface HTMLElementTagNameMap {
    'quality-select': QualitySelect;
  }
}
