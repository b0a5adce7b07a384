import { html, LitElement, type TemplateResult } from 'lit';
import type { Background } from '../index';
import { backgroundPickerStyles } from './background-picker.styles';
import { sharedStyles } from './styles';

/** One background the user can pick; `id` marks the active choice. */
export interface BackgroundChoice {
  id: string;
  label: string;
  background: Background;
}

/** Detail of the `background-select` event. */
export type BackgroundSelectDetail = BackgroundChoice;

export const NONE: BackgroundChoice = { id: 'none', label: 'None', background: { kind: 'none' } };

export const BLURS: BackgroundChoice[] = [
  { id: 'blur-light', label: 'Light', background: { kind: 'blur', radius: 6 } },
  { id: 'blur-medium', label: 'Medium', background: { kind: 'blur', radius: 14 } },
  { id: 'blur-strong', label: 'Strong', background: { kind: 'blur', radius: 30 } },
];

export const COLORS: BackgroundChoice[] = [
  { id: 'color-green', label: 'Green', background: { kind: 'color', color: '#00ff00' } },
  { id: 'color-blue', label: 'Blue', background: { kind: 'color', color: '#1e6bff' } },
  { id: 'color-white', label: 'White', background: { kind: 'color', color: '#ffffff' } },
  { id: 'color-charcoal', label: 'Charcoal', background: { kind: 'color', color: '#26292e' } },
  { id: 'color-coral', label: 'Coral', background: { kind: 'color', color: 'coral' } },
];

// Literal URLs, so Vite sees and bundles each asset.
export const IMAGES: BackgroundChoice[] = [
  {
    id: 'image-hubble',
    label: 'Hubble deep field',
    background: {
      kind: 'image',
      source: new URL('./assets/hubble-deep-field.jpg', import.meta.url).href,
    },
  },
  {
    id: 'image-rocket',
    label: 'Rocket launch',
    background: {
      kind: 'image',
      source: new URL('./assets/rocket-launch.jpg', import.meta.url).href,
    },
  },
  {
    id: 'image-coffee',
    label: 'Coffee',
    background: { kind: 'image', source: new URL('./assets/coffee.jpg', import.meta.url).href },
  },
];

export const VIDEOS: BackgroundChoice[] = [
  {
    id: 'video-mandelbrot',
    label: 'Mandelbrot zoom',
    background: {
      kind: 'video',
      source: new URL('./assets/mandelbrot.webm', import.meta.url).href,
    },
  },
];

/** A built-in choice by id (what the demo's settings remember), or undefined. */
export function choiceById(id: string): BackgroundChoice | undefined {
  return [NONE, ...BLURS, ...COLORS, ...IMAGES, ...VIDEOS].find((c) => c.id === id);
}

/**
 * The background choices: none, blur levels, colours (swatches and a free picker), bundled images
 * and video, and an upload. It only reports the choice (`background-select`); the owner applies it.
 */
export class BackgroundPicker extends LitElement {
  static override properties = {
    active: { type: String },
    pending: { type: String },
    customColor: { state: true },
    uploads: { state: true },
    dragging: { state: true },
    uploadError: { state: true },
  };

  static override styles = [sharedStyles, backgroundPickerStyles];

  /** Id of the choice the processor shows now. */
  declare active: string;
  /** Id of a choice being applied (its update() has not resolved yet). */
  declare pending: string;
  declare customColor: string;
  /** The user's own pictures and clips, newest first, each with an object URL for its thumbnail. */
  declare uploads: Array<BackgroundChoice & { url: string }>;
  declare dragging: boolean;
  declare uploadError: string;
  private uploadCount = 0;

