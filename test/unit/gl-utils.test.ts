import { describe, expect, it } from 'vitest';
import compositingGlsl from '../../shaders/compositing.glsl?raw';
import packingGlsl from '../../shaders/packing.glsl?raw';
import samplingGlsl from '../../shaders/sampling.glsl?raw';
import { VirtualBackgroundError } from '../../src/errors';
import { numberLines, resolveIncludes } from '../../src/gl/gl-utils';

const SHADERS = import.meta.glob<string>('../../shaders/*.glsl', {
  query: '?raw',
  import: 'default',
  eager: true,
});

describe('resolveIncludes', () => {
  it('replaces an #include "sampling" line with the sampling chunk', () => {
    const src = '#version 300 es\nprecision highp float;\n#include "sampling"\nvoid main() {}\n';
    const out = resolveIncludes(src);
    expect(out).toBe(`#version 300 es\nprecision highp float;\n${samplingGlsl}\nvoid main() {}\n`);
    expect(out).not.toMatch(/^#include/m);
  });

  it('replaces several includes, each with its own chunk', () => {
    const out = resolveIncludes('#include "sampling"\n#include "compositing"\n#include "packing"');
    expect(out).toBe(`${samplingGlsl}\n${compositingGlsl}\n${packingGlsl}`);
  });

  it('leaves a source without includes untouched', () => {
    const src = '#version 300 es\nvoid main() {}\n';
    expect(resolveIncludes(src)).toBe(src);
  });

  it('only treats whole lines as includes (a mention in a comment stays)', () => {
    const src = '// paste with #include "sampling" where needed\nvoid main() {}';
    expect(resolveIncludes(src)).toBe(src);
  });

  it('throws a gl-error VirtualBackgroundError for an unknown include', () => {
    let caught: unknown;
    try {
      resolveIncludes('#version 300 es\n#include "lighting"\n');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(VirtualBackgroundError);
    expect((caught as VirtualBackgroundError).code).toBe('gl-error');
    expect((caught as VirtualBackgroundError).message).toContain('lighting');
  });

  it('fully resolves every shader in shaders/', () => {
    const entries = Object.entries(SHADERS);
    expect(entries.length).toBeGreaterThan(5);
    for (const [path, source] of entries) {
      const out = resolveIncludes(source);
      // No #include directive left anywhere (chunks must not include other chunks).
      expect(out, path).not.toMatch(/^\s*#include/m);
      if (path.endsWith('.frag.glsl') || path.endsWith('.vert.glsl')) {
        // #version must stay the very first line.
        expect(out.startsWith('#version 300 es'), path).toBe(true);
      }
    }
  });
});

describe('numberLines', () => {
  it('numbers lines from 1, padded to three columns', () => {
    expect(numberLines('a\nb\nc')).toBe('  1: a\n  2: b\n  3: c');
  });

  it('keeps empty lines and numbers past 99', () => {
    const src = Array.from({ length: 120 }, (_, i) => (i === 4 ? '' : `line${i + 1}`)).join('\n');
    const lines = numberLines(src).split('\n');
    expect(lines).toHaveLength(120);
    expect(lines[0]).toBe('  1: line1');
    expect(lines[4]).toBe('  5: ');
    expect(lines[99]).toBe('100: line100');
    expect(lines[119]).toBe('120: line120');
  });

  it('matches a driver line number to the source line', () => {
    const src = '#version 300 es\nprecision highp float;\nfoo bar;\n';
    const line3 = numberLines(src)
      .split('\n')
      .find((l) => l.startsWith('  3:'));
    expect(line3).toBe('  3: foo bar;');
  });
});
