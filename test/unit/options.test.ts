import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualBackgroundError } from '../../src/errors';
import {
  DEFAULT_BLUR_RADIUS,
  levelModelOf,
  MAX_BLUR_RADIUS,
  parseCssColor,
  parseSimpleColor,
  QUALITIES,
  resolveOptions,
  validateBackground,
  validatePartialOptions,
} from '../../src/options';
import { PASCAL_VOC_LABELS } from '../../src/presets';
import type { VirtualBackgroundOptions } from '../../src/types';

function expectRgba(actual: readonly number[] | null, expected: readonly number[]): void {
  expect(actual).not.toBeNull();
  expect(actual).toHaveLength(4);
  expected.forEach((v, i) => {
    expect(actual?.[i]).toBeCloseTo(v, 6);
  });
}

/** Runs `fn`, expecting it to throw a VirtualBackgroundError with `code`; returns the error. */
function expectCode(fn: () => unknown, code: string): VirtualBackgroundError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(VirtualBackgroundError);
  expect((caught as VirtualBackgroundError).code).toBe(code);
  return caught as VirtualBackgroundError;
}

describe('parseSimpleColor', () => {
  it('parses 6-digit hex', () => {
    expectRgba(parseSimpleColor('#ff8000'), [1, 128 / 255, 0, 1]);
    expectRgba(parseSimpleColor('#000000'), [0, 0, 0, 1]);
  });

  it('parses 3-digit hex by doubling each digit', () => {
    expectRgba(parseSimpleColor('#f80'), [1, 0x88 / 255, 0, 1]);
    expectRgba(parseSimpleColor('#123'), [0x11 / 255, 0x22 / 255, 0x33 / 255, 1]);
  });

  it('parses 4-digit hex with alpha', () => {
    expectRgba(parseSimpleColor('#f808'), [1, 0x88 / 255, 0, 0x88 / 255]);
  });

  it('parses 8-digit hex with alpha', () => {
    expectRgba(parseSimpleColor('#11223344'), [0x11 / 255, 0x22 / 255, 0x33 / 255, 0x44 / 255]);
  });

  it('is case-insensitive and trims whitespace', () => {
    expectRgba(parseSimpleColor('  #AbCdEf  '), [0xab / 255, 0xcd / 255, 0xef / 255, 1]);
  });

  it('rejects hex of other lengths or with non-hex digits', () => {
    for (const bad of ['#', '#12', '#12345', '#1234567', '#123456789', '#ggg', 'ff0000']) {
      expect(parseSimpleColor(bad), bad).toBeNull();
    }
  });

  it('parses rgb() with commas', () => {
    expectRgba(parseSimpleColor('rgb(255, 0, 51)'), [1, 0, 0.2, 1]);
    expectRgba(parseSimpleColor('rgb(255,128,0)'), [1, 128 / 255, 0, 1]);
  });

  it('parses rgba() with commas and an alpha', () => {
    expectRgba(parseSimpleColor('rgba(0, 255, 0, 0.25)'), [0, 1, 0, 0.25]);
  });

  it('parses space-separated rgb() with a slash alpha', () => {
    expectRgba(parseSimpleColor('rgb(0 0 255)'), [0, 0, 1, 1]);
    expectRgba(parseSimpleColor('rgb(0 0 255 / 0.5)'), [0, 0, 1, 0.5]);
    expectRgba(parseSimpleColor('rgba(10 20 30/40%)'), [10 / 255, 20 / 255, 30 / 255, 0.4]);
  });

  it('parses percentages for colour channels and alpha', () => {
    expectRgba(parseSimpleColor('rgb(100%, 50%, 0%)'), [1, 0.5, 0, 1]);
    expectRgba(parseSimpleColor('rgb(0% 0% 0% / 50%)'), [0, 0, 0, 0.5]);
  });

  it('clamps out-of-range channels into 0..1', () => {
    expectRgba(parseSimpleColor('rgb(300, -20, 128)'), [1, 0, 128 / 255, 1]);
    expectRgba(parseSimpleColor('rgba(0, 0, 0, 2)'), [0, 0, 0, 1]);
  });

  it('is case-insensitive on the function name', () => {
    expectRgba(parseSimpleColor('RGB(255, 255, 255)'), [1, 1, 1, 1]);
  });

  it('returns null for named colours, hsl() and garbage', () => {
    for (const bad of [
      'red',
      'transparent',
      'hsl(120, 100%, 50%)',
      'hsla(120 100% 50% / 0.5)',
      '',
      'rgb()',
      'rgb(1, 2)',
      'rgb(1, 2, 3, 4, 5)',
      'rgb(a, b, c)',
      'rgb(1, 2, 3',
      'not a colour',
    ]) {
      expect(parseSimpleColor(bad), bad).toBeNull();
    }
  });
});

