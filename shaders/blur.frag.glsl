#version 300 es
// One direction of a separable Gaussian over premultiplied (rgb * w, w) texels.
precision highp float;
uniform sampler2D u_src;
uniform vec2 u_step;        // one texel along the blur direction
uniform int u_taps;         // samples each side of the centre
uniform float u_weights[33];// u_weights[0] = centre, u_weights[i] = at distance i
in vec2 v_uv;
out vec4 outColor;
void main() {
  vec4 acc = texture(u_src, v_uv) * u_weights[0];
  for (int i = 1; i <= 32; i++) {
    if (i > u_taps) break;
    vec2 o = u_step * float(i);
    acc += (texture(u_src, v_uv + o) + texture(u_src, v_uv - o)) * u_weights[i];
  }
  outColor = acc;
}
