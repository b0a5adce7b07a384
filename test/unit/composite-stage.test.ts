import { describe, expect, it } from 'vitest';
import { applyMat3, type YuvConversion, yuvConversion } from '../../src/gl/color-space';
import {
  backgroundKindDefine,
  type CompositeBackground,
  compositingUniforms,
  coverFit,
} from '../../src/gl/composite-stage';
import type { Picture } from '../../src/gl/picture';

/** Distinct dummy textures so tests can tell which one went where. */
function tex(name: string): WebGLTexture {
  return { name } as unknown as WebGLTexture;
}

function picture(
  name: string,
  width: number,
  height: number,
  conversion: YuvConversion = yuvConversion('smpte170m', false),
): Picture {
  return {
    textures: [tex(`${name}0`), tex(`${name}1`), tex(`${name}2`)],
    layout: 1,
    swapRB: false,
    conversion,
    width,
    height,
    packed: null,
  };
}

describe('coverFit', () => {
  it('is the identity for the same aspect ratio', () => {
    for (const [w, h, bw, bh] of [
      [1280, 720, 1280, 720],
      [1280, 720, 1920, 1080],
      [640, 480, 320, 240],
    ] as const) {
      const f = coverFit(w, h, bw, bh);
      expect(f.scale[0]).toBeCloseTo(1, 12);
      expect(f.scale[1]).toBeCloseTo(1, 12);
      expect(f.offset[0]).toBeCloseTo(0, 12);
      expect(f.offset[1]).toBeCloseTo(0, 12);
    }
  });

  it('crops top and bottom of a 4:3 image on a 16:9 output', () => {
    const f = coverFit(1280, 720, 640, 480);
    expect(f.scale[0]).toBeCloseTo(1, 12);
    expect(f.scale[1]).toBeCloseTo(0.75, 12);
    expect(f.offset[0]).toBeCloseTo(0, 12);
    expect(f.offset[1]).toBeCloseTo(0.125, 12);
  });

  it('crops left and right of a wide image on a 4:3 output', () => {
    const f = coverFit(640, 480, 1920, 1080);
    // 16:9 image on 4:3: keep (4/3)/(16/9) = 0.75 of the width, all of the height.
    expect(f.scale[0]).toBeCloseTo(0.75, 12);
    expect(f.scale[1]).toBeCloseTo(1, 12);
    expect(f.offset[0]).toBeCloseTo(0.125, 12);
    expect(f.offset[1]).toBeCloseTo(0, 12);
  });

  it('crops a tall (portrait) image to a centred band on a landscape output', () => {
    const f = coverFit(1280, 720, 720, 1280);
    expect(f.scale[0]).toBeCloseTo(1, 12);
    expect(f.scale[1]).toBeCloseTo((720 * 720) / (1280 * 1280), 12);
    expect(f.offset[1]).toBeCloseTo((1 - f.scale[1]) / 2, 12);
  });

  const cases: [number, number, number, number][] = [
    [1280, 720, 640, 480],
    [1280, 720, 720, 1280],
    [640, 480, 1920, 1080],
    [480, 640, 1920, 1080],
    [1280, 720, 4000, 100],
    [1280, 720, 100, 4000],
    [1920, 1080, 17, 13],
    [360, 640, 640, 360],
    [1000, 1000, 300, 200],
  ];

  it.each(cases)(
    'never stretches and stays inside the image: %ix%i output, %ix%i image',
    (w, h, bw, bh) => {
      const { scale, offset } = coverFit(w, h, bw, bh);
      for (let i = 0; i < 2; i++) {
        const lo = offset[i] ?? Number.NaN;
        const hi = lo + (scale[i] ?? Number.NaN);
        expect(lo).toBeGreaterThanOrEqual(-1e-12);
        expect(hi).toBeLessThanOrEqual(1 + 1e-12);
        // Centred.
        expect(lo).toBeCloseTo(1 - hi, 12);
      }
      // Covers: one axis uses the whole image.
      expect(Math.max(scale[0], scale[1])).toBeCloseTo(1, 12);
      // Sampled region, in image pixels, has the output's aspect ratio.
      expect((scale[0] * bw) / (scale[1] * bh)).toBeCloseTo(w / h, 9);
    },
  );
});

describe('backgroundKindDefine', () => {
  it('numbers colour 0, picture 1, blur 2 (must match compositing.glsl BG_KIND)', () => {
    expect(backgroundKindDefine({ kind: 'color', rgba: [0, 0, 0, 1] })).toBe(0);
    expect(backgroundKindDefine({ kind: 'picture', picture: picture('bg', 10, 10) })).toBe(1);
    expect(backgroundKindDefine({ kind: 'blur', texture: tex('blur') })).toBe(2);
  });
});

