#version 300 es
// Temporal smoothing of the person mask against flicker: an exponential moving average that keeps
// the previous mask only where neither the picture nor the mask changed much. Where the picture
// moved (the previous model-size picture rides along in the previous mask's .gba) or the new value
// differs a lot, the new mask takes over at once: smoothing damps noise on a still picture, it
// must not drag an old silhouette behind a moving person or across a cut. Then a contrast stretch
// that snaps confident pixels to exactly 0 or 1, so low-level noise in the background never shows
// as a shimmering ghost of the room.
// The output also carries the model-size picture in .gba, so the 2x refinement reads a low-res
// texel's mask and guide colour in one fetch.
precision highp float;
uniform sampler2D u_rawMask;   // this frame's confidence, .r in 0..1
uniform sampler2D u_prevMask;  // last smoothed mask, .r
uniform float u_keep;          // weight of the previous mask for small changes (0 = no smoothing)
uniform vec2 u_snap;           // (low, high): below low → 0, above high → 1, linear between
uniform sampler2D u_small;     // the frame at model size, RGB (texel for texel with the mask)
in vec2 v_uv;
out vec4 outColor;
void main() {
  float raw = texture(u_rawMask, v_uv).r;
  vec4 prevTexel = texture(u_prevMask, v_uv);
  float prev = prevTexel.r;
  vec3 small = texture(u_small, v_uv).rgb;
  float change = abs(raw - prev);
  // 0.03–0.12 in RGB distance: above camera noise at model size, below a moving edge's contrast.
  float pictureChange = length(small - prevTexel.gba);
  float keep = u_keep * (1.0 - smoothstep(0.25, 0.6, change)) *
    (1.0 - smoothstep(0.03, 0.12, pictureChange));
  float m = mix(raw, prev, keep);
  m = clamp((m - u_snap.x) / (u_snap.y - u_snap.x), 0.0, 1.0);
  outColor = vec4(m, small);
}
