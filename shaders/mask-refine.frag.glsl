#version 300 es
// Joint bilateral filter of the mask against the camera picture: each output texel averages the 3x3
// neighbouring mask texels weighted by how close their picture colour is to its own, so the mask
// edge snaps to the image edge (hair, shoulders) instead of following the model's blocks.
// GUIDE (a define) picks the guide picture: 0 = the model-size RGB picture (refinement at mask
// resolution, one texture read per tap), 1 = the camera frame's luma at full resolution (joint
// bilateral upsampling to a finer mask: more detail, more reads).
precision highp float;
#include "sampling"
uniform sampler2D u_mask;   // smoothed mask at model resolution, .r
uniform sampler2D u_small;  // GUIDE 0: the frame at model size, RGB
uniform vec2 u_maskTexel;   // 1 / mask size
uniform float u_sigmaColor; // colour distance scale, 0..1 units
in vec2 v_uv;
out vec4 outColor;

vec3 guide(vec2 uv) {
#if GUIDE == 0
  return texture(u_small, uv).rgb;
#else
  return vec3(texture(u_frame0, uv).r);
#endif
}

void main() {
  vec3 center = guide(v_uv);
  float sum = 0.0;
  float weights = 0.0;
  // 3x3 mask texels: wide enough to move an edge by a texel, cheap enough for software GL.
  for (int dy = -1; dy <= 1; dy++) {
    for (int dx = -1; dx <= 1; dx++) {
      vec2 p = v_uv + vec2(float(dx), float(dy)) * u_maskTexel;
      vec3 diff = guide(p) - center;
      float spatial = exp(-0.5 * float(dx * dx + dy * dy));
      float w = spatial * exp(-dot(diff, diff) / (2.0 * u_sigmaColor * u_sigmaColor));
      sum += w * texture(u_mask, p).r;
      weights += w;
    }
  }
  outColor = vec4(sum / max(weights, 1e-5), 0.0, 0.0, 1.0);
}
