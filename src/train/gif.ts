/**
 * The GIFs of ivadomed's `-g N` (training with `--gif`): one animated GIF per chosen validation
 * slice, one frame per epoch, showing the prediction (red) and the ground truth outline (green) over
 * the image as the Training tab's validation slice does. Instead of ivadomed's "epoch" caption (drawn
 * with matplotlib), a bar along the bottom edge fills as the epochs go by.
 */
import * as gifencModule from 'gifenc';
import type { ValidationPreview } from './preview';
import { previewPixels } from './preview_render';

// gifenc ships CommonJS (main) and ESM (module): bundlers see its named exports; Node's ESM loader
// (the CLI runs through tsx) may give only `default` = module.exports.
const { applyPalette, GIFEncoder, quantize } = ('GIFEncoder' in gifencModule ? gifencModule : (gifencModule as unknown as { default: typeof gifencModule }).default);

/** Frames are upscaled (nearest, whole factor) until their longer side is at least this. */
export const GIF_MIN_SIDE = 128;
/** Height of the epoch bar, in pixels of the upscaled frame. */
export const GIF_BAR = 4;
export const GIF_FRAME_MS = 500;

export interface GifFrame {
  width: number;
  height: number;
  rgba: Uint8Array;
}

const BAR_RGB = [240, 200, 90] as const;

/** One frame: the preview upscaled, with the epoch bar (epoch / epochs of the width) below it. */
export function renderGifFrame(preview: ValidationPreview, epoch: number, epochs: number): GifFrame {
  const src = previewPixels(preview, { prediction: true, groundTruth: true });
  const zoom = Math.max(1, Math.ceil(GIF_MIN_SIDE / Math.max(preview.width, preview.height)));
  const width = preview.width * zoom;
  const imageHeight = preview.height * zoom;
  const height = imageHeight + GIF_BAR;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < imageHeight; y++) {
    for (let x = 0; x < width; x++) {
      const s = (Math.floor(y / zoom) * preview.width + Math.floor(x / zoom)) * 4;
      rgba.set(src.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  const filled = Math.round((width * Math.min(epoch, epochs)) / Math.max(epochs, 1));
  for (let y = imageHeight; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const c = x < filled ? BAR_RGB : [40, 40, 40];
      rgba[o] = c[0]; rgba[o + 1] = c[1]; rgba[o + 2] = c[2]; rgba[o + 3] = 255;
    }
  }
  return { width, height, rgba };
}

/** An animated GIF (loops forever) of frames of one size; each frame gets its own 256-colour palette. */
export function encodeGif(frames: readonly GifFrame[], delayMs = GIF_FRAME_MS): Uint8Array {
  if (frames.length === 0) throw new Error('encodeGif: no frames.');
  const { width, height } = frames[0];
  const gif = GIFEncoder();
  for (const f of frames) {
    if (f.width !== width || f.height !== height) throw new Error(`encodeGif: frame of ${f.width}x${f.height} in a ${width}x${height} GIF.`);
    const palette = quantize(f.rgba, 256);
    gif.writeFrame(applyPalette(f.rgba, palette), width, height, { palette, delay: delayMs, repeat: 0 });
  }
  gif.finish();
  return gif.bytes();
}

/**
 * ivadomed's GIF file name, `<subject>__<contrast>__<slice>.gif` (e.g. "sub-01__T2w__7.gif"); patches
 * and 3D items add the patch start instead of a slice index.
 */
export function gifName(meta: { subject: string; contrasts: string[]; sliceIndex?: number; patch?: { start: number[] } }, index: number): string {
  const where = meta.sliceIndex !== undefined ? String(meta.sliceIndex) : meta.patch ? `patch${meta.patch.start.join('-')}` : `item${index}`;
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${safe(meta.subject)}__${safe(meta.contrasts[0] ?? 'image')}__${where}.gif`;
}
