#version 300 es
// U or V plane of the I420 output. A target row holds `width` bytes, i.e. two chroma rows of
// width/2: the left half of the texels carries the even chroma row, the right half the odd one.
// Needs width % 8 == 0 and height % 4 == 0 (see canPackI420).
precision highp float;
#include "sampling"
#include "compositing"
#include "packing"
uniform sampler2D u_chromaPacked; // the camera's U or V plane, four bytes per texel
uniform int u_rowStart;            // first target row of this plane
uniform int u_channel;             // 1 = Cb, 2 = Cr
out vec4 outColor;
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  int halfWidth = int(u_size.x) / 2;
  int x = p.x * 4;
  int odd = x >= halfWidth ? 1 : 0;
  int cy = 2 * (p.y - u_rowStart) + odd;
  int cx = x - odd * halfWidth;
  vec4 c4 = texelFetch(u_chromaPacked, ivec2(cx / 4, cy), 0);
  float step = 2.0 / u_size.x;
  vec2 uv0 = vec2((2.0 * float(cx) + 1.0) / u_size.x, (2.0 * float(cy) + 1.0) / u_size.y);
  outColor = mix(background4(uv0, step, u_channel, c4), c4, mask4(uv0, step));
}
