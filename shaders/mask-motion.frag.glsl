#version 300 es
// A reused mask moved to follow the picture. When a frame is drawn with a mask made from an
// earlier frame (the machine could not segment every frame, or the mask came late), the person
// has moved since: drawn where it was, the mask leaves a ghost of the room beside a moving arm
// and cuts off the side they moved to. Three passes (STEP, a define) estimate how the person moved
// between the mask's picture and this frame's and shift the mask by it:
// STEP 0 (search): one texel per candidate shift d (-R..R both ways, in steps of u_shiftStep mask
//   texels): the mean colour difference between the mask's picture at person samples q and this
//   frame at q + d.
// STEP 1 (pick): the shift with the lowest difference, kept only if it clearly beats no shift.
// STEP 2 (warp): the mask moved by that shift; .gba takes this frame's picture, so the next reuse
//   starts from here.
// One shift for the person as a whole: walking, leaning and camera pans move the silhouette
// together; a waving hand is left to the next fresh mask.
precision highp float;
uniform sampler2D u_prevMask;   // the mask (.r) and the picture it belongs to (.gba), frame uv
uniform sampler2D u_small;      // this frame at model size, covering u_smallCrop of the frame
uniform vec4 u_smallCrop;
uniform vec2 u_maskTexel;       // 1 / mask size
uniform vec4 u_region;          // where the person is (frame uv x, y, w, h): the samples go there
uniform int u_radius;           // R
uniform float u_shiftStep;      // mask texels per candidate step (a 512-wide mask: 2)
uniform sampler2D u_costs;      // STEP 1: the search's output
uniform sampler2D u_shift;      // STEP 2: the pick's output
in vec2 v_uv;
out vec4 outColor;

const int GRID = 16; // GRID x GRID samples over the region

bool inside(vec2 p) {
  return all(greaterThanEqual(p, vec2(0.0))) && all(lessThanEqual(p, vec2(1.0)));
}

// Two bytes for a value in 0..1: the search's differences are close together.
vec2 pack16(float v) {
  float hi = floor(clamp(v, 0.0, 1.0) * 255.0) / 255.0;
  return vec2(hi, fract(clamp(v, 0.0, 1.0) * 255.0));
}
float unpack16(vec2 p) {
  return p.x + p.y / 255.0;
}

vec3 current(vec2 uv, out bool seen) {
  vec2 s = (uv - u_smallCrop.xy) / u_smallCrop.zw;
  seen = inside(s) && inside(uv);
  return texture(u_small, s).rgb;
}

void main() {
#if STEP == 0
  ivec2 cell = ivec2(gl_FragCoord.xy);
  vec2 d = vec2(cell - ivec2(u_radius)) * u_shiftStep * u_maskTexel;
  float sum = 0.0;
  float weight = 0.0;
  for (int j = 0; j < GRID; j++) {
    for (int i = 0; i < GRID; i++) {
      vec2 q = u_region.xy + (vec2(i, j) + 0.5) / float(GRID) * u_region.zw;
      vec4 then = texture(u_prevMask, q);
      // The person's own pixels carry its motion; the room behind moves otherwise (or not).
      float w = step(0.5, then.r);
      bool seen;
      vec3 now = current(q + d, seen);
      if (w > 0.0 && seen) {
        sum += length(now - then.gba);
        weight += 1.0;
      }
    }
  }
  // Mean difference in 0..sqrt(3), scaled into 0..1; weight as a share of the samples.
  float mean = weight > 0.0 ? sum / weight / 1.75 : 1.0;
  outColor = vec4(pack16(mean), weight / float(GRID * GRID), 1.0);
#elif STEP == 1
  int size = 2 * u_radius + 1;
  vec4 zero = texelFetch(u_costs, ivec2(u_radius), 0);
  float best = unpack16(zero.rg);
  ivec2 bestCell = ivec2(u_radius);
  for (int j = 0; j < size; j++) {
    for (int i = 0; i < size; i++) {
      vec4 c = texelFetch(u_costs, ivec2(i, j), 0);
      float cost = unpack16(c.rg);
      // A shift must see most of the samples the unshifted one does, or it wins by looking away.
      if (c.b >= 0.8 * zero.b && cost < best) {
        best = cost;
        bestCell = ivec2(i, j);
      }
    }
  }
  // No person samples, or a shift that hardly beats none (a still picture, noise): stay.
  bool keep = zero.b < 4.0 / float(GRID * GRID) || best > unpack16(zero.rg) * 0.9;
  vec2 shift = keep ? vec2(0.0) : vec2(bestCell - ivec2(u_radius));
  if (!keep) {
    // Sub-step precision from a parabola through the best cost and its neighbours on each axis:
    // a whole step of a 256-wide mask is 2.5 px at 640 wide, and half of that left over is a
    // visible rim of the room on a swaying person.
    for (int axis = 0; axis < 2; axis++) {
      ivec2 e = axis == 0 ? ivec2(1, 0) : ivec2(0, 1);
      ivec2 lo = bestCell - e;
      ivec2 hi = bestCell + e;
      if (min(lo[axis], hi[axis]) < 0 || max(lo[axis], hi[axis]) >= size) continue;
      float a = unpack16(texelFetch(u_costs, lo, 0).rg);
      float c = unpack16(texelFetch(u_costs, hi, 0).rg);
      float curve = a - 2.0 * best + c;
      if (curve > 1e-5) shift[axis] += clamp(0.5 * (a - c) / curve, -0.5, 0.5);
    }
  }
  // Encoded as (16 shift + 128) / 255: 1/16 of a step per byte level, up to ±7.9 steps, and no
  // shift exactly 0 (a rounding drift here would be applied again at every reuse).
  outColor = vec4((shift * 16.0 + 128.0) / 255.0, 0.0, 1.0);
#else
  vec2 shift = (floor(texelFetch(u_shift, ivec2(0), 0).rg * 255.0 + 0.5) - 128.0) / 16.0;
  vec2 from = v_uv - shift * u_shiftStep * u_maskTexel;
  float m = inside(from) ? texture(u_prevMask, from).r : 0.0;
  bool seen;
  vec3 now = current(v_uv, seen);
  outColor = vec4(m, seen ? now : texture(u_prevMask, v_uv).gba);
#endif
}
