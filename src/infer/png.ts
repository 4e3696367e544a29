/**
 * PNG outputs for 2D image inputs (microscopy PNG/TIF), as ivadomed's inference.pred_to_png:
 * one 8-bit grayscale PNG per class, pixel = uint8(value * 255 / maxValue) (numpy's astype
 * truncates; values are clamped to 0..255 here so soft or painted maps cannot wrap around).
 * maxValue = 1 for predictions (`<id>_class-<k>_pred.png`), 3 for the painted TP/FP/FN map
 * (`<id>_class-<k>_pred_TP-FP-FN.png`: TP 85, FP 170, FN 255).
 *
 * Layout: a 2D image is read as a (H, W, 1) volume with voxel (i, j, 0) = pixel (row i, column j)
 * (src/data/images/convert.ts), so the PNG has the source image's width and height.
 */
import { encode } from 'fast-png';
import type { Volume } from '../data/index';

/** Paths of 2D image inputs (ivadomed writes PNGs for every input that is not NIfTI). */
export function isImage2DPath(path: string): boolean {
  return /\.(png|tiff?|jpe?g)$/i.test(path);
}

/** One class (`classIndex`) of a [H, W, 1] or [H, W, 1, C] volume (Fortran order) as an 8-bit PNG. */
export function classToPng(volume: Pick<Volume, 'data' | 'shape'>, classIndex = 0, maxValue = 1): Uint8Array {
  const [H, W, D = 1] = volume.shape;
  if (D !== 1) throw new Error(`classToPng: a PNG holds one slice; the prediction is [${volume.shape.join(', ')}] (the input was not a 2D image).`);
  const n = H * W;
  const classes = volume.data.length / n;
  if (!(classIndex >= 0 && classIndex < classes)) throw new Error(`classToPng: class ${classIndex} requested, the prediction has ${classes}.`);
  const src = volume.data.subarray(classIndex * n, (classIndex + 1) * n);
  const pixels = new Uint8Array(n);
  const scale = 255 / maxValue;
  for (let row = 0; row < H; row++) {
    for (let col = 0; col < W; col++) {
      const v = Math.trunc(src[row + H * col] * scale);
      pixels[row * W + col] = v < 0 || Number.isNaN(v) ? 0 : v > 255 ? 255 : v;
    }
  }
  return encode({ width: W, height: H, data: pixels, depth: 8, channels: 1 });
}
