#version 300 es
// One triangle covering the viewport, no vertex buffers. v_uv is (0,0) at gl_FragCoord (0,0), i.e. at
// memory row 0 of the target; every texture here keeps the image's top row at row 0, so v_uv is also
// the image coordinate with y growing downwards.
out vec2 v_uv;
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  v_uv = p;
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
