import { PASCAL_VOC_LABELS, type Quality } from '../index';

/** The model for what is kept: the person models for person alone, else DeepLabV3's preset. */
export function modelFor(keep: string[]) {
  return keep.some((l) => l !== 'person')
    ? { preset: 'deeplabv3' as const, foreground: keep }
    : null;
}

/** What the demo remembers across reloads (localStorage): the person's choices, nothing else. */
export interface DemoSettings {
  /** A built-in background's id (background-picker.ts); uploads are not kept. */
  background: string;
  quality: Quality;
  adaptive: boolean;
  mirror: boolean;
  /** The camera's deviceId; '' for the browser's default. */
  cameraId: string;
  /** What stays in the picture: ['person'] is the person models, more is DeepLabV3's preset. */
  keep: string[];
}

const KEY = 'virtual-background-demo';

export const DEFAULT_SETTINGS: DemoSettings = {
  background: 'blur-medium',
  quality: 'balanced',
  adaptive: true,
  // Off: the preview shows what is sent (a mirrored self-view is a choice, not a default here).
  mirror: false,
  cameraId: '',
  keep: ['person'],
};

/** The saved settings, each field checked; anything missing or malformed takes its default. */
export function loadSettings(): DemoSettings {
  let saved: Partial<Record<keyof DemoSettings, unknown>> = {};
  try {
    saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') ?? {};
  } catch {
    // Storage blocked or a corrupt entry: defaults.
  }
  const pick = <K extends keyof DemoSettings>(key: K, ok: (v: unknown) => boolean) =>
    ok(saved[key]) ? (saved[key] as DemoSettings[K]) : DEFAULT_SETTINGS[key];
  return {
    background: pick('background', (v) => typeof v === 'string' && v.length > 0),
    quality: pick('quality', (v) => v === 'fast' || v === 'balanced' || v === 'accurate'),
    adaptive: pick('adaptive', (v) => typeof v === 'boolean'),
    mirror: pick('mirror', (v) => typeof v === 'boolean'),
    cameraId: pick('cameraId', (v) => typeof v === 'string'),
    keep: pick(
      'keep',
      (v) =>
        Array.isArray(v) &&
        v.length > 0 &&
        v.every((l) => typeof l === 'string' && PASCAL_VOC_LABELS.includes(l)),
    ),
  };
}

export function saveSettings(settings: DemoSettings): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(settings));
  } catch {
    // Storage blocked (private mode, quota): the page still works, it just forgets.
  }
}
