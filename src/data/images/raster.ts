/**
 * Decodes PNG (fast-png), TIFF (utif2) and JPEG (jpeg-js) into one raster form: interleaved samples, row-major,
 * 8 or 16 bits, 1-4 channels (gray, gray+alpha, RGB, RGBA). Palette images are expanded to RGB(A).
 */
import { decode as decodePng, convertIndexedToRgb } from 'fast-png';
import { decodeJpeg } from './jpeg';
import { UTIF, type IFD } from './utif';

export interface Raster {
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  /** Interleaved samples, row-major: sample c of pixel (row, col) at (row * width + col) * channels + c. */
  data: Uint8Array | Uint16Array;
  format: 'png' | 'tiff' | 'jpeg';
}

export function imageFormat(bytes: Uint8Array): 'png' | 'tiff' | 'jpeg' | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 4 && ((bytes[0] === 0x49 && bytes[1] === 0x49 && bytes[2] === 42 && bytes[3] === 0) || (bytes[0] === 0x4d && bytes[1] === 0x4d && bytes[2] === 0 && bytes[3] === 42))) return 'tiff';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

export function decodeRaster(bytes: Uint8Array, name = 'image'): Raster {
  const format = imageFormat(bytes);
  if (format === 'png') return decodePngRaster(bytes, name);
  if (format === 'tiff') return decodeTiffRaster(bytes, name);
  if (format === 'jpeg') return { ...decodeJpeg(bytes, name), bitDepth: 8, format: 'jpeg' };
  throw new Error(`${name}: not a PNG, TIFF or JPEG image (unrecognised signature). Supported 2D formats: .png, .tif, .tiff, .jpg, .jpeg.`);
}

function decodePngRaster(bytes: Uint8Array, name: string): Raster {
  let png;
  try {
    png = decodePng(bytes);
  } catch (err) {
    throw new Error(`${name}: unreadable PNG (${(err as Error).message}). The file is truncated or corrupted.`);
  }
  let data: Uint8Array | Uint16Array = png.data instanceof Uint8ClampedArray ? new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) : png.data;
  let channels = png.channels;
  let depth = png.depth;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = png.palette[0]?.length === 4 ? 4 : 3;
    depth = 8;
  } else if (depth < 8) {
    // 1/2/4-bit gray: fast-png keeps them packed; expand to one sample per byte, scaled to 0..255.
    const out = new Uint8Array(png.width * png.height);
    const rowBytes = Math.ceil((png.width * depth) / 8);
    const max = (1 << depth) - 1;
    for (let y = 0; y < png.height; y++) for (let x = 0; x < png.width; x++) {
      const bit = x * depth;
      const v = (data[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
      out[y * png.width + x] = Math.round((v * 255) / max);
    }
    data = out;
    depth = 8;
  }
  if (channels < 1 || channels > 4) throw new Error(`${name}: PNG with ${channels} channels is not supported.`);
  return { width: png.width, height: png.height, channels: channels as Raster['channels'], bitDepth: depth === 16 ? 16 : 8, data, format: 'png' };
}

function tag(ifd: IFD, id: number): number[] | undefined {
  const v = ifd[`t${id}`];
  return Array.isArray(v) ? (v as number[]) : undefined;
}

function decodeTiffRaster(bytes: Uint8Array, name: string): Raster {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let ifd: IFD;
  try {
    const ifds = UTIF.decode(buffer);
    if (ifds.length === 0) throw new Error('no image directory');
    ifd = ifds[0];
    UTIF.decodeImage(buffer, ifd);
  } catch (err) {
    throw new Error(`${name}: unreadable TIFF (${(err as Error).message}). The file is truncated or corrupted.`);
  }
  const width = ifd.width, height = ifd.height;
  const bps = tag(ifd, 258)?.[0] ?? 1;
  const spp = tag(ifd, 277)?.[0] ?? 1;
  const photometric = tag(ifd, 262)?.[0] ?? 1;
  const planar = tag(ifd, 284)?.[0] ?? 1;
  if (planar === 2 && spp > 1) throw new Error(`${name}: planar (non-interleaved) TIFF is not supported; save it as interleaved (chunky).`);
  if (!ifd.data || ifd.data.length === 0) throw new Error(`${name}: the TIFF has no decodable image data (compression ${tag(ifd, 259)?.[0] ?? '?'}).`);
  if (photometric === 3) {
    // palette: expand to RGB through the colormap (16-bit entries, R..., G..., B...)
    const map = tag(ifd, 320);
    if (!map || bps !== 8) throw new Error(`${name}: palette TIFF without an 8-bit colormap is not supported.`);
    const n = 1 << bps;
    const out = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) {
      const idx = ifd.data[p];
      for (let c = 0; c < 3; c++) out[p * 3 + c] = map[c * n + idx] >> 8;
    }
    return { width, height, channels: 3, bitDepth: 8, data: out, format: 'tiff' };
  }
  if (photometric > 2) throw new Error(`${name}: TIFF photometric interpretation ${photometric} (e.g. CMYK, YCbCr) is not supported; use gray or RGB.`);
  if (spp < 1 || spp > 4) throw new Error(`${name}: TIFF with ${spp} samples per pixel is not supported.`);
  let data: Uint8Array | Uint16Array;
  let bitDepth: 8 | 16;
  if (bps === 16) {
    // utif2 has already converted 16-bit samples to little endian
    const d = ifd.data;
    data = new Uint16Array(width * height * spp);
    for (let i = 0; i < data.length; i++) data[i] = d[2 * i] | (d[2 * i + 1] << 8);
    bitDepth = 16;
  } else if (bps === 8) {
    data = ifd.data.slice(0, width * height * spp);
    bitDepth = 8;
  } else if (bps === 1 && spp === 1) {
    const rowBytes = Math.ceil(width / 8);
    data = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (ifd.data[y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1 ? 255 : 0;
    bitDepth = 8;
  } else {
    throw new Error(`${name}: TIFF with ${bps} bits per sample is not supported (8 or 16 bits).`);
  }
  if (photometric === 0) {
    // WhiteIsZero: invert gray so that 0 is black, as image readers present it
    const max = bitDepth === 16 ? 65535 : 255;
    for (let i = 0; i < data.length; i += spp) data[i] = max - data[i];
  }
  return { width, height, channels: spp as Raster['channels'], bitDepth, data, format: 'tiff' };
}