  constructor() {
    super();
    this.active = '';
    this.pending = '';
    this.customColor = '#8040ff';
    this.uploads = [];
    this.dragging = false;
    this.uploadError = '';
    this.addEventListener('dragover', this.onDragOver);
    this.addEventListener('dragleave', this.onDragLeave);
    this.addEventListener('drop', this.onDrop);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const u of this.uploads) URL.revokeObjectURL(u.url);
    this.uploads = [];
  }

  private readonly onDragOver = (event: DragEvent): void => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    this.classList.add('dragging');
  };

  private readonly onDragLeave = (): void => {
    this.classList.remove('dragging');
  };

  private readonly onDrop = (event: DragEvent): void => {
    event.preventDefault();
    this.classList.remove('dragging');
    const file = event.dataTransfer?.files[0];
    if (file) this.addUpload(file);
  };

  /** Keeps the file as a choice with a thumbnail and selects it; only pictures and clips. */
  addUpload(file: File): void {
    const kind = file.type.startsWith('video/')
      ? 'video'
      : file.type.startsWith('image/')
        ? 'image'
        : null;
    if (!kind) {
      this.uploadError = `${file.name} is not a picture or a video`;
      return;
    }
    this.uploadError = '';
    const choice = {
      id: `upload-${++this.uploadCount}`,
      label: file.name,
      background: { kind, source: file } as Background,
      url: URL.createObjectURL(file),
    };
    // Four kept: older ones' object URLs are released.
    const kept = [choice, ...this.uploads];
    for (const old of kept.slice(4)) URL.revokeObjectURL(old.url);
    this.uploads = kept.slice(0, 4);
    this.select(choice);
  }

  private select(choice: BackgroundChoice): void {
    this.dispatchEvent(
      new CustomEvent<BackgroundSelectDetail>('background-select', {
        detail: choice,
        bubbles: true,
        composed: true,
      }),
    );
  }

  private onCustomColor(event: Event): void {
    this.customColor = (event.target as HTMLInputElement).value;
    this.select({
      id: 'color-custom',
      label: `Custom ${this.customColor}`,
      background: { kind: 'color', color: this.customColor },
    });
  }

  private onUpload(event: Event): void {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = ''; // picking the same file again still fires `change`
    if (file) this.addUpload(file);
  }

  private button(choice: BackgroundChoice, content: TemplateResult | string): TemplateResult {
    return html`<button
      class="choice"
      data-testid=${`bg-${choice.id}`}
      aria-pressed=${String(this.active === choice.id)}
      ?data-pending=${this.pending === choice.id}
      title=${choice.label}
      @click=${() => this.select(choice)}
    >
      ${content}
    </button>`;
  }

  private swatch(choice: BackgroundChoice): TemplateResult {
    const color = choice.background.kind === 'color' ? choice.background.color : 'transparent';
    return html`<button
      class="swatch"
      style=${`--swatch: ${color}`}
      data-testid=${`bg-${choice.id}`}
      aria-pressed=${String(this.active === choice.id)}
      ?data-pending=${this.pending === choice.id}
      title=${choice.label}
      aria-label=${`${choice.label} background`}
      @click=${() => this.select(choice)}
    ></button>`;
  }

  private thumb(choice: BackgroundChoice, media: TemplateResult): TemplateResult {
    return html`<button
      class="thumb"
      data-testid=${`bg-${choice.id}`}
      aria-pressed=${String(this.active === choice.id)}
      ?data-pending=${this.pending === choice.id}
      title=${choice.label}
      @click=${() => this.select(choice)}
    >
      ${media}<span>${choice.label}</span>
    </button>`;
  }

  override render(): TemplateResult {
    const src = (c: BackgroundChoice) =>
      c.background.kind === 'image' || c.background.kind === 'video'
        ? String(c.background.source)
        : '';
    return html`
      <h2>Background</h2>
      <section>
        <div class="effects">
          ${[NONE, ...BLURS].map((c) =>
            this.button(
              c,
              html`<span>${c.label}</span
                ><small
                  >${c.background.kind === 'blur' ? `blur ${c.background.radius}` : 'camera'}</small
                >`,
            ),
          )}
        </div>
      </section>
      <section>
        <div class="row">
          ${COLORS.map((c) => this.swatch(c))}
          <label
            class=${this.active === 'color-custom' ? 'swatch custom active' : 'swatch custom'}
            title="Any colour"
            style=${this.active === 'color-custom' ? `background: ${this.customColor}` : ''}
          >
            <input
              type="color"
              data-testid="bg-color-custom"
              aria-label="Custom background colour"
              .value=${this.customColor}
              @input=${this.onCustomColor}
            />
          </label>
        </div>
      </section>
      <section>
        <div class="thumbs">
          ${IMAGES.map((c) => this.thumb(c, html`<img src=${src(c)} alt="" loading="lazy" />`))}
          ${VIDEOS.map((c) =>
            this.thumb(c, html`<video src=${`${src(c)}#t=1`} muted preload="metadata"></video>`),
          )}
          ${this.uploads.map((u) =>
            this.thumb(
              u,
              u.background.kind === 'video'
                ? html`<video src=${`${u.url}#t=0.5`} muted preload="metadata"></video>`
                : html`<img src=${u.url} alt="" />`,
            ),
          )}
          <label class="thumb upload" title="Upload an image or a video">
            <input
              type="file"
              accept="image/*,video/*"
              data-testid="bg-upload"
              aria-label="Upload your own background"
              @change=${this.onUpload}
            />
            <span class="name">+ Upload your own</span>
          </label>
        </div>
        <p class="drop-hint">or drop a picture or a clip here</p>
        <p class="upload-error" role="status" data-testid="upload-error">${this.uploadError}</p>
      </section>
    `;
  }
}

customElements.define('background-picker', BackgroundPicker);

declare global {
  interface HTMLElementTagNameMap {
    'background-picker': BackgroundPicker;
  }
}