describe('parseCssColor', () => {
  it('returns the simple parse for hex and rgb()', () => {
    expectRgba(parseCssColor('#00ff00'), [0, 1, 0, 1]);
    expectRgba(parseCssColor('rgba(255, 0, 0, 0.5)'), [1, 0, 0, 0.5]);
  });

  it('throws invalid-option for a named colour when no OffscreenCanvas exists (Node)', () => {
    expect(typeof OffscreenCanvas).toBe('undefined');
    const err = expectCode(() => parseCssColor('red'), 'invalid-option');
    expect(err.message).toContain('red');
  });

  it('throws invalid-option for garbage', () => {
    expectCode(() => parseCssColor('definitely-not-a-colour'), 'invalid-option');
  });
});

describe('validateBackground', () => {
  it('accepts every valid kind', () => {
    const ok: unknown[] = [
      { kind: 'none' },
      { kind: 'blur' },
      { kind: 'blur', radius: 0 },
      { kind: 'blur', radius: DEFAULT_BLUR_RADIUS },
      { kind: 'blur', radius: MAX_BLUR_RADIUS },
      { kind: 'color', color: '#123456' },
      { kind: 'color', color: 'rgb(1 2 3 / 50%)' },
      { kind: 'image', source: 'https://example.com/bg.png' },
      { kind: 'image', source: new Blob(['x'], { type: 'image/png' }) },
      { kind: 'video', source: '/clip.webm' },
      { kind: 'video', source: new Blob(['x'], { type: 'video/webm' }) },
    ];
    for (const bg of ok) expect(() => validateBackground(bg), JSON.stringify(bg)).not.toThrow();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, MAX_BLUR_RADIUS + 0.001, '10'])(
    'rejects blur radius %s',
    (radius) => {
      expectCode(() => validateBackground({ kind: 'blur', radius }), 'invalid-option');
    },
  );

  it('rejects a colour that is missing, not a string or unparseable', () => {
    expectCode(() => validateBackground({ kind: 'color' }), 'invalid-option');
    expectCode(() => validateBackground({ kind: 'color', color: 0xff0000 }), 'invalid-option');
    expectCode(() => validateBackground({ kind: 'color', color: 'nope' }), 'invalid-option');
  });

  it('rejects an empty or missing image source', () => {
    expectCode(() => validateBackground({ kind: 'image', source: '' }), 'invalid-option');
    expectCode(() => validateBackground({ kind: 'image' }), 'invalid-option');
    expectCode(() => validateBackground({ kind: 'image', source: 42 }), 'invalid-option');
    expectCode(() => validateBackground({ kind: 'image', source: {} }), 'invalid-option');
  });

  it('rejects an empty or missing video source', () => {
    expectCode(() => validateBackground({ kind: 'video', source: '' }), 'invalid-option');
    expectCode(() => validateBackground({ kind: 'video' }), 'invalid-option');
    expectCode(() => validateBackground({ kind: 'video', source: 42 }), 'invalid-option');
  });

  it('rejects an unknown kind and non-objects', () => {
    expectCode(() => validateBackground({ kind: 'sparkles' }), 'invalid-option');
    expectCode(() => validateBackground({}), 'invalid-option');
    expectCode(() => validateBackground(null), 'invalid-option');
    expectCode(() => validateBackground(undefined), 'invalid-option');
    expectCode(() => validateBackground('blur'), 'invalid-option');
  });
});

