#version 300 es
// Box-filtered downscale of the camera frame to the model's input size, in RGB: four bilinear taps
// cover a 4x4 texel footprint, enough for 720p → 256x144 without the aliasing a single tap gives.
precision highp float;
#include "sampling"
uniform vec2 u_srcTexel; // 1 / frame size
uniform vec2 u_footprint; // frame texels per output texel
in vec2 v_uv;
out vec4 outColor;
void main() {
  vec2 d = u_srcTexel * u_footprint * 0.25;
  vec3 c = frameRgb(v_uv + vec2(-d.x, -d.y)) + frameRgb(v_uv + vec2(d.x, -d.y)) + frameRgb(v_uv + vec2(-d.x, d.y)) +
           frameRgb(v_uv + vec2(d.x, d.y));
  outColor = vec4(c * 0.25, 1.0);
}
