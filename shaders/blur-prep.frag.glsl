#version 300 es
// First step of the background blur, on the model-size RGB picture the downscale stage already made:
// premultiply by the background weight (1 - mask), so the blur spreads background colours only and
// the person leaves no halo. In YCbCr for the I420 output path (blurring is linear, so that is exact).
precision highp float;
uniform sampler2D u_small;  // the frame at model size, RGB
uniform sampler2D u_mask;
uniform bool u_yuv;
uniform mat3 u_toYuv;
uniform vec3 u_yuvOffset;
in vec2 v_uv;
out vec4 outColor;
void main() {
  vec3 c = texture(u_small, v_uv).rgb;
  if (u_yuv) c = u_toYuv * c + u_yuvOffset;
  float w = 1.0 - texture(u_mask, v_uv).r;
  outColor = vec4(c * w, w);
}
