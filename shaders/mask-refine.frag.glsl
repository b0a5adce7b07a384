#version 300 es
// Edge-aware mask refinement against the camera picture, so the mask edge snaps to the image edge
// (hair, shoulders) instead of following the model's blocks. GUIDE (a define) picks the kind:
// 0 = at mask resolution: a 3x3 joint bilateral filter, each texel the average of its neighbours
//     weighted by how close their model-size picture colour is to its own;
// 1 = finer than the mask: joint bilateral upsampling (Kopf et al. 2007) against the camera
//     frame's full-size luma. Each output texel blends the 2x2 mask texels around it, with bilinear
//     weights times how close each texel's picture luma is to the output texel's own. A 3x3
//     filter here cost twice as much on software GL (15 against 7 ms at 512x288 on SwiftShader),
//     on every frame that takes a new mask.
precision highp float;
#include "sampling"
uniform sampler2D u_mask;   // smoothed mask at model resolution, .r; .gba the model-size picture
uniform sampler2D u_small;  // GUIDE 0: the frame at model size, RGB
uniform vec2 u_maskTexel;   // 1 / mask size
uniform float u_sigmaColor; // colour distance scale, 0..1 units
in vec2 v_uv;
out vec4 outColor;

#if GUIDE == 0
void main() {
  vec3 center = texture(u_small, v_uv).rgb;
  float sum = 0.0;
  float weights = 0.0;
  // 3x3 mask texels: wide enough to move an edge by a texel, cheap enough for software GL.
  for (int dy = -1; dy <= 1; dy++) {
    for (int dx = -1; dx <= 1; dx++) {
      vec2 p = v_uv + vec2(float(dx), float(dy)) * u_maskTexel;
      vec3 diff = texture(u_small, p).rgb - center;
      float spatial = exp(-0.5 * float(dx * dx + dy * dy));
      float w = spatial * exp(-dot(diff, diff) / (2.0 * u_sigmaColor * u_sigmaColor));
      sum += w * texture(u_mask, p).r;
      weights += w;
    }
  }
  outColor = vec4(sum / max(weights, 1e-5), 0.0, 0.0, 1.0);
}
#else
float frameLuma(vec2 uv) {
  // Planar frames: the Y plane is the luma, one read. RGBA frames: converted like the texels.
  if (u_frameLayout != 0) return texture(u_frame0, uv).r;
  return frameYuv(uv).x;
}

void main() {
  ivec2 size = textureSize(u_mask, 0);
  vec2 pos = v_uv * vec2(size) - 0.5;
  vec2 cell = floor(pos);
  vec2 f = pos - cell;
  float center = frameLuma(v_uv);
  float k = 1.0 / (2.0 * u_sigmaColor * u_sigmaColor);
  float sum = 0.0;
  float weights = 0.0;
  for (int j = 0; j <= 1; j++) {
    for (int i = 0; i <= 1; i++) {
      ivec2 q = clamp(ivec2(cell) + ivec2(i, j), ivec2(0), size - 1);
      vec4 texel = texelFetch(u_mask, q, 0);
      float bilinear = (i == 0 ? 1.0 - f.x : f.x) * (j == 0 ? 1.0 - f.y : f.y);
      // The texel's picture colour in the frame's own luma, comparable with the centre's.
      float d = (u_frameToYuv * texel.gba).x + u_frameOffset.x - center;
      // The small floor keeps plain bilinear where no texel's colour is close (thin structures).
      float w = bilinear * (exp(-d * d * k) + 1e-3);
      sum += w * texel.r;
      weights += w;
    }
  }
  outColor = vec4(sum / max(weights, 1e-6), 0.0, 0.0, 1.0);
}
#endif
