/**
 * The demo page's smaller pieces of view, as plain template functions of what they show: the
 * error toast, the preview's badge and start-up progress, the camera controls. VbDemo (vb-demo.ts)
 * owns the state and the processor.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { VirtualBackgroundError } from '../index';

/** opening: asking for the camera; loading: the camera shows raw (labelled) while the model loads. */
export type DemoStatus = 'opening' | 'loading' | 'running' | 'failed';

export interface ShownError {
  code: string;
  message: string;
}

export function toShownError(error: unknown): ShownError {
  if (error instanceof VirtualBackgroundError) {
    return { code: error.code, message: error.message.replace(/^\[[a-z-]+\] /, '') };
  }
  if (error instanceof Error) return { code: error.name || 'error', message: error.message };
  return { code: 'error', message: String(error) };
}

export function renderError(
  error: ShownError | null,
  dismiss: () => void,
): TemplateResult | typeof nothing {
  if (!error) return nothing;
  return html`<div class="error" role="alert" data-testid="error">
    <code>${error.code}</code>
    <span class="message">${error.message}</span>
    <button aria-label="Dismiss" title="Dismiss" @click=${dismiss}>×</button>
  </div>`;
}

/** What the preview shows, said plainly: never "processed" when nothing is replaced. */
export function badgeText(status: DemoStatus, showBefore: boolean, background: string): string {
  if (status !== 'running') return 'Your camera, not processed yet: it stays on this page';
  if (showBefore) return 'Before: the camera as it is';
  if (background === 'none') return 'No background chosen: the camera as it is';
  return 'After: your background';
}

export function renderProgress(
  status: DemoStatus,
  loadingSeconds: number,
): TemplateResult | typeof nothing {
  if (status === 'running') return nothing;
  const text =
    status === 'failed'
      ? 'The processor could not start.'
      : status === 'opening'
        ? 'Asking for the camera…'
        : `Loading the segmentation model… ${loadingSeconds.toFixed(1)} s`;
  return html`<div class="progress" role="status" data-testid="progress">
    ${status === 'loading' ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}
    <span>${text}</span>
  </div>`;
}

export function renderCameraControls(c: {
  cameras: MediaDeviceInfo[];
  cameraId: string;
  offerRetry: boolean;
  onChange: (event: Event) => void;
  onRetry: () => void;
}): TemplateResult {
  const chosen = c.cameraId || c.cameras[0]?.deviceId;
  return html`<div class="camera">
    ${
      c.cameras.length > 0
        ? html`<label
            >Camera
            <select data-testid="camera-select" @change=${c.onChange}>
              ${c.cameras.map(
                (d, i) =>
                  html`<option value=${d.deviceId} ?selected=${chosen === d.deviceId}>
                    ${d.label || `Camera ${i + 1}`}
                  </option>`,
              )}
            </select></label
          >`
        : nothing
    }
    ${
      c.offerRetry
        ? html`<button class="choice" data-testid="retry-camera" @click=${c.onRetry}>
            Try the camera again
          </button>`
        : nothing
    }
  </div>`;
}
