/**
 * 2D images (microscopy) as volumes, the way ivadomed converts them
 * (SegmentationPair.convert_file_to_nifti + get_microscopy_pixelsize):
 * - gray as is; gray+alpha -> channel 0; RGB -> 0.299 R + 0.587 G + 0.114 B; RGBA -> same, alpha dropped;
 * - then imageio's image_as_uint(bitdepth=8): uint8 unchanged, uint16 >> 8, float (the RGB sums)
 *   stretched to 0..255 (x * 255 + 0.499999999 when already in [0, 1]), truncated to integers;
 * - labels: / 255 then threshold 0.5 -> {0, 1};
 * - array (H, W) -> NIfTI (H, W, 1): voxel axis i = image row, j = image column;
 * - pixdim = [PixelSizeY, PixelSizeX, PixelSizeZ] in mm from the sidecar's PixelSize/PixelSizeUnits.
 */
import type { Affine, Volume } from '../volume';
import { decodeRaster, type Raster } from './raster';

/** ivadomed's 8-bit grayscale of a raster, row-major (row * width + col). */
export function ivadomedGray(r: Raster): Uint8Array {
  const n = r.width * r.height;
  const out = new Uint8Array(n);
  const src = r.data;
  if (r.channels <= 2) {
    const ch = r.channels;
    if (r.bitDepth === 8) for (let p = 0; p < n; p++) out[p] = src[p * ch];
    else for (let p = 0; p < n; p++) out[p] = src[p * ch] >> 8;
    return out;
  }
  // RGB(A): float64 luminance, then image_as_uint's float branch.
  const ch = r.channels;
  const lum = new Float64Array(n);
  let min = Infinity, max = -Infinity;
  for (let p = 0; p < n; p++) {
    const v = src[p * ch] * 0.299 + src[p * ch + 1] * 0.587 + src[p * ch + 2] * 0.114;
    lum[p] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= 0 && max <= 1) {
    for (let p = 0; p < n; p++) out[p] = Math.floor(lum[p] * 255 + 0.499999999);
  } else if (max === min) {
    for (let p = 0; p < n; p++) out[p] = Math.trunc(lum[p]) & 0xff;
  } else {
    const scale = 255 / (max - min);
    for (let p = 0; p < n; p++) out[p] = Math.floor((lum[p] - min) * scale + 0.499999999);
  }
  return out;
}

const UNIT_TO_MM: Record<string, number> = { mm: 1, um: 0.001, nm: 0.000001 };

/**
 * Pixel size in mm as (PixelSizeY, PixelSizeX, PixelSizeZ) — (height, width, depth) — from a BIDS
 * microscopy sidecar. PixelSizeZ missing or 0 -> PixelSizeX (ivadomed's np.resize rule).
 */
export function microscopyPixelSizeMm(sidecar: Record<string, unknown> | undefined, name = 'image'): [number, number, number] {
  const units = sidecar?.PixelSizeUnits;
  if (units === undefined) throw new Error(`${name}: 'PixelSizeUnits' is missing from the JSON sidecar; add "PixelSizeUnits": "um" (or "mm", "nm").`);
  const factor = UNIT_TO_MM[String(units)];
  if (factor === undefined) throw new Error(`${name}: PixelSizeUnits '${String(units)}' is not supported; use 'mm', 'um' or 'nm'.`);
  const ps = sidecar?.PixelSize;
  if (ps === undefined) throw new Error(`${name}: 'PixelSize' is missing from the JSON sidecar; add e.g. "PixelSize": [0.1, 0.1].`);
  if (!Array.isArray(ps) || (ps.length !== 2 && ps.length !== 3) || !ps.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`${name}: 'PixelSize' must be [PixelSizeX, PixelSizeY] or [PixelSizeX, PixelSizeY, PixelSizeZ] (numbers), got ${JSON.stringify(ps)}.`);
  }
  const [x, y] = ps as number[];
  const z = ps.length === 3 && ps[2] !== 0 ? (ps[2] as number) : x;
  return [y * factor, x * factor, z * factor];
}

export interface ReadImage2DOptions {
  /** File name for messages. */
  name?: string;
  /** The image's JSON sidecar (after BIDS inheritance): PixelSize, PixelSizeUnits. */
  sidecar?: Record<string, unknown>;
  /** Ground truth: binarise with / 255 >= 0.5. */
  isLabel?: boolean;
  /** Spacing to use when the sidecar has none (e.g. plain PNGs outside BIDS); otherwise missing PixelSize is an error, as in ivadomed. */
  defaultPixelSizeMm?: [number, number, number];
}

export interface Image2DVolume extends Volume {
  raster: { width: number; height: number; channels: number; bitDepth: number; format: 'png' | 'tiff' | 'jpeg' };
}

/**
 * Reads a PNG/TIFF/JPEG as a (H, W, 1) volume: voxel (i, j, 0) is the pixel at row i, column j.
 * The affine is diag(spacing) (ivadomed keeps an identity affine with pixdim = spacing; here the
 * affine agrees with the spacing, the orientation — RAS — is the same).
 */
export function readImage2D(bytes: Uint8Array | ArrayBuffer, options: ReadImage2DOptions = {}): Image2DVolume {
  const name = options.name ?? 'image';
  const raster = decodeRaster(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), name);
  const spacing = options.sidecar?.PixelSize === undefined && options.sidecar?.PixelSizeUnits === undefined && options.defaultPixelSizeMm
    ? options.defaultPixelSizeMm
    : microscopyPixelSizeMm(options.sidecar, name);
  const gray = ivadomedGray(raster);
  const H = raster.height, W = raster.width;
  const data = new Float32Array(H * W);
  for (let row = 0; row < H; row++) {
    for (let col = 0; col < W; col++) {
      const v = gray[row * W + col];
      data[row + H * col] = options.isLabel ? (v / 255 >= 0.5 ? 1 : 0) : v;
    }
  }
  const affine: Affine = [spacing[0], 0, 0, 0, 0, spacing[1], 0, 0, 0, 0, spacing[2], 0, 0, 0, 0, 1];
  return {
    data, shape: [H, W, 1], spacing, affine,
    raster: { width: W, height: H, channels: raster.channels, bitDepth: raster.bitDepth, format: raster.format },
  };
}
