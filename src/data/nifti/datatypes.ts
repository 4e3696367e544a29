/**
 * NIfTI datatype codes and the conversion of stored voxels to float32 (after scl_slope/scl_inter)
 * and back.
 */
import type { NiftiHeader } from './header';

export const NIFTI_TYPE = {
  UINT8: 2,
  INT16: 4,
  INT32: 8,
  FLOAT32: 16,
  FLOAT64: 64,
  RGB24: 128,
  INT8: 256,
  UINT16: 512,
  UINT32: 768,
  RGBA32: 2304,
} as const;

export type NiftiDatatypeName = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'rgb24' | 'rgba32';

interface TypeInfo { name: NiftiDatatypeName; bytes: number; channels: number }

const TYPES: Record<number, TypeInfo> = {
  [NIFTI_TYPE.UINT8]: { name: 'uint8', bytes: 1, channels: 1 },
  [NIFTI_TYPE.INT8]: { name: 'int8', bytes: 1, channels: 1 },
  [NIFTI_TYPE.INT16]: { name: 'int16', bytes: 2, channels: 1 },
  [NIFTI_TYPE.UINT16]: { name: 'uint16', bytes: 2, channels: 1 },
  [NIFTI_TYPE.INT32]: { name: 'int32', bytes: 4, channels: 1 },
  [NIFTI_TYPE.UINT32]: { name: 'uint32', bytes: 4, channels: 1 },
  [NIFTI_TYPE.FLOAT32]: { name: 'float32', bytes: 4, channels: 1 },
  [NIFTI_TYPE.FLOAT64]: { name: 'float64', bytes: 8, channels: 1 },
  [NIFTI_TYPE.RGB24]: { name: 'rgb24', bytes: 3, channels: 3 },
  [NIFTI_TYPE.RGBA32]: { name: 'rgba32', bytes: 4, channels: 4 },
};

const NAME_TO_CODE: Record<NiftiDatatypeName, number> = {
  uint8: NIFTI_TYPE.UINT8, int8: NIFTI_TYPE.INT8, int16: NIFTI_TYPE.INT16, uint16: NIFTI_TYPE.UINT16,
  int32: NIFTI_TYPE.INT32, uint32: NIFTI_TYPE.UINT32, float32: NIFTI_TYPE.FLOAT32, float64: NIFTI_TYPE.FLOAT64,
  rgb24: NIFTI_TYPE.RGB24, rgba32: NIFTI_TYPE.RGBA32,
};

const UNSUPPORTED: Record<number, string> = {
  1: 'binary (1 bit)', 32: 'complex64', 1024: 'int64', 1280: 'uint64', 1536: 'float128', 1792: 'complex128', 2048: 'complex256',
};

export function datatypeInfo(code: number, name = 'image'): TypeInfo {
  const info = TYPES[code];
  if (!info) {
    const what = UNSUPPORTED[code] ?? `unknown code ${code}`;
    throw new Error(`${name}: NIfTI datatype ${what} is not supported (supported: uint8, int8, int16, uint16, int32, uint32, float32, float64, RGB24, RGBA32). Convert the image, e.g. to float32.`);
  }
  return info;
}

export function datatypeCode(name: NiftiDatatypeName): number {
  return NAME_TO_CODE[name];
}

export function datatypeName(code: number): NiftiDatatypeName | undefined {
  return TYPES[code]?.name;
}

/** The scaling nibabel applies: slope 0 or non-finite means "no scaling" (inter is then ignored too). */
export function scaling(h: NiftiHeader): { slope: number; inter: number } | null {
  const slope = h.sclSlope;
  if (!Number.isFinite(slope) || slope === 0) return null;
  const inter = Number.isFinite(h.sclInter) ? h.sclInter : 0;
  if (slope === 1 && inter === 0) return null;
  return { slope, inter };
}

/**
 * Converts stored voxels to float32, planar channel layout: voxel v of channel c at v + nVox * c.
 * RGB24/RGBA32 are interleaved in the file and de-interleaved here; scaling does not apply to them
 * (nifti1.h: scl_* are ignored for RGB).
 */
