/**
 * The RGBA pixels of a validation preview (src/train/preview.ts): the image in grey, windowed to its
 * 1st-99th percentile (one bright voxel does not wash it out), the prediction (probability >= 0.5)
 * blended in red, and the outline of the ground truth in green on top.
 */
import type { ValidationPreview } from './preview';

export const PRED_RGB = [255, 70, 70] as const;
export const PRED_ALPHA = 0.45;
export const GT_RGB = [70, 240, 110] as const;

export interface PreviewLayers {
  prediction: boolean;
  groundTruth: boolean;
}

/** The q-quantile (0..1) of values, nearest rank. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const s = Float32Array.from(values).sort();
  if (s.length === 0) return 0;
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/** True where the mask is set and a 4-neighbour (or the border) is not. */
export function outline(mask: ArrayLike<number>, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * width + x;
      if (!mask[o]) continue;
      const edge = x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
        !mask[o - 1] || !mask[o + 1] || !mask[o - width] || !mask[o + width];
      if (edge) out[o] = 1;
    }
  }
  return out;
}

export function previewPixels(p: ValidationPreview, layers: PreviewLayers): Uint8ClampedArray<ArrayBuffer> {
  const n = p.width * p.height;
  const lo = quantile(p.image, 0.01);
  const hi = quantile(p.image, 0.99);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const edge = layers.groundTruth && p.gt ? outline(p.gt, p.width, p.height) : null;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const g = Math.min(255, Math.max(0, (p.image[i] - lo) * scale));
    let r = g, gr = g, b = g;
    if (layers.prediction && p.pred[i] >= 0.5) {
      r = r * (1 - PRED_ALPHA) + PRED_RGB[0] * PRED_ALPHA;
      gr = gr * (1 - PRED_ALPHA) + PRED_RGB[1] * PRED_ALPHA;
      b = b * (1 - PRED_ALPHA) + PRED_RGB[2] * PRED_ALPHA;
    }
    if (edge?.[i]) [r, gr, b] = GT_RGB;
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = gr;
    rgba[i * 4 + 2] = b;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}
