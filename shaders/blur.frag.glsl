#version 300 es
// One direction of a separable Gaussian over premultiplied (rgb * w, w) texels. Each tap sits between
// two texels with their combined weight, so bilinear filtering does half the adds (the "linear
// sampling" trick). TAPS is a compile-time define: software GL runs a loop with a uniform bound to
// its maximum, so a constant bound is several times cheaper.
precision highp float;
uniform sampler2D u_src;
uniform vec2 u_step;               // one texel along the blur direction
uniform float u_weights[TAPS + 1]; // [0] = centre texel, [i] = the pair of texels at u_offsets[i - 1]
uniform float u_offsets[TAPS];     // in texels
in vec2 v_uv;
out vec4 outColor;
void main() {
  vec4 acc = texture(u_src, v_uv) * u_weights[0];
  for (int i = 0; i < TAPS; i++) {
    vec2 o = u_step * u_offsets[i];
    acc += (texture(u_src, v_uv + o) + texture(u_src, v_uv - o)) * u_weights[i + 1];
  }
  outColor = acc;
}
