/** Pixel checks on element screenshots: rendered images are compared by statistics, never exactly. */
import { decode } from 'fast-png';
import type { Locator } from '@playwright/test';

export interface Shot {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  rgba: Uint8Array;
}

export async function shoot(locator: Locator, path?: string): Promise<Shot> {
  const png = await locator.screenshot({ path, animations: 'disabled' });
  const img = decode(png);
  const channels = img.channels ?? 4;
  const src = img.data as Uint8Array;
  const rgba = new Uint8Array(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = src[p * channels + Math.min(c, channels - 1)];
    rgba[p * 4 + 3] = channels === 4 ? src[p * channels + 3] : 255;
  }
  return { width: img.width, height: img.height, rgba };
}

/** Variance of the grey level (0..255): about 0 for a blank canvas, hundreds for an MRI slice. */
export function lumaVariance(shot: Shot): number {
  let sum = 0;
  let sum2 = 0;
  const n = shot.width * shot.height;
  for (let p = 0; p < n; p++) {
    const y = 0.299 * shot.rgba[p * 4] + 0.587 * shot.rgba[p * 4 + 1] + 0.114 * shot.rgba[p * 4 + 2];
    sum += y;
    sum2 += y * y;
  }
  const mean = sum / n;
  return sum2 / n - mean * mean;
}

/** Number of pixels whose colour differs by more than `tolerance` in any channel. */
export function changedPixels(a: Shot, b: Shot, tolerance = 24): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`screenshots differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let changed = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs(a.rgba[p * 4 + c] - b.rgba[p * 4 + c]) > tolerance) {
        changed++;
        break;
      }
    }
  }
  return changed;
}

/** Pixels that are clearly red-dominant (the label overlay's first colour is a warm red). */
export function reddishPixels(shot: Shot): number {
  let n = 0;
  for (let p = 0; p < shot.width * shot.height; p++) {
    const r = shot.rgba[p * 4];
    const g = shot.rgba[p * 4 + 1];
    const b = shot.rgba[p * 4 + 2];
    if (r > 120 && r > g + 50 && r > b + 50) n++;
  }
  return n;
}
