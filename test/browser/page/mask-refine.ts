/**
 * In-page side of the mask-refinement test: runs the mask stage on a synthetic frame whose picture
 * edge sits where the model's mask edge is blurred by upsampling, and reads the refined mask back.
 */
import { yuvConversion } from '../../../src/gl/color-space';
import { createTarget, createTexture } from '../../../src/gl/gl-utils';
import { createMaskStage, type MaskSettings } from '../../../src/gl/mask-stage';
import type { Picture } from '../../../src/gl/picture';

const FRAME_W = 1280;
const FRAME_H = 720;
const MODEL_W = 256;
const MODEL_H = 144;
/** The picture and the mask change at this frame column: model texel 128 (5 frame pixels each). */
const EDGE_X = 640;
const BRIGHT = 0.8;
const DARK = 0.2;

export interface RefineResult {
  width: number;
  /** Refined mask (0..1) along one row, one value per refined texel. */
  row: number[];
}

function planeTexture(gl: WebGL2RenderingContext, w: number, h: number, bytes: Uint8Array) {
  const texture = createTexture(gl, w, h, gl.R8);
  gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
  gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.RED, gl.UNSIGNED_BYTE, bytes);
  return texture;
}

export function refineAcrossEdge(settings: MaskSettings): RefineResult {
  const canvas = new OffscreenCanvas(1, 1);
  const gl = canvas.getContext('webgl2') as WebGL2RenderingContext;
  // Limited-range BT.601, as cameras send: the refinement must compare the full-size Y plane with
  // the model-size RGB picture in the same units.
  const conversion = yuvConversion('smpte170m', false);
  const yByte = (v: number) => Math.round(16 + 219 * v);
  const luma = new Uint8Array(FRAME_W * FRAME_H);
  for (let y = 0; y < FRAME_H; y++)
    for (let x = 0; x < FRAME_W; x++) luma[y * FRAME_W + x] = yByte(x < EDGE_X ? BRIGHT : DARK);
  const chroma = new Uint8Array((FRAME_W / 2) * (FRAME_H / 2)).fill(128);
  const picture: Picture = {
    textures: [
      planeTexture(gl, FRAME_W, FRAME_H, luma),
      planeTexture(gl, FRAME_W / 2, FRAME_H / 2, chroma),
      planeTexture(gl, FRAME_W / 2, FRAME_H / 2, chroma),
    ],
    layout: 1,
    swapRB: false,
    conversion,
    width: FRAME_W,
    height: FRAME_H,
    packed: null,
  };
  // The frame at model size, grey RGB, and a mask that is person left of the edge.
  const edgeTexel = EDGE_X / (FRAME_W / MODEL_W);
  const small = createTarget(gl, MODEL_W, MODEL_H);
  const rgba = new Uint8Array(MODEL_W * MODEL_H * 4);
  const confidence = new Float32Array(MODEL_W * MODEL_H);
  for (let y = 0; y < MODEL_H; y++)
    for (let x = 0; x < MODEL_W; x++) {
      const v = Math.round(255 * (x < edgeTexel ? BRIGHT : DARK));
      rgba.set([v, v, v, 255], (y * MODEL_W + x) * 4);
      confidence[y * MODEL_W + x] = x < edgeTexel ? 1 : 0;
    }
  gl.bindTexture(gl.TEXTURE_2D, small.texture);
  gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, MODEL_W, MODEL_H, gl.RGBA, gl.UNSIGNED_BYTE, rgba);

  const stage = createMaskStage(gl, MODEL_W, MODEL_H);
  stage.update(confidence, picture, small, settings);
  const out = stage.output();
  const fb = gl.createFramebuffer();
  gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
  gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, out, 0);
  const width = Math.round(MODEL_W * Math.max(1, settings.refineScale));
  const rowY = 40;
  const pixels = new Uint8Array(width * 4);
  gl.readPixels(0, rowY, width, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
  gl.deleteFramebuffer(fb);
  stage.dispose();
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { width, row: Array.from({ length: width }, (_, i) => (pixels[i * 4] ?? 0) / 255) };
}
