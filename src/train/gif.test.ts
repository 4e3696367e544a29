/**
 * -g GIFs: frames (upscaled preview + epoch bar) and the GIF stream itself, read back block by block:
 * size, frame count, delays, and the first frame's pixels decoded (LZW) against the rendered frame.
 */
import { describe, expect, it } from 'vitest';
import { encodeGif, GIF_BAR, gifName, renderGifFrame, type GifFrame } from './gif';
import type { ValidationPreview } from './preview';

function preview(over: Partial<ValidationPreview> = {}): ValidationPreview {
  const w = 8, h = 4;
  return {
    epoch: 1, label: 'x', width: w, height: h, classes: 1, stride: 1, dice: null,
    image: Float32Array.from({ length: w * h }, (_, i) => i), gt: null, pred: new Float32Array(w * h), ...over,
  };
}

interface ParsedGif { width: number; height: number; frames: { delayCs: number; indices: Uint8Array; palette: number[][] }[]; loops: boolean }

/** A minimal GIF89a reader (what the test needs: LSD, GCE delays, local palettes, LZW image data). */
function parseGif(b: Uint8Array): ParsedGif {
  expect(new TextDecoder().decode(b.subarray(0, 6))).toBe('GIF89a');
  const width = b[6] | (b[7] << 8), height = b[8] | (b[9] << 8);
  let i = 13;
  let global: number[][] = [];
  if (b[10] & 0x80) {
    const n = 2 << (b[10] & 7);
    global = Array.from({ length: n }, (_, k) => [b[i + 3 * k], b[i + 3 * k + 1], b[i + 3 * k + 2]]);
    i += 3 * n;
  }
  const frames: ParsedGif['frames'] = [];
  let delay = 0, loops = false;
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    while (b[i] !== 0) { parts.push(...b.subarray(i + 1, i + 1 + b[i])); i += b[i] + 1; }
    i++;
    return Uint8Array.from(parts);
  };
  for (;;) {
    const t = b[i++];
    if (t === 0x3b) break;
    if (t === 0x21) {
      const label = b[i++];
      const data = subBlocks();
      if (label === 0xf9) delay = data[1] | (data[2] << 8);
      if (label === 0xff && new TextDecoder().decode(data.subarray(0, 11)) === 'NETSCAPE2.0') loops = true;
      continue;
    }
    expect(t).toBe(0x2c);
    const fw = b[i + 4] | (b[i + 5] << 8), fh = b[i + 6] | (b[i + 7] << 8), flags = b[i + 8];
    i += 9;
    let palette = global;
    if (flags & 0x80) {
      const n = 2 << (flags & 7);
      palette = Array.from({ length: n }, (_, k) => [b[i + 3 * k], b[i + 3 * k + 1], b[i + 3 * k + 2]]);
      i += 3 * n;
    }
    const minCode = b[i++];
    frames.push({ delayCs: delay, indices: lzwDecode(subBlocks(), minCode, fw * fh), palette });
  }
  return { width, height, frames, loops };
}

function lzwDecode(data: Uint8Array, minCode: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const clear = 1 << minCode, end = clear + 1;
  let size = minCode + 1, dict: number[][] = [], prev: number[] | null = null, pos = 0, bit = 0;
  const reset = () => { dict = Array.from({ length: clear + 2 }, (_, k) => [k]); size = minCode + 1; prev = null; };
  reset();
  while (pos < n) {
    let code = 0;
    for (let k = 0; k < size; k++, bit++) code |= ((data[bit >> 3] >> (bit & 7)) & 1) << k;
    if (code === clear) { reset(); continue; }
    if (code === end) break;
    const entry: number[] = code < dict.length ? dict[code] : [...prev!, prev![0]];
    for (const v of entry) out[pos++] = v;
    if (prev) dict.push([...prev, entry[0]]);
    prev = entry;
    if (dict.length === 1 << size && size < 12) size++;
  }
  return out;
}

describe('GIF of a validation slice over epochs', () => {
  it('renders a frame upscaled to >= 128 px with the epoch bar filled in proportion', () => {
    const f = renderGifFrame(preview(), 1, 4);
    expect([f.width, f.height]).toEqual([128, 64 + GIF_BAR]);
    const px = (x: number, y: number) => [...f.rgba.subarray((y * f.width + x) * 4, (y * f.width + x) * 4 + 3)];
    // Upscaled by 16: pixel (x, y) comes from source (x/16, y/16); the top-left source pixel is row 0 (value 0 → black).
    expect(px(0, 0)).toEqual([0, 0, 0]);
    expect(px(15, 15)).toEqual(px(0, 0));
    expect(px(16, 0)).not.toEqual(px(0, 0));
    // Bar: a quarter of the width filled at epoch 1 of 4.
    expect(px(31, 64)).toEqual([240, 200, 90]);
    expect(px(32, 64)).toEqual([40, 40, 40]);
    expect(px(127, 64 + GIF_BAR - 1)).toEqual([40, 40, 40]);
  });

  it('encodes one looping frame per epoch that decodes back to the rendered pixels', () => {
    const pred = new Float32Array(32);
    pred[5] = 0.9;
    const frames: GifFrame[] = [renderGifFrame(preview(), 1, 2), renderGifFrame(preview({ epoch: 2, pred }), 2, 2)];
    const gif = parseGif(encodeGif(frames, 500));
    expect([gif.width, gif.height, gif.frames.length, gif.loops]).toEqual([128, 68, 2, true]);
    expect(gif.frames.map((f) => f.delayCs)).toEqual([50, 50]);
    // Few colours per frame: the 256-colour palette holds each one within rgb565 rounding.
    frames.forEach((frame, k) => {
      const { indices, palette } = gif.frames[k];
      for (let p = 0; p < indices.length; p += 97) {
        const c = palette[indices[p]];
        for (let ch = 0; ch < 3; ch++) expect(Math.abs(c[ch] - frame.rgba[p * 4 + ch])).toBeLessThanOrEqual(8);
      }
    });
    expect(() => encodeGif([])).toThrow(/no frames/);
    expect(() => encodeGif([frames[0], renderGifFrame(preview({ width: 4, height: 8 }), 1, 2)])).toThrow(/frame of/);
  });

  it("names files as ivadomed: <subject>__<contrast>__<slice>.gif", () => {
    expect(gifName({ subject: 'sub-01', contrasts: ['T2w'], sliceIndex: 7 }, 3)).toBe('sub-01__T2w__7.gif');
    expect(gifName({ subject: 'sub-02', contrasts: ['T1w'], patch: { start: [0, 16, 8] } }, 3)).toBe('sub-02__T1w__patch0-16-8.gif');
    expect(gifName({ subject: 'sub 3/x', contrasts: [] }, 4)).toBe('sub-3-x__image__item4.gif');
  });
});
