#version 300 es
// The segmenter's mask placed in the frame and smoothed over time. Placement: a crop level's mask
// covers u_rawCrop of the frame (src/worker/person-crop.ts); outside it is background. Smoothing:
// an exponential moving average against flicker that keeps the previous mask only where neither
// the picture nor the mask changed much. Where the picture moved (the previous model-size picture
// rides along in the previous mask's .gba) or the new value differs a lot, the new mask takes over
// at once: smoothing damps noise on a still picture, it must not drag an old silhouette behind a
// moving person or across a cut. Then a contrast stretch that snaps confident pixels to exactly 0
// or 1, so low-level noise in the background never shows as a shimmering ghost of the room.
precision highp float;
uniform sampler2D u_rawMask;   // this frame's confidence, .r in 0..1, covering u_rawCrop
uniform vec4 u_rawCrop;        // x, y, w, h in frame uv
uniform sampler2D u_prevMask;  // last smoothed mask (.r) and picture (.gba), in frame uv
uniform float u_keep;          // weight of the previous mask for small changes (0 = no smoothing)
uniform vec2 u_snap;           // (low, high): below low → 0, above high → 1, linear between
uniform sampler2D u_small;     // the frame being drawn at model size, RGB, covering u_smallCrop
uniform vec4 u_smallCrop;
in vec2 v_uv;
out vec4 outColor;

bool inside(vec2 p) {
  return all(greaterThanEqual(p, vec2(0.0))) && all(lessThanEqual(p, vec2(1.0)));
}

void main() {
  vec2 rawUv = (v_uv - u_rawCrop.xy) / u_rawCrop.zw;
  vec2 smallUv = (v_uv - u_smallCrop.xy) / u_smallCrop.zw;
  float raw = inside(rawUv) ? texture(u_rawMask, rawUv).r : 0.0;
  vec4 prevTexel = texture(u_prevMask, v_uv);
  float prev = prevTexel.r;
  // Outside the picture the model saw nothing is known of the change: no smoothing there.
  bool seen = inside(smallUv);
  vec3 small = seen ? texture(u_small, smallUv).rgb : prevTexel.gba;
  float change = abs(raw - prev);
  // 0.03–0.12 in RGB distance: above camera noise at model size, below a moving edge's contrast.
  float pictureChange = seen ? length(small - prevTexel.gba) : 1.0;
  float keep = u_keep * (1.0 - smoothstep(0.25, 0.6, change)) *
    (1.0 - smoothstep(0.03, 0.12, pictureChange));
  float m = mix(raw, prev, keep);
  m = clamp((m - u_snap.x) / (u_snap.y - u_snap.x), 0.0, 1.0);
  outColor = vec4(m, small);
}
