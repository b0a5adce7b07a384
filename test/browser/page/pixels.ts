/**
 * Pixel statistics over region crops: the numbers the judgements compare against thresholds. Kept
 * free of tracks and timing so that every scenario scores pixels the same way.
 */

/** The colour the scenarios set as background, and look for in the output. */
export const GREEN: [number, number, number] = [0, 255, 0];

/** Share of pixels whose largest channel difference to `b` is at most `tol`. */
export function fractionClose(a: ImageData, b: ImageData, tol: number): number {
  let ok = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n * 4; i += 4) {
    const d = Math.max(
      Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0)),
      Math.abs((a.data[i + 1] ?? 0) - (b.data[i + 1] ?? 0)),
      Math.abs((a.data[i + 2] ?? 0) - (b.data[i + 2] ?? 0)),
    );
    if (d <= tol) ok++;
  }
  return ok / n;
}

export function fractionNear(a: ImageData, rgb: [number, number, number], tol: number): number {
  let ok = 0;
  const n = a.width * a.height;
  for (let i = 0; i < n * 4; i += 4) {
    const d = Math.max(
      Math.abs((a.data[i] ?? 0) - rgb[0]),
      Math.abs((a.data[i + 1] ?? 0) - rgb[1]),
      Math.abs((a.data[i + 2] ?? 0) - rgb[2]),
    );
    if (d <= tol) ok++;
  }
  return ok / n;
}

/** Mean absolute Laplacian of luma: high-frequency energy (edges and sensor noise). */
export function laplacianEnergy(img: ImageData): number {
  const { width: w, height: h, data } = img;
  const luma = (x: number, y: number) => {
    const i = (y * w + x) * 4;
    return 0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0);
  };
  let sum = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      sum += Math.abs(
        4 * luma(x, y) - luma(x - 1, y) - luma(x + 1, y) - luma(x, y - 1) - luma(x, y + 1),
      );
      n++;
    }
  }
  return n > 0 ? sum / n : 0;
}

export function meanRgb(img: ImageData): [number, number, number] {
  const n = img.width * img.height;
  const sum = [0, 0, 0];
  for (let i = 0; i < n * 4; i += 4) {
    sum[0] = (sum[0] ?? 0) + (img.data[i] ?? 0);
    sum[1] = (sum[1] ?? 0) + (img.data[i + 1] ?? 0);
    sum[2] = (sum[2] ?? 0) + (img.data[i + 2] ?? 0);
  }
  return [(sum[0] ?? 0) / n, (sum[1] ?? 0) / n, (sum[2] ?? 0) / n];
}