describe('validatePartialOptions', () => {
  it('accepts an empty object and every valid value', () => {
    expect(() => validatePartialOptions({})).not.toThrow();
    for (const quality of QUALITIES)
      expect(() => validatePartialOptions({ quality })).not.toThrow();
    for (const p of ['auto', 'texture', 'planes'] as const) {
      expect(() => validatePartialOptions({ inputPath: p, outputPath: p })).not.toThrow();
    }
    for (const d of ['auto', 'CPU', 'GPU'] as const) {
      expect(() => validatePartialOptions({ segmenterDelegate: d })).not.toThrow();
    }
    expect(() => validatePartialOptions({ statsIntervalMs: 50 })).not.toThrow();
    expect(() => validatePartialOptions({ assetBaseUrl: '/models/' })).not.toThrow();
  });

  // Casts: these are the malformed values a JavaScript caller could pass.
  const bad = (o: Record<string, unknown>) => o as Partial<VirtualBackgroundOptions>;

  it('rejects an unknown quality', () => {
    expectCode(() => validatePartialOptions(bad({ quality: 'ultra' })), 'invalid-option');
    expectCode(() => validatePartialOptions(bad({ quality: null })), 'invalid-option');
  });

  it('rejects bad input and output paths', () => {
    expectCode(() => validatePartialOptions(bad({ inputPath: 'gpu' })), 'invalid-option');
    expectCode(() => validatePartialOptions(bad({ outputPath: 'canvas' })), 'invalid-option');
    expectCode(() => validatePartialOptions(bad({ outputPath: '' })), 'invalid-option');
  });

  it('rejects a bad segmenter delegate', () => {
    expectCode(() => validatePartialOptions(bad({ segmenterDelegate: 'gpu' })), 'invalid-option');
  });

  it('rejects statsIntervalMs below 50 or not a number', () => {
    for (const s of [49, 0, -1000, Number.NaN, '1000']) {
      expectCode(() => validatePartialOptions(bad({ statsIntervalMs: s })), 'invalid-option');
    }
  });

  it('rejects a non-string assetBaseUrl', () => {
    expectCode(() => validatePartialOptions(bad({ assetBaseUrl: 42 })), 'invalid-option');
  });

  it('validates the background', () => {
    expectCode(
      () => validatePartialOptions({ background: { kind: 'blur', radius: -1 } }),
      'invalid-option',
    );
  });

  it('rejects options that are not an object', () => {
    expectCode(
      () => validatePartialOptions(null as unknown as Partial<VirtualBackgroundOptions>),
      'invalid-option',
    );
  });
});

