// I420 output, composited in YCbCr four bytes at a time. Pasted in after "sampling" and
// "compositing" where a shader says #include "packing".
// The camera's planes also arrive packed (RGBA8, four bytes per texel), so one texelFetch gives four
// neighbouring samples and person pixels keep the camera's own bytes. MASK_TAPS (a define): 4 = one
// mask tap per pixel; 2 = where the mask has at most one texel per four pixels, a tap at the first
// and the last of the four and the two between interpolated: the bilinear mask is linear (or
// nearly) over so short a span. One tap for all four drew the edge in 4-pixel steps (visible at
// 1280x720 from a 256-wide mask); four taps there cost about 5 ms a frame on software GL.
uniform vec2 u_size;     // picture width, height

// Mask at four horizontally adjacent positions starting at uv0, `step` apart in uv.
vec4 mask4(vec2 uv0, float step) {
#if MASK_TAPS == 2
  float first = texture(u_mask, uv0).r;
  float last = texture(u_mask, uv0 + vec2(3.0 * step, 0.0)).r;
  vec4 raw = mix(vec4(first), vec4(last), vec4(0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0));
  return smoothstep(vec4(u_edge.x), vec4(u_edge.y), raw);
#else
  return vec4(maskAt(uv0), maskAt(uv0 + vec2(step, 0.0)), maskAt(uv0 + vec2(2.0 * step, 0.0)),
              maskAt(uv0 + vec2(3.0 * step, 0.0)));
#endif
}

// One YCbCr channel (0 = Y, 1 = Cb, 2 = Cr) of the background at four positions; `frame4` is the
// camera's value there (tints and the blur fallback need it).
vec4 background4(vec2 uv0, float step, int channel, vec4 frame4) {
#if BG_KIND == 0
  return mix(frame4, vec4(u_bgColor[channel]), u_bgAlpha);
#elif BG_KIND == 1
  vec4 out4;
  for (int i = 0; i < 4; i++) {
    vec3 rgb = backgroundPictureRgb(uv0 + vec2(float(i) * step, 0.0));
    out4[i] = (u_frameToYuv * rgb + u_frameOffset)[channel];
  }
  return out4;
#else
  // The blur target is at 1/2 to 1/8 resolution: one tap at the centre of the four pixels is exact
  // to within its own bilinear interpolation.
  vec4 b = texture(u_blur, uv0 + vec2(1.5 * step, 0.0));
  return b.a > 1e-3 ? vec4(b[channel] / b.a) : frame4;
#endif
}
