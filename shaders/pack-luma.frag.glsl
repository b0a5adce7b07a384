#version 300 es
// Y plane of the I420 output: rows [0, height) of a (width/4) x (height*3/2) RGBA8 target whose
// readPixels is exactly an I420 buffer. Texel (x, y) holds luma of pixels 4x..4x+3 of row y.
precision highp float;
#include "sampling"
#include "compositing"
#include "packing"
uniform sampler2D u_lumaPacked; // the camera's Y plane, four bytes per texel
out vec4 outColor;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  vec4 y4 = texelFetch(u_lumaPacked, p, 0);
  float step = 1.0 / u_size.x;
  vec2 uv0 = vec2((float(p.x) * 4.0 + 0.5) * step, (float(p.y) + 0.5) / u_size.y);
  outColor = mix(background4(uv0, step, 0, y4), y4, mask4(uv0, step));
}
