#version 300 es
// First step of the background blur, at reduced resolution: premultiply the frame by the background
// weight (1 - mask), so the blur spreads background colours only and the person leaves no halo.
// Works in the compositor's colour space (YCbCr for the I420 output path): blurring is linear.
precision highp float;
#include "sampling"
uniform sampler2D u_mask;
uniform vec2 u_srcTexel;
uniform vec2 u_footprint;
uniform bool u_yuv;
in vec2 v_uv;
out vec4 outColor;
void main() {
  vec2 d = u_srcTexel * u_footprint * 0.25;
  vec3 c = frameIn(v_uv + vec2(-d.x, -d.y), u_yuv) + frameIn(v_uv + vec2(d.x, -d.y), u_yuv) +
           frameIn(v_uv + vec2(-d.x, d.y), u_yuv) + frameIn(v_uv + vec2(d.x, d.y), u_yuv);
  float w = 1.0 - texture(u_mask, v_uv).r;
  outColor = vec4(c * 0.25 * w, w);
}
