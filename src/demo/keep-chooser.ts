import { css, html, LitElement, nothing, type TemplateResult } from 'lit';
import { PASCAL_VOC_LABELS } from '../index';
import { sharedStyles } from './styles';

/** The classes offered first; the rest of Pascal VOC's are behind "More". */
const FIRST = ['person', 'dog', 'cat'];
const MORE = PASCAL_VOC_LABELS.filter((l) => l !== 'background' && !FIRST.includes(l));

const LABEL: Record<string, string> = {
  diningtable: 'dining table',
  pottedplant: 'potted plant',
  tvmonitor: 'TV / monitor',
  aeroplane: 'aeroplane',
  motorbike: 'motorbike',
};

/**
 * "Keep in picture": which kinds of things stay in front of the background. Person alone is the
 * person models (the quality levels); anything more switches to the multi-class model (DeepLabV3,
 * the `deeplabv3` preset). Reports `keep-change` (detail: the labels); `loading` shows while the
 * owner's update() has not resolved.
 */
export class KeepChooser extends LitElement {
  static override properties = {
    kept: { attribute: false },
    loading: { type: Boolean },
  };

  static override styles = [
    sharedStyles,
    css`
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem 0.9rem;
        font-size: 0.85rem;
      }

      label {
        display: inline-flex;
        gap: 0.35rem;
        align-items: center;
      }

      details {
        margin-top: 0.5rem;
        font-size: 0.85rem;
      }

      summary {
        cursor: pointer;
        color: var(--vb-muted, #8f99a8);
      }

      .more {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(8rem, 1fr));
        gap: 0.3rem;
        margin-top: 0.4rem;
      }

      .state {
        min-height: 1.2em;
        margin: 0.4rem 0 0;
        font-size: 0.8rem;
        color: var(--vb-muted, #8f99a8);
      }

      .state.loading {
        color: #f5a524;
      }
    `,
  ];

  declare kept: string[];
  declare loading: boolean;

  constructor() {
    super();
    this.kept = ['person'];
    this.loading = false;
  }

  private toggle(label: string, on: boolean): void {
    const next = on ? [...new Set([...this.kept, label])] : this.kept.filter((l) => l !== label);
    // Something must stay: with nothing kept the picture would be background only.
    if (next.length === 0) {
      this.requestUpdate();
      return;
    }
    this.dispatchEvent(
      new CustomEvent<string[]>('keep-change', { detail: next, bubbles: true, composed: true }),
    );
  }

  private box(label: string): TemplateResult {
    return html`<label>
      <input
        type="checkbox"
        data-testid=${`keep-${label}`}
        .checked=${this.kept.includes(label)}
        @change=${(e: Event) => this.toggle(label, (e.target as HTMLInputElement).checked)}
      />${LABEL[label] ?? label}
    </label>`;
  }

  override render(): TemplateResult {
    const multi = this.kept.some((l) => l !== 'person');
    const state = this.loading
      ? 'Loading the multi-class model… the current one serves meanwhile.'
      : multi
        ? this.kept.includes('person')
          ? 'Multi-class model (DeepLabV3) beside the person model: your outline stays the person model’s, other subjects’ edges are coarser; a fresh mask every half second or so here.'
          : 'Multi-class model (DeepLabV3): coarser edges than the person models; a fresh mask every half second or so here.'
        : '';
    return html`
      <h2>Keep in picture</h2>
      <div class="row">${FIRST.map((l) => this.box(l))}</div>
      <details ?open=${MORE.some((l) => this.kept.includes(l))}>
        <summary>More kinds of things</summary>
        <div class="more">${MORE.map((l) => this.box(l))}</div>
      </details>
      <p
        class=${this.loading ? 'state loading' : 'state'}
        role="status"
        data-testid="keep-state"
      >${state || nothing}</p>
    `;
  }
}

customElements.define('keep-chooser', KeepChooser);

declare global {
  interface HTMLElementTagNameMap {
    'keep-chooser': KeepChooser;
  }
}
