/**
 * JPEG (baseline and progressive, via jpeg-js) into the Raster form of raster.ts, and a header probe
 * that reads the frame size without decoding. Gray JPEGs (one component) come back as 1 channel, as
 * imageio reads them for ivadomed; colour JPEGs as RGB (the alpha-free 3 channels).
 */
import { decode as decodeJpegPixels } from 'jpeg-js';

export interface JpegHeader {
  width: number;
  height: number;
  /** 1 gray, 3 YCbCr/RGB, 4 CMYK. */
  components: number;
  progressive: boolean;
}

/** Start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** The frame header (SOFn) of a JPEG, walking the marker segments; null when none is in `bytes`. */
export function jpegHeader(bytes: Uint8Array): JpegHeader | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) { i++; continue; }  // fill byte
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }  // no length
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    if (isStartOfFrame(marker)) {
      if (i + 10 > bytes.length) return null;
      return {
        height: (bytes[i + 5] << 8) | bytes[i + 6],
        width: (bytes[i + 7] << 8) | bytes[i + 8],
        components: bytes[i + 9],
        progressive: marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce,
      };
    }
    if (marker === 0xda || marker === 0xd9) return null;  // scan data or end before any frame
    i += 2 + length;
  }
  return null;
}

/** True when the file ends with the EOI marker (FFD9): a cut copy does not. */
export function jpegComplete(tail: Uint8Array): boolean {
  return tail.length >= 2 && tail[tail.length - 2] === 0xff && tail[tail.length - 1] === 0xd9;
}

export interface JpegRaster {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export function decodeJpeg(bytes: Uint8Array, name: string): JpegRaster {
  const header = jpegHeader(bytes);
  if (!header) throw new Error(`${name}: unreadable JPEG (no frame header). The file is truncated or corrupted.`);
  if (header.components !== 1 && header.components !== 3) {
    throw new Error(`${name}: JPEG with ${header.components} components (CMYK?) is not supported; convert the image to gray or RGB.`);
  }
  let decoded;
  try {
    decoded = decodeJpegPixels(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxMemoryUsageInMB: 2048 });
  } catch (err) {
    throw new Error(`${name}: unreadable JPEG (${(err as Error).message ?? String(err)}). The file is truncated or corrupted.`);
  }
  const { width, height } = decoded;
  const rgb = decoded.data as Uint8Array;
  if (header.components === 3) return { width, height, channels: 3, data: rgb };
  // jpeg-js expands gray to three equal samples: keep one.
  const gray = new Uint8Array(width * height);
  for (let p = 0; p < gray.length; p++) gray[p] = rgb[p * 3];
  return { width, height, channels: 1, data: gray };
}
