/**
 * Header-only probes: shape, spacing and datatype of an image file without decoding its voxels, plus a
 * cheap completeness check (gzip trailer size for .nii.gz, file size for .nii, IEND for PNG).
 */
import type { FileSource } from '../sources/source';
import { readNiftiHeader } from '../nifti/read';
import { gzipTrailerSize, isGzip } from '../nifti/gzip';
import { axisCodes, type AxisCode } from '../orientation';
import type { Affine } from '../volume';
import { jpegComplete, jpegHeader } from '../images/jpeg';
import { decodeRaster } from '../images/raster';
import { UTIF } from '../images/utif';
import type { ImageFormat } from './filename';

export interface ImageHeader {
  /** [nx, ny, nz] or [nx, ny, nz, nc]; 2D images: [height, width, 1]. */
  shape: number[];
  /** NIfTI pixdim (mm); absent for 2D images (comes from the sidecar's PixelSize). */
  spacing?: [number, number, number];
  /** NIfTI datatype name, or e.g. "png 8-bit RGB". */
  datatype: string;
  affine?: Affine;
  axcodes?: [AxisCode, AxisCode, AxisCode];
}

/** Raised for a file that is unreadable or incomplete (the message names the file and what to do). */
export class ProbeError extends Error {}

/** Extra bytes tolerated after the image data inside a .nii.gz (some writers pad). */
const GZIP_SLACK = 1 << 20;

export async function probeNifti(source: FileSource, path: string, size: number): Promise<ImageHeader> {
  let info;
  let first = new Uint8Array(await source.readRange(path, 0, Math.min(size, 4096)));
  const gz = isGzip(first);
  // a highly compressed or oddly chunked stream may need more input before 540 bytes come out
  for (let want = 4096; ; want *= 8) {
    try {
      info = readNiftiHeader(first, path);
      break;
    } catch (err) {
      if (!gz || want >= size) throw new ProbeError((err as Error).message);
      first = new Uint8Array(await source.readRange(path, 0, Math.min(size, want * 8)));
    }
  }
  if (gz) {
    const tail = new Uint8Array(await source.readRange(path, size - 4, size));
    const isize = tail.length === 4 ? gzipTrailerSize(tail) : -1;
    const expected = info.expectedFileBytes % 2 ** 32;
    const ok = isize === expected || (isize > expected && isize - expected < GZIP_SLACK);
    if (!ok) {
      throw new ProbeError(`${path}: the gzip stream is truncated or corrupted (its trailer gives ${isize} uncompressed bytes, the NIfTI header needs ${info.expectedFileBytes}). Copy the file again.`);
    }
  } else if (size < info.expectedFileBytes) {
    throw new ProbeError(`${path}: truncated NIfTI (${size} bytes, the header needs ${info.expectedFileBytes}). Copy the file again.`);
  }
  return {
    shape: info.shape, spacing: info.spacing, datatype: info.datatype, affine: info.affine, axcodes: axisCodes(info.affine),
  };
}

const PNG_COLOR: Record<number, [string, number]> = { 0: ['gray', 1], 2: ['RGB', 3], 3: ['palette', 1], 4: ['gray+alpha', 2], 6: ['RGBA', 4] };
const PNG_END = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

export async function probeImage2D(source: FileSource, path: string, size: number, format: ImageFormat): Promise<ImageHeader> {
  if (format === 'jpeg') {
    // The frame header sits after the APPn segments (EXIF can be tens of KiB): read up to 256 KiB.
    const head = new Uint8Array(await source.readRange(path, 0, Math.min(size, 256 * 1024)));
    const h = jpegHeader(head);
    if (!h) throw new ProbeError(`${path}: not a readable JPEG (no frame header in its first ${head.length} bytes). The file is corrupted.`);
    const tail = new Uint8Array(await source.readRange(path, Math.max(0, size - 2), size));
    if (!jpegComplete(tail)) throw new ProbeError(`${path}: truncated JPEG (no end-of-image marker). Copy the file again.`);
    return { shape: [h.height, h.width, 1], datatype: `jpeg 8-bit ${h.components === 1 ? 'gray' : h.components === 3 ? 'RGB' : `${h.components} components`}${h.progressive ? ' progressive' : ''}` };
  }
  if (format === 'png') {
    const head = new Uint8Array(await source.readRange(path, 0, 33));
    if (head.length < 33 || head[0] !== 0x89 || head[1] !== 0x50 || head[12] !== 0x49 || head[13] !== 0x48) {
      throw new ProbeError(`${path}: not a readable PNG (missing signature or IHDR). The file is corrupted.`);
    }
    const view = new DataView(head.buffer);
    const width = view.getUint32(16), height = view.getUint32(20);
    const depth = head[24], color = PNG_COLOR[head[25]];
    const tail = new Uint8Array(await source.readRange(path, size - 8, size));
    if (!PNG_END.every((b, i) => tail[i] === b)) throw new ProbeError(`${path}: truncated PNG (no IEND chunk at the end). Copy the file again.`);
    return { shape: [height, width, 1], datatype: `png ${depth}-bit ${color?.[0] ?? `color type ${head[25]}`}` };
  }
  // TIFF: parse the directories (no pixel decoding); the whole file is read (microscopy tiles are small).
  const buf = await source.read(path);
  let ifd;
  try {
    ifd = UTIF.decode(buf)[0];
  } catch (err) {
    throw new ProbeError(`${path}: unreadable TIFF (${(err as Error).message}). The file is truncated or corrupted.`);
  }
  if (!ifd) throw new ProbeError(`${path}: the TIFF has no image directory.`);
  const w = (ifd.t256 as number[] | undefined)?.[0], h = (ifd.t257 as number[] | undefined)?.[0];
  if (!w || !h) throw new ProbeError(`${path}: the TIFF has no width/height tags.`);
  const bps = (ifd.t258 as number[] | undefined)?.[0] ?? 1, spp = (ifd.t277 as number[] | undefined)?.[0] ?? 1;
  return { shape: [h, w, 1], datatype: `tiff ${bps}-bit ${['', 'gray', 'gray+alpha', 'RGB', 'RGBA'][spp] ?? `${spp} samples`}` };
}

/** Full decode check for 2D images (used by verify: 'full'). */
export async function verifyImage2D(source: FileSource, path: string): Promise<void> {
  try {
    decodeRaster(new Uint8Array(await source.read(path)), path);
  } catch (err) {
    throw new ProbeError((err as Error).message);
  }
}
