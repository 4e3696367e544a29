/**
 * Reading .nii / .nii.gz into a Volume (float32 voxels after scaling, affine, spacing, kept header).
 * readNifti is synchronous (Node, workers); readNiftiAsync decompresses without blocking a page.
 */
import type { Affine, Volume } from '../volume';
import { bestAffine } from './affine';
import { datatypeInfo, decodeVoxels, type NiftiDatatypeName } from './datatypes';
import { gunzipBytes, gunzipBytesAsync, gunzipPrefix, isGzip } from './gzip';
import { NIFTI_MAX_HEADER_SIZE, headerVoxelCount, parseNiftiHeader, type NiftiHeader } from './header';

export interface NiftiInfo {
  header: NiftiHeader;
  /** Volume shape: [nx, ny, nz] or [nx, ny, nz, nc] (nc = product of dims 4..7, times 3 for RGB24). */
  shape: number[];
  spacing: [number, number, number];
  affine: Affine;
  affineSource: 'sform' | 'qform' | 'pixdim';
  datatype: NiftiDatatypeName;
  /** Bytes of the uncompressed file: vox_offset + voxels. */
  expectedFileBytes: number;
}

export interface NiftiVolume extends Volume {
  header: NiftiHeader;
  datatype: NiftiDatatypeName;
}

export type BytesLike = ArrayBuffer | Uint8Array;

function asBytes(b: BytesLike): Uint8Array {
  return b instanceof Uint8Array ? b : new Uint8Array(b);
}

/** Shape, spacing, affine and datatype a header describes. */
export function niftiInfo(header: NiftiHeader, name = 'image'): NiftiInfo {
  const info = datatypeInfo(header.datatype, name);
  const d = header.dim;
  const spatial = [1, 2, 3].map((i) => (i <= d[0] ? d[i] : 1));
  let extra = 1;
  for (let i = 4; i <= d[0]; i++) extra *= d[i];
  const nc = extra * info.channels;
  const shape = nc > 1 ? [...spatial, nc] : spatial;
  const spacing = [1, 2, 3].map((i) => {
    const p = Math.abs(header.pixdim[i]);
    return i <= d[0] && Number.isFinite(p) && p > 0 ? p : 1;
  }) as [number, number, number];
  const { affine, source } = bestAffine(header);
  return {
    header, shape, spacing, affine, affineSource: source, datatype: info.name,
    expectedFileBytes: Math.max(header.voxOffset, header.version === 1 ? 352 : 544) + headerVoxelCount(header) * info.bytes,
  };
}

/**
 * Parses the header from the first bytes of a .nii or .nii.gz (a few kB suffice for .nii.gz; only
 * as much as needed is inflated). Throws a message naming the file when the bytes are not NIfTI.
 */
export function readNiftiHeader(prefix: BytesLike, name = 'image'): NiftiInfo {
  let bytes = asBytes(prefix);
  if (isGzip(bytes)) bytes = gunzipPrefix(bytes, NIFTI_MAX_HEADER_SIZE);
  return niftiInfo(parseNiftiHeader(bytes, name), name);
}

function decode(raw: Uint8Array, name: string): NiftiVolume {
  const header = parseNiftiHeader(raw, name);
  const info = niftiInfo(header, name);
  const offset = Math.max(0, Math.floor(header.voxOffset));
  if (offset > raw.byteLength) {
    throw new Error(`${name}: vox_offset ${offset} is beyond the end of the file (${raw.byteLength} bytes). The file is truncated.`);
  }
  const data = decodeVoxels(header, raw.subarray(offset), headerVoxelCount(header), name);
  return { data, shape: info.shape, spacing: info.spacing, affine: info.affine, header, datatype: info.datatype };
}

/** Reads a whole .nii or .nii.gz (gzip detected from the magic bytes, not the name). */
export function readNifti(file: BytesLike, name = 'image'): NiftiVolume {
  let bytes = asBytes(file);
  if (isGzip(bytes)) bytes = gunzipBytes(bytes, name);
  return decode(bytes, name);
}

export interface ReadNiftiAsyncOptions {
  /**
   * Compressed files smaller than this are inflated synchronously (a few ms at most): stream setup
   * costs more than it saves on small files. Default 256 kB; 0 forces the asynchronous path.
   */
  syncBelowBytes?: number;
}

/** As readNifti, decompressing asynchronously (DecompressionStream, else fflate's async gunzip). */
export async function readNiftiAsync(file: BytesLike, name = 'image', options: ReadNiftiAsyncOptions = {}): Promise<NiftiVolume> {
  let bytes = asBytes(file);
  if (isGzip(bytes)) {
    bytes = bytes.byteLength < (options.syncBelowBytes ?? 256 * 1024) ? gunzipBytes(bytes, name) : await gunzipBytesAsync(bytes, name);
  }
  return decode(bytes, name);
}
