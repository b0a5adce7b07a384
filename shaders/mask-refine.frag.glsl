#version 300 es
// Joint bilateral upsampling of the low-resolution mask against the camera frame: each output texel
// averages nearby mask samples weighted by how close their frame colour (YCbCr) is to its own, so
// the mask edge snaps to the image edge (hair, shoulders) instead of the model's 256x144 blocks.
precision highp float;
#include "sampling"
uniform sampler2D u_mask;   // smoothed mask at model resolution, .r
uniform vec2 u_maskTexel;   // 1 / mask size
uniform float u_sigmaColor; // colour distance scale, 0..1 units
in vec2 v_uv;
out vec4 outColor;
void main() {
  vec3 center = frameYuv(v_uv);
  float sum = 0.0;
  float weights = 0.0;
  // 3x3 mask texels: wide enough to move an edge by a texel, cheap enough for software GL.
  for (int dy = -1; dy <= 1; dy++) {
    for (int dx = -1; dx <= 1; dx++) {
      vec2 p = v_uv + vec2(float(dx), float(dy)) * u_maskTexel;
      vec3 diff = frameYuv(p) - center;
      float spatial = exp(-0.5 * float(dx * dx + dy * dy));
      float w = spatial * exp(-dot(diff, diff) / (2.0 * u_sigmaColor * u_sigmaColor));
      sum += w * texture(u_mask, p).r;
      weights += w;
    }
  }
  outColor = vec4(sum / max(weights, 1e-5), 0.0, 0.0, 1.0);
}
