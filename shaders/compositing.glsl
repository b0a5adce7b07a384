// The compositing rule for RGB outputs. Pasted in after "sampling" where a shader says
// #include "compositing". The I420 packing passes (packing.glsl) apply the same rule in YCbCr.
// BG_KIND is a compile-time define (0 = colour, 1 = picture: image or video, cover-fit through
// u_bgScale/u_bgShift, 2 = blur): one program per kind, so software GL runs no dead branches.
uniform sampler2D u_mask;
uniform vec3 u_bgColor;   // in the pass's working space (RGB here, YCbCr in packing.glsl)
uniform float u_bgAlpha;  // a translucent colour tints the room instead of replacing it
uniform sampler2D u_blur; // premultiplied (colour * w, w), in the working space
uniform sampler2D u_bg0;
uniform sampler2D u_bg1;
uniform sampler2D u_bg2;
uniform int u_bgLayout;
uniform bool u_bgSwapRB;
uniform mat3 u_bgToRgb;
uniform vec3 u_bgOffset;
uniform vec2 u_bgScale;
uniform vec2 u_bgShift;
uniform vec2 u_edge;      // smoothstep range applied to the mask

float maskAt(vec2 uv) {
  return smoothstep(u_edge.x, u_edge.y, texture(u_mask, uv).r);
}

vec3 backgroundPictureRgb(vec2 uv) {
  return pictureRgb(u_bg0, u_bg1, u_bg2, u_bgLayout, u_bgSwapRB, u_bgToRgb, u_bgOffset, uv * u_bgScale + u_bgShift);
}

// Blurred background in the working space; where the whole neighbourhood is person there is no
// background colour to blur (w ~ 0), but the mask is ~1 there and `fallback` is never seen.
vec3 blurredAt(vec2 uv, vec3 fallback) {
  vec4 b = texture(u_blur, uv);
  return b.a > 1e-3 ? b.rgb / b.a : fallback;
}

vec3 compositeRgb(vec2 uv) {
  vec3 frame = frameRgb(uv);
#if BG_KIND == 0
  vec3 bg = mix(frame, u_bgColor, u_bgAlpha);
#elif BG_KIND == 1
  vec3 bg = backgroundPictureRgb(uv);
#else
  vec3 bg = blurredAt(uv, frame);
#endif
  return mix(bg, frame, maskAt(uv));
}
