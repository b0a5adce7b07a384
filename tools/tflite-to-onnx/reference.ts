/**
 * A slow, direct NHWC interpreter of the TFLite operators the converter supports, written from
 * TFLite's reference kernels (tensorflow/lite/kernels/internal/reference/*) and MediaPipe's
 * transpose_conv_bias.cc. It is the test oracle for the converter: it shares only the flatbuffer
 * reader, never the NCHW rewrite, padding helper or weight transposes, so agreement between it and
 * the ONNX graph run by onnxruntime checks the conversion independently.
 *
 * Plain loops, no layout tricks; fine for one 256x256 frame in a test, not for production.
 */
import type { Table } from './flatbuffer';
import type { TfliteModel } from './tflite-reader';

interface Tensor {
  shape: number[];
  data: Float32Array;
}

function half(h: number): number {
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  const s = h >> 15 ? -1 : 1;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1024 + f) * 2 ** (e - 25);
}

function at(t: Tensor, n: number, y: number, x: number, c: number): number {
  const [, h, w, ch] = t.shape as [number, number, number, number];
  return t.data[((n * h + y) * w + x) * ch + c] ?? 0;
}

/** TFLite's SAME/VALID output size and leading pad (kernels/padding.h), restated for independence. */
function pad(same: boolean, size: number, k: number, s: number, d: number): [number, number] {
  const ek = (k - 1) * d + 1;
  const out = same ? Math.ceil(size / s) : Math.ceil((size - ek + 1) / s);
  const total = Math.max(0, (out - 1) * s + ek - size);
  return [out, Math.floor(total / 2)];
}

function activate(v: number, act: number): number {
  switch (act) {
    case 1:
      return Math.max(0, v);
    case 2:
      return Math.min(1, Math.max(-1, v));
    case 3:
      return Math.min(6, Math.max(0, v));
    case 4:
      return Math.tanh(v);
    default:
      return v;
  }
}

function conv(x: Tensor, w: Tensor, b: Tensor | undefined, o: Table, depthwise: boolean): Tensor {
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [oc0, kh, kw, wc] = w.shape as [number, number, number, number];
  const same = o.i8(0, 0) === 0;
  const sw = o.i32(1, 1);
  const sh = o.i32(2, 1);
  const act = o.i8(depthwise ? 4 : 3, 0);
  const dw = o.i32(depthwise ? 5 : 4, 1);
  const dh = o.i32(depthwise ? 6 : 5, 1);
  const oc = depthwise ? wc : oc0;
  const [oh, pt] = pad(same, h, kh, sh, dh);
  const [ow, pl] = pad(same, wd, kw, sw, dw);
  const out = new Float32Array(n * oh * ow * oc);
  const groupIn = depthwise ? 1 : wc;
  const perGroupOut = depthwise ? oc / c : oc / (c / wc);
  const xd = x.data;
  const wdata = w.data;
  for (let bn = 0; bn < n; bn++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let k = 0; k < oc; k++) {
          let acc = b?.data[k] ?? 0;
          const g = Math.floor(k / perGroupOut);
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sh - pt + ky * dh;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sw - pl + kx * dw;
              if (ix < 0 || ix >= wd) continue;
              const pixel = ((bn * h + iy) * wd + ix) * c;
              if (depthwise) {
                acc += (xd[pixel + g] ?? 0) * (wdata[(ky * kw + kx) * wc + k] ?? 0);
              } else {
                const filter = ((k * kh + ky) * kw + kx) * wc;
                const first = pixel + g * groupIn;
                for (let i = 0; i < groupIn; i++) {
                  acc += (xd[first + i] ?? 0) * (wdata[filter + i] ?? 0);
                }
              }
            }
          }
          out[((bn * oh + oy) * ow + ox) * oc + k] = activate(acc, act);
        }
  return { shape: [n, oh, ow, oc], data: out };
}

function broadcast(a: Tensor, b: Tensor, f: (x: number, y: number) => number, act: number): Tensor {
  const ra = [...new Array<number>(4 - a.shape.length).fill(1), ...a.shape];
  const rb = [...new Array<number>(4 - b.shape.length).fill(1), ...b.shape];
  const shape = ra.map((d, i) => Math.max(d, rb[i] ?? 1));
  const out = new Float32Array(shape.reduce((p, q) => p * q, 1));
  const strides = (dims: number[]): number[] => {
    const st = [0, 0, 0, 0];
    let acc = 1;
    for (let k = 3; k >= 0; k--) {
      st[k] = dims[k] === 1 ? 0 : acc;
      acc *= dims[k] ?? 1;
    }
    return st;
  };
  const [a0, a1, a2, a3] = strides(ra) as [number, number, number, number];
  const [b0, b1, b2, b3] = strides(rb) as [number, number, number, number];
  let o = 0;
  const [s0, s1, s2, s3] = shape as [number, number, number, number];
  for (let i0 = 0; i0 < s0; i0++)
    for (let i1 = 0; i1 < s1; i1++)
      for (let i2 = 0; i2 < s2; i2++)
        for (let i3 = 0; i3 < s3; i3++) {
          const va = a.data[i0 * a0 + i1 * a1 + i2 * a2 + i3 * a3] ?? 0;
          const vb = b.data[i0 * b0 + i1 * b1 + i2 * b2 + i3 * b3] ?? 0;
          out[o++] = activate(f(va, vb), act);
        }
  return { shape, data: out };
}