export function decodeVoxels(h: NiftiHeader, bytes: Uint8Array, nVox: number, name = 'image'): Float32Array {
  const info = datatypeInfo(h.datatype, name);
  const needed = nVox * info.bytes;
  if (bytes.byteLength < needed) {
    throw new Error(`${name}: truncated image data (${bytes.byteLength} of ${needed} bytes after the header). The file is incomplete or corrupted; copy it again.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, needed);
  const le = h.littleEndian;
  const out = new Float32Array(nVox * info.channels);
  if (info.channels > 1) {
    for (let v = 0; v < nVox; v++) {
      for (let c = 0; c < info.channels; c++) out[v + nVox * c] = bytes[v * info.channels + c];
    }
    return out;
  }
  // Fast path: a typed array view when the byte order is native and the offset aligned.
  const nativeLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const aligned = bytes.byteOffset % info.bytes === 0 && le === nativeLE;
  const s = scaling(h);
  const a = s?.slope ?? 1;
  const b = s?.inter ?? 0;
  let read: (i: number) => number;
  if (aligned) {
    const buf = bytes.buffer;
    const off = bytes.byteOffset;
    let arr: ArrayLike<number>;
    switch (info.name) {
      case 'uint8': arr = new Uint8Array(buf, off, nVox); break;
      case 'int8': arr = new Int8Array(buf, off, nVox); break;
      case 'int16': arr = new Int16Array(buf, off, nVox); break;
      case 'uint16': arr = new Uint16Array(buf, off, nVox); break;
      case 'int32': arr = new Int32Array(buf, off, nVox); break;
      case 'uint32': arr = new Uint32Array(buf, off, nVox); break;
      case 'float32': arr = new Float32Array(buf, off, nVox); break;
      default: arr = new Float64Array(buf, off, nVox); break;
    }
    if (!s && arr instanceof Float32Array) { out.set(arr); return out; }
    if (!s) { for (let i = 0; i < nVox; i++) out[i] = arr[i]; return out; }
    for (let i = 0; i < nVox; i++) out[i] = arr[i] * a + b;
    return out;
  }
  switch (info.name) {
    case 'uint8': read = (i) => view.getUint8(i); break;
    case 'int8': read = (i) => view.getInt8(i); break;
    case 'int16': read = (i) => view.getInt16(i * 2, le); break;
    case 'uint16': read = (i) => view.getUint16(i * 2, le); break;
    case 'int32': read = (i) => view.getInt32(i * 4, le); break;
    case 'uint32': read = (i) => view.getUint32(i * 4, le); break;
    case 'float32': read = (i) => view.getFloat32(i * 4, le); break;
    default: read = (i) => view.getFloat64(i * 8, le); break;
  }
  for (let i = 0; i < nVox; i++) out[i] = read(i) * a + b;
  return out;
}

/**
 * Converts float32 planar voxels to the stored datatype (little endian, or the header's byte order).
 * Integer types are rounded to nearest and clamped to their range; the caller chooses the type.
 */
export function encodeVoxels(data: Float32Array, datatype: number, nVox: number, littleEndian = true): Uint8Array {
  const info = datatypeInfo(datatype);
  const bytes = new Uint8Array(nVox * info.bytes);
  const view = new DataView(bytes.buffer);
  const le = littleEndian;
  if (info.channels > 1) {
    for (let v = 0; v < nVox; v++) {
      for (let c = 0; c < info.channels; c++) bytes[v * info.channels + c] = clampRound(data[v + nVox * c], 0, 255);
    }
    return bytes;
  }
  for (let i = 0; i < nVox; i++) {
    const x = data[i];
    switch (info.name) {
      case 'uint8': view.setUint8(i, clampRound(x, 0, 255)); break;
      case 'int8': view.setInt8(i, clampRound(x, -128, 127)); break;
      case 'int16': view.setInt16(i * 2, clampRound(x, -32768, 32767), le); break;
      case 'uint16': view.setUint16(i * 2, clampRound(x, 0, 65535), le); break;
      case 'int32': view.setInt32(i * 4, clampRound(x, -2147483648, 2147483647), le); break;
      case 'uint32': view.setUint32(i * 4, clampRound(x, 0, 4294967295), le); break;
      case 'float32': view.setFloat32(i * 4, x, le); break;
      default: view.setFloat64(i * 8, x, le); break;
    }
  }
  return bytes;
}

function clampRound(x: number, lo: number, hi: number): number {
  if (Number.isNaN(x)) return 0;
  const r = Math.round(x);
  return r < lo ? lo : r > hi ? hi : r;
}
