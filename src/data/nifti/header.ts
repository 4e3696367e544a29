/**
 * NIfTI-1 and NIfTI-2 header codec: one field table per version, used both to parse and to serialise,
 * so a header read and written back is byte-for-byte the same for every field we model.
 *
 * Why not nifti-reader-js for parsing: it prefers the qform whenever qform_code > sform_code (nibabel
 * and ivadomed use the sform whenever sform_code > 0), it does not expose srow_* in that case, and a
 * writer needs the field layout anyway. nifti-reader-js is still used by the tests as an independent
 * reader of what we write.
 */

export type NiftiVersion = 1 | 2;

export interface NiftiHeader {
  version: NiftiVersion;
  littleEndian: boolean;
  /** dim[0..7]: dim[0] is the number of dimensions in use. */
  dim: number[];
  /** pixdim[0..7]: pixdim[0] is qfac (-1 or 1), pixdim[1..3] voxel sizes. */
  pixdim: number[];
  datatype: number;
  bitpix: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  calMin: number;
  calMax: number;
  intentP1: number;
  intentP2: number;
  intentP3: number;
  intentCode: number;
  intentName: string;
  sliceStart: number;
  sliceEnd: number;
  sliceCode: number;
  sliceDuration: number;
  toffset: number;
  dimInfo: number;
  xyztUnits: number;
  descrip: string;
  auxFile: string;
  qformCode: number;
  sformCode: number;
  quaternB: number;
  quaternC: number;
  quaternD: number;
  qoffsetX: number;
  qoffsetY: number;
  qoffsetZ: number;
  srowX: [number, number, number, number];
  srowY: [number, number, number, number];
  srowZ: [number, number, number, number];
}

export const NIFTI1_HEADER_SIZE = 348;
export const NIFTI2_HEADER_SIZE = 540;
/** Bytes needed to parse either version (the NIfTI-2 header is the larger one). */
export const NIFTI_MAX_HEADER_SIZE = NIFTI2_HEADER_SIZE;

type Kind = 'i8' | 'u8' | 'i16' | 'i32' | 'i64' | 'f32' | 'f64';
interface Field {
  key: keyof NiftiHeader;
  offset: number;
  kind: Kind | 'str';
  /** Array length (numbers) or byte length (strings). */
  count?: number;
  /** For the srow rows, which row (stored in separate keys). */
}

// NIfTI-1: nifti1.h, 348 bytes.
const NIFTI1_FIELDS: Field[] = [
  { key: 'dimInfo', offset: 39, kind: 'u8' },
  { key: 'dim', offset: 40, kind: 'i16', count: 8 },
  { key: 'intentP1', offset: 56, kind: 'f32' },
  { key: 'intentP2', offset: 60, kind: 'f32' },
  { key: 'intentP3', offset: 64, kind: 'f32' },
  { key: 'intentCode', offset: 68, kind: 'i16' },
  { key: 'datatype', offset: 70, kind: 'i16' },
  { key: 'bitpix', offset: 72, kind: 'i16' },
  { key: 'sliceStart', offset: 74, kind: 'i16' },
  { key: 'pixdim', offset: 76, kind: 'f32', count: 8 },
  { key: 'voxOffset', offset: 108, kind: 'f32' },
  { key: 'sclSlope', offset: 112, kind: 'f32' },
  { key: 'sclInter', offset: 116, kind: 'f32' },
  { key: 'sliceEnd', offset: 120, kind: 'i16' },
  { key: 'sliceCode', offset: 122, kind: 'u8' },
  { key: 'xyztUnits', offset: 123, kind: 'u8' },
  { key: 'calMax', offset: 124, kind: 'f32' },
  { key: 'calMin', offset: 128, kind: 'f32' },
  { key: 'sliceDuration', offset: 132, kind: 'f32' },
  { key: 'toffset', offset: 136, kind: 'f32' },
  { key: 'descrip', offset: 148, kind: 'str', count: 80 },
  { key: 'auxFile', offset: 228, kind: 'str', count: 24 },
  { key: 'qformCode', offset: 252, kind: 'i16' },
  { key: 'sformCode', offset: 254, kind: 'i16' },
  { key: 'quaternB', offset: 256, kind: 'f32' },
  { key: 'quaternC', offset: 260, kind: 'f32' },
  { key: 'quaternD', offset: 264, kind: 'f32' },
  { key: 'qoffsetX', offset: 268, kind: 'f32' },
  { key: 'qoffsetY', offset: 272, kind: 'f32' },
  { key: 'qoffsetZ', offset: 276, kind: 'f32' },
  { key: 'srowX', offset: 280, kind: 'f32', count: 4 },
  { key: 'srowY', offset: 296, kind: 'f32', count: 4 },
  { key: 'srowZ', offset: 312, kind: 'f32', count: 4 },
  { key: 'intentName', offset: 328, kind: 'str', count: 16 },
];

