#version 300 es
// Final picture in RGB, for the VideoFrame(canvas) output path and the RGBA readback fallback.
precision highp float;
#include "sampling"
#include "compositing"
uniform bool u_flipY; // true when drawing to the canvas's default framebuffer (bottom row first)
in vec2 v_uv;
out vec4 outColor;
void main() {
  vec2 uv = u_flipY ? vec2(v_uv.x, 1.0 - v_uv.y) : v_uv;
  outColor = vec4(compositeRgb(uv), 1.0);
}
