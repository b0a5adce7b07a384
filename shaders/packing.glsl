// I420 output, composited in YCbCr four bytes at a time. Pasted in after "sampling" and
// "compositing" where a shader says #include "packing".
// The camera's planes also arrive packed (RGBA8, four bytes per texel), so one texelFetch gives four
// neighbouring samples and person pixels keep the camera's own bytes. The mask is sampled once per
// four pixels (u_maskTaps = 1, when it is coarser than that anyway) or per pixel (4).
uniform vec2 u_size;     // picture width, height
uniform int u_maskTaps;

// Mask at four horizontally adjacent positions starting at uv0, `step` apart in uv.
vec4 mask4(vec2 uv0, float step) {
  if (u_maskTaps == 1) return vec4(maskAt(uv0 + vec2(1.5 * step, 0.0)));
  return vec4(maskAt(uv0), maskAt(uv0 + vec2(step, 0.0)), maskAt(uv0 + vec2(2.0 * step, 0.0)),
              maskAt(uv0 + vec2(3.0 * step, 0.0)));
}

// One YCbCr channel (0 = Y, 1 = Cb, 2 = Cr) of the background at four positions; `frame4` is the
// camera's value there (tints and the blur fallback need it).
vec4 background4(vec2 uv0, float step, int channel, vec4 frame4) {
  if (u_bgKind == 0) return mix(frame4, vec4(u_bgColor[channel]), u_bgAlpha);
  vec4 out4;
  for (int i = 0; i < 4; i++) {
    vec2 uv = uv0 + vec2(float(i) * step, 0.0);
    vec3 yuv = u_bgKind == 1 ? u_frameToYuv * backgroundPictureRgb(uv) + u_frameOffset
                             : blurredAt(uv, vec3(frame4[i]));
    out4[i] = yuv[channel];
  }
  return out4;
}