function map(x: Tensor, f: (v: number) => number): Tensor {
  return { shape: x.shape, data: x.data.map(f) };
}

function resizeBilinear(x: Tensor, oh: number, ow: number, o: Table | undefined): Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const align = o?.bool(2, false) ?? false;
  const halfPixel = o?.bool(3, false) ?? false;
  const scale = (i: number, out: number): number =>
    align && out > 1 ? (i - 1) / (out - 1) : i / out;
  const hs = scale(h, oh);
  const ws = scale(w, ow);
  const out = new Float32Array(n * oh * ow * c);
  const coord = (v: number, s: number, size: number): [number, number, number] => {
    const p = halfPixel ? (v + 0.5) * s - 0.5 : v * s;
    const lo = Math.max(Math.floor(p), 0);
    const hi = Math.min(Math.ceil(p), size - 1);
    return [p, lo, hi];
  };
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++) {
      const [iy, y0, y1] = coord(y, hs, h);
      for (let xx = 0; xx < ow; xx++) {
        const [ix, x0, x1] = coord(xx, ws, w);
        for (let k = 0; k < c; k++) {
          out[((b * oh + y) * ow + xx) * c + k] =
            at(x, b, y0, x0, k) * (1 - (iy - y0)) * (1 - (ix - x0)) +
            at(x, b, y1, x0, k) * (iy - y0) * (1 - (ix - x0)) +
            at(x, b, y0, x1, k) * (1 - (iy - y0)) * (ix - x0) +
            at(x, b, y1, x1, k) * (iy - y0) * (ix - x0);
        }
      }
    }
  return { shape: [n, oh, ow, c], data: out };
}

function transposeConvBias(x: Tensor, w: Tensor, b: Tensor, opts: Uint8Array): Tensor {
  const v = new DataView(opts.buffer, opts.byteOffset, opts.byteLength);
  const same = v.getInt32(0, true) === 1;
  const sw = v.getInt32(4, true);
  const sh = v.getInt32(8, true);
  const [n, h, wd, c] = x.shape as [number, number, number, number];
  const [oc, kh, kw] = w.shape as [number, number, number, number];
  const padH = same ? Math.max(0, kh - ((h - 1) % sh) - 1) : 0;
  const padW = same ? Math.max(0, kw - ((wd - 1) % sw) - 1) : 0;
  const oh = sh * (h - 1) + kh - padH;
  const ow = sw * (wd - 1) + kw - padW;
  const out = new Float32Array(n * oh * ow * oc);
  for (let bn = 0; bn < n; bn++) {
    for (let i = 0; i < oh * ow; i++)
      for (let k = 0; k < oc; k++) out[(bn * oh * ow + i) * oc + k] = b.data[k] ?? 0;
    for (let iy = 0; iy < h; iy++)
      for (let ix = 0; ix < wd; ix++)
        for (let ic = 0; ic < c; ic++)
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++)
              for (let k = 0; k < oc; k++) {
                const oy = iy * sh - Math.floor(padH / 2) + ky;
                const ox = ix * sw - Math.floor(padW / 2) + kx;
                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                const idx = ((bn * oh + oy) * ow + ox) * oc + k;
                out[idx] =
                  (out[idx] ?? 0) +
                  at(x, bn, iy, ix, ic) * (w.data[((k * kh + ky) * kw + kx) * c + ic] ?? 0);
              }
  }
  return { shape: [n, oh, ow, oc], data: out };
}

/**
 * Runs subgraph 0 on NHWC float inputs (by tensor name) and returns every tensor it computed, by
 * name, so tests can compare intermediate layers too.
 */