describe('resolveOptions', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const DEFAULT_BASE = 'https://cdn.example.com/vb/assets';

  it('fills in the documented defaults', () => {
    const r = resolveOptions({}, DEFAULT_BASE);
    // toMatchObject: options added later (with their own defaults) do not break this test.
    expect(r).toMatchObject({
      quality: 'balanced',
      background: { kind: 'blur' },
      assetBaseUrl: 'https://cdn.example.com/vb/assets/',
      inputPath: 'auto',
      outputPath: 'auto',
      segmenterDelegate: 'auto',
      statsIntervalMs: 1000,
    });
  });

  it('keeps the values it is given', () => {
    const r = resolveOptions(
      {
        quality: 'fast',
        background: { kind: 'color', color: '#fff' },
        assetBaseUrl: 'https://other.example.com/m/',
        inputPath: 'planes',
        outputPath: 'texture',
        segmenterDelegate: 'CPU',
        statsIntervalMs: 250,
      },
      DEFAULT_BASE,
    );
    expect(r).toMatchObject({
      quality: 'fast',
      background: { kind: 'color', color: '#fff' },
      assetBaseUrl: 'https://other.example.com/m/',
      inputPath: 'planes',
      outputPath: 'texture',
      segmenterDelegate: 'CPU',
      statsIntervalMs: 250,
    });
  });

  it('leaves an absolute URL that already ends with a slash unchanged', () => {
    expect(resolveOptions({}, 'http://localhost:5173/models/').assetBaseUrl).toBe(
      'http://localhost:5173/models/',
    );
  });

  it('always ends assetBaseUrl with exactly one slash', () => {
    expect(resolveOptions({ assetBaseUrl: 'https://a.example/x' }, DEFAULT_BASE).assetBaseUrl).toBe(
      'https://a.example/x/',
    );
    expect(resolveOptions({ assetBaseUrl: 'https://a.example' }, DEFAULT_BASE).assetBaseUrl).toBe(
      'https://a.example/',
    );
  });

  it('rejects a relative assetBaseUrl when there is no page location (Node)', () => {
    expect(typeof location).toBe('undefined');
    expectCode(() => resolveOptions({ assetBaseUrl: 'models/' }, DEFAULT_BASE), 'invalid-option');
    expectCode(() => resolveOptions({}, '/models/'), 'invalid-option');
  });

  it('resolves a relative assetBaseUrl against the page location when there is one', () => {
    vi.stubGlobal('location', { href: 'https://app.example.com/room/42/index.html' });
    expect(resolveOptions({ assetBaseUrl: 'models' }, DEFAULT_BASE).assetBaseUrl).toBe(
      'https://app.example.com/room/42/models/',
    );
    expect(resolveOptions({}, '/static/vb').assetBaseUrl).toBe(
      'https://app.example.com/static/vb/',
    );
  });

  it('validates before resolving', () => {
    expectCode(
      () =>
        resolveOptions(
          { quality: 'best' } as unknown as VirtualBackgroundOptions,
          'https://cdn.example.com/',
        ),
      'invalid-option',
    );
  });

  it('does not share the default background object between calls in a way that leaks edits', () => {
    const a = resolveOptions({}, DEFAULT_BASE);
    (a.background as { kind: string }).kind = 'none';
    expect(resolveOptions({}, DEFAULT_BASE).background).toEqual({ kind: 'blur' });
  });
});

describe('the deeplabv3 preset', () => {
  it('runs the shipped DeepLabV3 and keeps exactly the listed Pascal VOC classes', () => {
    const model = levelModelOf({ preset: 'deeplabv3', foreground: ['person', 'dog'] });
    expect(model).toEqual({
      engine: 'onnxruntime',
      file: 'deeplabv3_257.onnx',
      width: 257,
      height: 257,
      foreground: [PASCAL_VOC_LABELS.indexOf('person'), PASCAL_VOC_LABELS.indexOf('dog')],
      onnx: { layout: 'nhwc', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], output: 'categories' },
      fusion: {
        companion: {
          file: 'selfie_segmentation_landscape.onnx',
          width: 256,
          height: 144,
          onnx: { layout: 'nhwc', mean: [0, 0, 0], std: [1, 1, 1], output: 'probability' },
        },
        rule: { kind: 'person-class', personClass: 15, backgroundClass: 0 },
      },
    });
    expect(model.foreground).toEqual([15, 12]);
    expect(PASCAL_VOC_LABELS).toHaveLength(21);
  });

  it('without the person, DeepLabV3 alone', () => {
    const model = levelModelOf({ preset: 'deeplabv3', foreground: ['dog', 'cat'] });
    expect(model.fusion).toBeUndefined();
    expect(model.foreground).toEqual([12, 8]);
  });

  it('is accepted by create and update alike', () => {
    const model = { preset: 'deeplabv3' as const, foreground: ['cat'] };
    expect(() => validatePartialOptions({ model })).not.toThrow();
    expect(resolveOptions({ model }, 'https://cdn.example.com/vb/').model).toEqual(model);
  });

  it('names a label outside the list in a typed invalid-option error', () => {
    const e = expectCode(
      () => levelModelOf({ preset: 'deeplabv3', foreground: ['person', 'unicorn'] }),
      'invalid-option',
    );
    expect(e.message).toContain('"unicorn"');
    expectCode(
      () => validatePartialOptions({ model: { preset: 'deeplabv3', foreground: [] } }),
      'invalid-option',
    );
    expectCode(
      () =>
        validatePartialOptions({
          model: { preset: 'deeplabv4', foreground: ['person'] } as never,
        }),
      'invalid-option',
    );
  });
});
