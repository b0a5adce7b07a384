#version 300 es
// Box-filtered downscale of the camera frame to the model's input size, in RGB: four bilinear taps
// cover a 4x4 texel footprint, enough for 720p → 256x144 without the aliasing a single tap gives.
// u_crop picks the part of the frame the model sees (src/worker/person-crop.ts; whole frame: 0,0,1,1).
precision highp float;
#include "sampling"
uniform vec2 u_srcTexel; // 1 / frame size
uniform vec2 u_footprint; // frame texels per output texel
uniform vec4 u_crop;      // x, y, w, h in frame uv
in vec2 v_uv;
out vec4 outColor;
void main() {
  vec2 uv = u_crop.xy + v_uv * u_crop.zw;
  vec2 d = u_srcTexel * u_footprint * 0.25;
  vec3 c = frameRgb(uv + vec2(-d.x, -d.y)) + frameRgb(uv + vec2(d.x, -d.y)) + frameRgb(uv + vec2(-d.x, d.y)) +
           frameRgb(uv + vec2(d.x, d.y));
  outColor = vec4(c * 0.25, 1.0);
}