// NIfTI-2: nifti2.h, 540 bytes.
const NIFTI2_FIELDS: Field[] = [
  { key: 'datatype', offset: 12, kind: 'i16' },
  { key: 'bitpix', offset: 14, kind: 'i16' },
  { key: 'dim', offset: 16, kind: 'i64', count: 8 },
  { key: 'intentP1', offset: 80, kind: 'f64' },
  { key: 'intentP2', offset: 88, kind: 'f64' },
  { key: 'intentP3', offset: 96, kind: 'f64' },
  { key: 'pixdim', offset: 104, kind: 'f64', count: 8 },
  { key: 'voxOffset', offset: 168, kind: 'i64' },
  { key: 'sclSlope', offset: 176, kind: 'f64' },
  { key: 'sclInter', offset: 184, kind: 'f64' },
  { key: 'calMax', offset: 192, kind: 'f64' },
  { key: 'calMin', offset: 200, kind: 'f64' },
  { key: 'sliceDuration', offset: 208, kind: 'f64' },
  { key: 'toffset', offset: 216, kind: 'f64' },
  { key: 'sliceStart', offset: 224, kind: 'i64' },
  { key: 'sliceEnd', offset: 232, kind: 'i64' },
  { key: 'descrip', offset: 240, kind: 'str', count: 80 },
  { key: 'auxFile', offset: 320, kind: 'str', count: 24 },
  { key: 'qformCode', offset: 344, kind: 'i32' },
  { key: 'sformCode', offset: 348, kind: 'i32' },
  { key: 'quaternB', offset: 352, kind: 'f64' },
  { key: 'quaternC', offset: 360, kind: 'f64' },
  { key: 'quaternD', offset: 368, kind: 'f64' },
  { key: 'qoffsetX', offset: 376, kind: 'f64' },
  { key: 'qoffsetY', offset: 384, kind: 'f64' },
  { key: 'qoffsetZ', offset: 392, kind: 'f64' },
  { key: 'srowX', offset: 400, kind: 'f64', count: 4 },
  { key: 'srowY', offset: 432, kind: 'f64', count: 4 },
  { key: 'srowZ', offset: 464, kind: 'f64', count: 4 },
  { key: 'sliceCode', offset: 496, kind: 'i32' },
  { key: 'xyztUnits', offset: 500, kind: 'i32' },
  { key: 'intentCode', offset: 504, kind: 'i32' },
  { key: 'intentName', offset: 508, kind: 'str', count: 16 },
  { key: 'dimInfo', offset: 524, kind: 'u8' },
];

const KIND_SIZE: Record<Kind, number> = { i8: 1, u8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 };

function getNumber(view: DataView, offset: number, kind: Kind, le: boolean): number {
  switch (kind) {
    case 'i8': return view.getInt8(offset);
    case 'u8': return view.getUint8(offset);
    case 'i16': return view.getInt16(offset, le);
    case 'i32': return view.getInt32(offset, le);
    case 'i64': return Number(view.getBigInt64(offset, le));
    case 'f32': return view.getFloat32(offset, le);
    case 'f64': return view.getFloat64(offset, le);
  }
}

function setNumber(view: DataView, offset: number, kind: Kind, le: boolean, value: number): void {
  switch (kind) {
    case 'i8': view.setInt8(offset, value); break;
    case 'u8': view.setUint8(offset, value); break;
    case 'i16': view.setInt16(offset, value, le); break;
    case 'i32': view.setInt32(offset, value, le); break;
    case 'i64': view.setBigInt64(offset, BigInt(Math.trunc(value)), le); break;
    case 'f32': view.setFloat32(offset, value, le); break;
    case 'f64': view.setFloat64(offset, value, le); break;
  }
}

function getString(bytes: Uint8Array, offset: number, length: number): string {
  let end = offset;
  while (end < offset + length && bytes[end] !== 0) end++;
  return new TextDecoder('latin1').decode(bytes.subarray(offset, end));
}

function setString(bytes: Uint8Array, offset: number, length: number, value: string): void {
  // latin1, truncated to leave room for the terminating NUL the spec asks for.
  for (let i = 0; i < length - 1 && i < value.length; i++) bytes[offset + i] = value.charCodeAt(i) & 0xff;
}