describe('compositingUniforms', () => {
  const mask = tex('mask');
  const edge: [number, number] = [0.3, 0.7];

  it('passes a colour through unchanged in RGB mode', () => {
    const frame = picture('f', 1280, 720);
    const u = compositingUniforms(
      frame,
      mask,
      { kind: 'color', rgba: [0.2, 0.4, 0.6, 0.8] },
      edge,
      false,
    );
    expect(u.u_bgColor).toEqual([0.2, 0.4, 0.6]);
    expect(u.u_bgAlpha).toBe(0.8);
    expect(u.u_mask).toBe(mask);
    expect(u.u_edge).toEqual(edge);
  });

  it.each([
    ['smpte170m', false],
    ['bt709', false],
    ['bt709', true],
    ['bt2020-ncl', false],
  ] as const)(
    'converts a colour with the frame conversion in YUV mode (%s, full %s)',
    (m, full) => {
      const conversion = yuvConversion(m, full);
      const frame = picture('f', 1280, 720, conversion);
      const rgb = [0.9, 0.3, 0.1];
      const u = compositingUniforms(
        frame,
        mask,
        { kind: 'color', rgba: [0.9, 0.3, 0.1, 1] },
        edge,
        true,
      );
      const expected = applyMat3(conversion.toYuv, rgb).map(
        (v, i) => v + (conversion.offset[i] ?? 0),
      );
      const got = u.u_bgColor as number[];
      expect(got).toHaveLength(3);
      expected.forEach((v, i) => {
        expect(got[i]).toBeCloseTo(v, 12);
      });
      expect(u.u_bgAlpha).toBe(1);
    },
  );

  it('converts white to limited-range Y 235 / neutral chroma in YUV mode', () => {
    const frame = picture('f', 640, 480, yuvConversion('smpte170m', false));
    const u = compositingUniforms(frame, mask, { kind: 'color', rgba: [1, 1, 1, 1] }, edge, true);
    const [y, cb, cr] = u.u_bgColor as number[];
    expect(y).toBeCloseTo(235 / 255, 9);
    expect(cb).toBeCloseTo(128 / 255, 9);
    expect(cr).toBeCloseTo(128 / 255, 9);
  });

  it('binds the frame planes and conversion', () => {
    const frame = picture('f', 1280, 720, yuvConversion('bt709', true));
    const u = compositingUniforms(frame, mask, { kind: 'color', rgba: [0, 0, 0, 1] }, edge, false);
    expect(u.u_frame0).toBe(frame.textures[0]);
    expect(u.u_frame1).toBe(frame.textures[1]);
    expect(u.u_frame2).toBe(frame.textures[2]);
    expect(u.u_frameLayout).toBe(1);
    expect(u.u_frameToRgb).toBe(frame.conversion.toRgb);
    expect(u.u_frameToYuv).toBe(frame.conversion.toYuv);
    expect(u.u_frameOffset).toBe(frame.conversion.offset);
    // Every background sampler still points at a texture.
    expect(u.u_bg0).toBeDefined();
    expect(u.u_bg1).toBeDefined();
    expect(u.u_bg2).toBeDefined();
    expect(u.u_blur).toBeDefined();
  });

  it('binds the picture background with its own conversion and a cover fit', () => {
    const frame = picture('f', 1280, 720);
    const bg = picture('bg', 640, 480, yuvConversion('bt709', true));
    bg.layout = 0;
    bg.swapRB = true;
    const background: CompositeBackground = { kind: 'picture', picture: bg };
    const u = compositingUniforms(frame, mask, background, edge, true);
    expect(u.u_bg0).toBe(bg.textures[0]);
    expect(u.u_bg1).toBe(bg.textures[1]);
    expect(u.u_bg2).toBe(bg.textures[2]);
    expect(u.u_bgLayout).toBe(0);
    expect(u.u_bgSwapRB).toBe(true);
    expect(u.u_bgToRgb).toBe(bg.conversion.toRgb);
    expect(u.u_bgOffset).toBe(bg.conversion.offset);
    const fit = coverFit(1280, 720, 640, 480);
    expect(u.u_bgScale).toEqual(fit.scale);
    expect(u.u_bgShift).toEqual(fit.offset);
    // The frame is still the frame.
    expect(u.u_frame0).toBe(frame.textures[0]);
  });

  it('binds the blurred texture for a blur background', () => {
    const frame = picture('f', 1280, 720);
    const blurred = tex('blurred');
    const u = compositingUniforms(frame, mask, { kind: 'blur', texture: blurred }, edge, false);
    expect(u.u_blur).toBe(blurred);
    expect(u.u_mask).toBe(mask);
  });
});
