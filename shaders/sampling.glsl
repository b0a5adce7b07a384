// Shared sampling helpers, pasted in where a shader says #include "sampling".
// A "picture" is whatever layout a frame arrived in, sampled without converting it first:
// layout 0 = one RGBA texture, 1 = I420 (three R8 planes), 2 = NV12 (R8 luma + RG8 chroma).
// Keeping camera frames in their planes saves a full-resolution conversion pass, the most
// expensive thing on software GL.

// YCbCr → RGB for a picture: rgb = toRgb * (yuv - offset).
vec3 pictureRgb(sampler2D p0, sampler2D p1, sampler2D p2, int planeLayout, bool swapRB, mat3 toRgb, vec3 offset,
                vec2 uv) {
  if (planeLayout == 0) {
    vec3 c = texture(p0, uv).rgb;
    return swapRB ? c.bgr : c;
  }
  float y = texture(p0, uv).r;
  vec2 cbcr = planeLayout == 1 ? vec2(texture(p1, uv).r, texture(p2, uv).r) : texture(p1, uv).rg;
  return clamp(toRgb * (vec3(y, cbcr) - offset), 0.0, 1.0);
}

// The same picture in YCbCr bytes/255 of its own matrix (toYuv = inverse of toRgb).
vec3 pictureYuv(sampler2D p0, sampler2D p1, sampler2D p2, int planeLayout, bool swapRB, mat3 toRgb, mat3 toYuv,
                vec3 offset, vec2 uv) {
  if (planeLayout == 0) {
    vec3 c = texture(p0, uv).rgb;
    return toYuv * (swapRB ? c.bgr : c) + offset;
  }
  float y = texture(p0, uv).r;
  vec2 cbcr = planeLayout == 1 ? vec2(texture(p1, uv).r, texture(p2, uv).r) : texture(p1, uv).rg;
  return vec3(y, cbcr);
}

// The camera frame.
uniform sampler2D u_frame0;
uniform sampler2D u_frame1;
uniform sampler2D u_frame2;
uniform int u_frameLayout;
uniform bool u_frameSwapRB;
uniform mat3 u_frameToRgb;
uniform mat3 u_frameToYuv;
uniform vec3 u_frameOffset;

vec3 frameRgb(vec2 uv) {
  return pictureRgb(u_frame0, u_frame1, u_frame2, u_frameLayout, u_frameSwapRB, u_frameToRgb, u_frameOffset, uv);
}

vec3 frameYuv(vec2 uv) {
  return pictureYuv(u_frame0, u_frame1, u_frame2, u_frameLayout, u_frameSwapRB, u_frameToRgb, u_frameToYuv,
                    u_frameOffset, uv);
}

// Colour in the working space of a pass: RGB, or YCbCr in the frame's own matrix.
vec3 frameIn(vec2 uv, bool yuv) {
  return yuv ? frameYuv(uv) : frameRgb(uv);
}