/** Which version and byte order a buffer holds, from sizeof_hdr; null when it is not NIfTI. */
export function detectNifti(bytes: Uint8Array): { version: NiftiVersion; littleEndian: boolean } | null {
  if (bytes.byteLength < 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const le of [true, false]) {
    const size = view.getInt32(0, le);
    if (size === NIFTI1_HEADER_SIZE) return { version: 1, littleEndian: le };
    if (size === NIFTI2_HEADER_SIZE) return { version: 2, littleEndian: le };
  }
  return null;
}

/**
 * Parses a NIfTI-1 or NIfTI-2 header from the first bytes of an uncompressed file.
 * @param name the file name, used in error messages.
 */
export function parseNiftiHeader(bytes: Uint8Array, name = 'image'): NiftiHeader {
  const kind = detectNifti(bytes);
  if (!kind) {
    throw new Error(`${name}: not a NIfTI file (sizeof_hdr is neither 348 nor 540 in either byte order). Is it a NIfTI (.nii / .nii.gz) image?`);
  }
  const size = kind.version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  if (bytes.byteLength < size) {
    throw new Error(`${name}: truncated NIfTI-${kind.version} header (${bytes.byteLength} of ${size} bytes). The file is incomplete; copy it again.`);
  }
  const magic = kind.version === 1 ? getString(bytes, 344, 4) : getString(bytes, 4, 4);
  const expected = kind.version === 1 ? ['n+1', 'ni1'] : ['n+2', 'ni2'];
  if (!expected.includes(magic)) {
    throw new Error(`${name}: bad NIfTI-${kind.version} magic "${magic}" (expected "${expected[0]}"). Analyze 7.5 and corrupted headers are not supported.`);
  }
  if (magic === 'ni1' || magic === 'ni2') {
    throw new Error(`${name}: a .hdr/.img pair (magic "${magic}") is not supported; convert it to a single .nii(.gz) file.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: Record<string, unknown> = { version: kind.version, littleEndian: kind.littleEndian };
  for (const f of kind.version === 1 ? NIFTI1_FIELDS : NIFTI2_FIELDS) {
    if (f.kind === 'str') header[f.key] = getString(bytes, f.offset, f.count!);
    else if (f.count) {
      const values: number[] = [];
      for (let i = 0; i < f.count; i++) values.push(getNumber(view, f.offset + i * KIND_SIZE[f.kind], f.kind, kind.littleEndian));
      header[f.key] = values;
    } else header[f.key] = getNumber(view, f.offset, f.kind, kind.littleEndian);
  }
  const h = header as unknown as NiftiHeader;
  if (h.dim[0] < 1 || h.dim[0] > 7) {
    throw new Error(`${name}: dim[0] = ${h.dim[0]} is outside 1..7; the header is corrupted.`);
  }
  for (let i = 1; i <= h.dim[0]; i++) {
    if (!(h.dim[i] >= 1)) throw new Error(`${name}: dim[${i}] = ${h.dim[i]} must be >= 1; the header is corrupted.`);
  }
  return h;
}

/**
 * Serialises a header (with the 4-byte extension flag, all zero: extensions are not written) in the
 * header's own version and byte order. vox_offset is forced to the end of header + flag.
 */
export function serializeNiftiHeader(h: NiftiHeader): Uint8Array {
  const size = h.version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  const bytes = new Uint8Array(size + 4);
  const view = new DataView(bytes.buffer);
  const le = h.littleEndian;
  view.setInt32(0, size, le);
  if (h.version === 1) {
    view.setUint8(38, 'r'.charCodeAt(0)); // "regular", as nibabel writes
    setString(bytes, 344, 4, 'n+1');
  } else {
    bytes.set([0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a], 4); // "n+2\0\r\n\032\n"
  }
  const fields = h.version === 1 ? NIFTI1_FIELDS : NIFTI2_FIELDS;
  const withOffset = { ...h, voxOffset: size + 4 };
  for (const f of fields) {
    const value = withOffset[f.key];
    if (f.kind === 'str') setString(bytes, f.offset, f.count!, value as string);
    else if (f.count) {
      const values = value as number[];
      for (let i = 0; i < f.count; i++) setNumber(view, f.offset + i * KIND_SIZE[f.kind], f.kind, le, values[i] ?? 0);
    } else setNumber(view, f.offset, f.kind, le, value as number);
  }
  return bytes;
}

/** Number of voxels stored (product of dim[1..dim[0]]). */
export function headerVoxelCount(h: NiftiHeader): number {
  let n = 1;
  for (let i = 1; i <= h.dim[0]; i++) n *= h.dim[i];
  return n;
}