export function runReference(
  model: TfliteModel,
  inputs: Readonly<Record<string, Float32Array>>,
): Map<string, Tensor> {
  const sg = model.subgraphs[0];
  if (sg === undefined) throw new Error('no subgraph');
  const values = new Map<number, Tensor>();
  const get = (i: number | undefined): Tensor => {
    if (i === undefined || i < 0) throw new Error('missing input');
    const v = values.get(i);
    if (v !== undefined) return v;
    const t = sg.tensors[i];
    const bytes = t === undefined ? undefined : model.buffers[t.buffer];
    if (t === undefined || bytes === undefined || bytes.byteLength === 0)
      throw new Error(`tensor ${i} has no value`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = t.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    for (let k = 0; k < count; k++) {
      data[k] =
        t.type === 1
          ? half(dv.getUint16(k * 2, true))
          : t.type === 2
            ? dv.getInt32(k * 4, true)
            : dv.getFloat32(k * 4, true);
    }
    const value = { shape: t.shape, data };
    values.set(i, value);
    return value;
  };
  for (const i of sg.inputs) {
    const t = sg.tensors[i];
    const data = t === undefined ? undefined : inputs[t.name];
    if (t === undefined || data === undefined) throw new Error(`input ${i} not given`);
    values.set(i, { shape: t.shape, data });
  }
  for (const op of sg.operators) {
    const code = model.operatorCodes[op.opcodeIndex]?.builtinCode;
    const o = op.builtinOptions;
    const x = (k: number): Tensor => get(op.inputs[k]);
    const optional = (k: number): Tensor | undefined =>
      (op.inputs[k] ?? -1) >= 0 ? x(k) : undefined;
    let result: Tensor;
    switch (code) {
      case 6:
        result = x(0);
        break;
      case 3:
      case 4:
        if (o === undefined) throw new Error('conv options');
        result = conv(x(0), x(1), optional(2), o, code === 4);
        break;
      case 1: {
        if (o === undefined) throw new Error('pool options');
        const t = x(0);
        const [n, h, w, c] = t.shape as [number, number, number, number];
        const same = o.i8(0, 0) === 0;
        const [sw, sh, fw, fh] = [o.i32(1, 1), o.i32(2, 1), o.i32(3, 1), o.i32(4, 1)];
        const [oh, pt] = pad(same, h, fh, sh, 1);
        const [ow, pl] = pad(same, w, fw, sw, 1);
        const out = new Float32Array(n * oh * ow * c);
        for (let b = 0; b < n; b++)
          for (let oy = 0; oy < oh; oy++)
            for (let ox = 0; ox < ow; ox++)
              for (let k = 0; k < c; k++) {
                let sum = 0;
                let count = 0;
                for (let iy = oy * sh - pt; iy < oy * sh - pt + fh; iy++)
                  for (let ix = ox * sw - pl; ix < ox * sw - pl + fw; ix++) {
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    sum += at(t, b, iy, ix, k);
                    count++;
                  }
                out[((b * oh + oy) * ow + ox) * c + k] = activate(sum / count, o.i8(5, 0));
              }
        result = { shape: [n, oh, ow, c], data: out };
        break;
      }
      case 40: {
        const t = x(0);
        const [n, h, w, c] = t.shape as [number, number, number, number];
        const out = new Float32Array(n * c);
        for (let b = 0; b < n; b++)
          for (let k = 0; k < c; k++) {
            let sum = 0;
            for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) sum += at(t, b, y, xx, k);
            out[b * c + k] = sum / (h * w);
          }
        result = { shape: [n, 1, 1, c], data: out };
        break;
      }
      case 0:
        result = broadcast(x(0), x(1), (a, b) => a + b, o?.i8(0, 0) ?? 0);
        break;
      case 18:
        result = broadcast(x(0), x(1), (a, b) => a * b, o?.i8(0, 0) ?? 0);
        break;
      case 19:
        result = map(x(0), (v) => Math.max(0, v));
        break;
      case 21:
        result = map(x(0), (v) => Math.min(6, Math.max(0, v)));
        break;
      case 14:
        result = map(x(0), (v) => 1 / (1 + Math.exp(-v)));
        break;
      case 117:
        result = map(x(0), (v) => (v * Math.min(6, Math.max(0, v + 3))) / 6);
        break;
      case 2: {
        // CONCATENATION (kernels/internal/reference/concatenation.h): along `axis`, then the
        // fused activation.
        const parts = op.inputs.map((_, k) => x(k));
        const rank = parts[0]?.shape.length ?? 0;
        const raw = o?.i32(0, 0) ?? 0;
        const axis = raw < 0 ? raw + rank : raw;
        const first = parts[0] as Tensor;
        const shape = [...first.shape];
        shape[axis] = parts.reduce((sum, t) => sum + (t.shape[axis] ?? 0), 0);
        const outer = first.shape.slice(0, axis).reduce((a, b) => a * b, 1);
        const inner = first.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
        const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
        let k = 0;
        for (let i = 0; i < outer; i++) {
          for (const t of parts) {
            const run = (t.shape[axis] ?? 0) * inner;
            for (let j = 0; j < run; j++)
              data[k++] = activate(t.data[i * run + j] ?? 0, o?.i8(1, 0) ?? 0);
          }
        }
        result = { shape, data };
        break;
      }
      case 23: {
        const size = x(1).data;
        result = resizeBilinear(x(0), size[0] ?? 0, size[1] ?? 0, o);
        break;
      }
      case 32:
        if (op.customOptions === undefined) throw new Error('custom options');
        result = transposeConvBias(x(0), x(1), x(2), op.customOptions);
        break;
      default:
        throw new Error(`reference: operator ${code} not implemented`);
    }
    const out = op.outputs[0];
    if (out !== undefined) values.set(out, result);
  }
  const named = new Map<string, Tensor>();
  for (const [i, v] of values) {
    const t = sg.tensors[i];
    if (t !== undefined) named.set(t.name, v);
  }
  return named;
}
