/**
 * Writing a Volume as .nii.gz (or .nii). With a reference header (the source image's), the output keeps
 * its pixdim, qform and sform exactly, so predictions and uncertainty maps overlay the source.
 */
import type { Affine, Volume } from '../volume';
import { affineToQuatern, bestAffine } from './affine';
import { datatypeCode, datatypeInfo, encodeVoxels, type NiftiDatatypeName } from './datatypes';
import { gzipBytes } from './gzip';
import { serializeNiftiHeader, type NiftiHeader } from './header';

export interface WriteNiftiOptions {
  /** Stored datatype (default float32). Integer types are rounded and clamped. */
  datatype?: NiftiDatatypeName;
  /** Header whose geometry and codes to keep (default: volume.header, if any). */
  reference?: NiftiHeader;
  /** gzip the output (default true: .nii.gz). */
  gzip?: boolean;
  /** descrip field (80 bytes max). */
  description?: string;
}

const ALMOST = 1e-6;

function sameAffine(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < 12; i++) {
    if (Math.abs(a[i] - b[i]) > ALMOST * Math.max(1, Math.abs(a[i]), Math.abs(b[i]))) return false;
  }
  return true;
}

function freshHeader(): NiftiHeader {
  return {
    version: 1, littleEndian: true, dim: [0, 1, 1, 1, 1, 1, 1, 1], pixdim: [1, 1, 1, 1, 1, 1, 1, 1],
    datatype: 16, bitpix: 32, voxOffset: 352, sclSlope: 1, sclInter: 0, calMin: 0, calMax: 0,
    intentP1: 0, intentP2: 0, intentP3: 0, intentCode: 0, intentName: '', sliceStart: 0, sliceEnd: 0,
    sliceCode: 0, sliceDuration: 0, toffset: 0, dimInfo: 0, xyztUnits: 10, descrip: '', auxFile: '',
    qformCode: 0, sformCode: 0, quaternB: 0, quaternC: 0, quaternD: 0, qoffsetX: 0, qoffsetY: 0, qoffsetZ: 0,
    srowX: [1, 0, 0, 0], srowY: [0, 1, 0, 0], srowZ: [0, 0, 1, 0],
  };
}

/** Sets sform and qform (code 2 "aligned" unless the header already had a code) from an affine. */
function setGeometry(h: NiftiHeader, affine: Affine): void {
  h.srowX = [affine[0], affine[1], affine[2], affine[3]];
  h.srowY = [affine[4], affine[5], affine[6], affine[7]];
  h.srowZ = [affine[8], affine[9], affine[10], affine[11]];
  h.sformCode = h.sformCode > 0 ? h.sformCode : 2;
  const q = affineToQuatern(affine);
  [h.quaternB, h.quaternC, h.quaternD] = q.quatern;
  [h.qoffsetX, h.qoffsetY, h.qoffsetZ] = q.offset;
  h.pixdim = [q.qfac, q.zooms[0], q.zooms[1], q.zooms[2], ...h.pixdim.slice(4)];
  h.qformCode = h.qformCode > 0 ? h.qformCode : 2;
}

/** The header that writeNifti would write for this volume (exposed for tests and header-only tools). */
export function headerForVolume(volume: Volume, options: WriteNiftiOptions = {}): NiftiHeader {
  const name = options.datatype ?? 'float32';
  const code = datatypeCode(name);
  const info = datatypeInfo(code);
  const ref = options.reference ?? volume.header;
  const h: NiftiHeader = ref ? { ...structuredClone(ref), littleEndian: true } : freshHeader();
  const [nx, ny, nz] = volume.shape;
  const nc = volume.shape.length > 3 ? volume.shape.slice(3).reduce((a, b) => a * b, 1) : 1;
  if (info.channels > 1 && nc !== info.channels) {
    throw new Error(`writeNifti: datatype ${name} needs ${info.channels} channels, the volume has ${nc} (shape ${volume.shape.join('x')}).`);
  }
  const ncStored = nc / info.channels;
  const nd = ncStored > 1 ? 4 : 3;
  h.dim = [nd, nx, ny, nz, ncStored, 1, 1, 1];
  if (ref) {
    const refSpatial = [ref.dim[1], ref.dim[0] >= 2 ? ref.dim[2] : 1, ref.dim[0] >= 3 ? ref.dim[3] : 1];
    if (refSpatial[0] !== nx || refSpatial[1] !== ny || refSpatial[2] !== nz) {
      throw new Error(`writeNifti: the volume's grid ${nx}x${ny}x${nz} differs from the reference header's ${refSpatial.join('x')}; resample the volume back to the reference grid (undo transforms) first.`);
    }
  }
  if (Math.max(nx, ny, nz, ncStored) > 32767) h.version = 2;
  h.datatype = code;
  h.bitpix = info.bytes * 8;
  h.sclSlope = 1;
  h.sclInter = 0;
  h.calMin = 0;
  h.calMax = 0;
  h.intentCode = 0;
  h.intentName = '';
  h.intentP1 = h.intentP2 = h.intentP3 = 0;
  if (options.description !== undefined) h.descrip = options.description;
  // Identical geometry: keep the reference's quatern/srow/pixdim bit for bit. Otherwise derive them
  // from the volume's affine (pixdim[1..3] = the affine's column norms).
  if (!ref || !sameAffine(bestAffine(ref).affine, volume.affine)) setGeometry(h, volume.affine);
  return h;
}

/** Encodes a volume as NIfTI bytes (.nii.gz by default). */
export function writeNifti(volume: Volume, options: WriteNiftiOptions = {}): Uint8Array {
  const h = headerForVolume(volume, options);
  const nVox = h.dim[1] * h.dim[2] * h.dim[3] * (h.dim[0] >= 4 ? h.dim[4] : 1);
  const expected = volume.shape.reduce((a, b) => a * b, 1);
  if (volume.data.length !== expected) {
    throw new Error(`writeNifti: data has ${volume.data.length} values, shape ${volume.shape.join('x')} needs ${expected}.`);
  }
  const head = serializeNiftiHeader(h);
  const body = encodeVoxels(volume.data, h.datatype, nVox, true);
  const raw = new Uint8Array(head.byteLength + body.byteLength);
  raw.set(head, 0);
  raw.set(body, head.byteLength);
  return options.gzip === false ? raw : gzipBytes(raw);
}
