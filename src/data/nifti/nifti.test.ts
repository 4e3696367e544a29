import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as niftiJs from 'nifti-reader-js';
import { gzipSync } from 'fflate';
import { firstDifference, hasIvadomedTestData, testDataPath } from '../testdata';
import { readNifti, readNiftiAsync, readNiftiHeader } from './read';
import { writeNifti } from './write';
import { serializeNiftiHeader, parseNiftiHeader, type NiftiHeader } from './header';
import { encodeVoxels, NIFTI_TYPE } from './datatypes';
import { qformAffine, affineToQuatern } from './affine';
import type { Affine, Volume } from '../volume';

function stats(data: Float32Array) {
  let min = Infinity, max = -Infinity, nonzero = 0, sum = 0;
  for (const x of data) { if (x < min) min = x; if (x > max) max = x; if (x !== 0) nonzero++; sum += x; }
  return { min, max, nonzero, sum };
}

function baseHeader(over: Partial<NiftiHeader> = {}): NiftiHeader {
  return {
    version: 1, littleEndian: true, dim: [3, 3, 2, 2, 1, 1, 1, 1], pixdim: [1, 2, 3, 4, 1, 1, 1, 1],
    datatype: NIFTI_TYPE.FLOAT32, bitpix: 32, voxOffset: 352, sclSlope: 1, sclInter: 0, calMin: 0, calMax: 0,
    intentP1: 0, intentP2: 0, intentP3: 0, intentCode: 0, intentName: '', sliceStart: 0, sliceEnd: 0,
    sliceCode: 0, sliceDuration: 0, toffset: 0, dimInfo: 0, xyztUnits: 10, descrip: 'test', auxFile: '',
    qformCode: 0, sformCode: 0, quaternB: 0, quaternC: 0, quaternD: 0, qoffsetX: 0, qoffsetY: 0, qoffsetZ: 0,
    srowX: [1, 0, 0, 0], srowY: [0, 1, 0, 0], srowZ: [0, 0, 1, 0],
    ...over,
  };
}

/** A complete file from a header and float values stored in the header's datatype and byte order. */
function fileFrom(h: NiftiHeader, values: number[]): Uint8Array {
  const head = serializeNiftiHeader(h);
  const n = values.length / (h.datatype === NIFTI_TYPE.RGB24 ? 3 : 1);
  const body = encodeVoxels(Float32Array.from(values), h.datatype, n, h.littleEndian);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const BITS: Record<number, number> = { 2: 8, 256: 8, 4: 16, 512: 16, 8: 32, 768: 32, 16: 32, 64: 64, 128: 24 };

describe('NIfTI datatypes, byte orders and versions', () => {
  const values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const signed = [-5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100];
  const cases: [string, number, number[]][] = [
    ['uint8', NIFTI_TYPE.UINT8, values], ['int8', NIFTI_TYPE.INT8, signed], ['int16', NIFTI_TYPE.INT16, [-300, ...signed.slice(1)]],
    ['uint16', NIFTI_TYPE.UINT16, [60000, ...values.slice(1)]], ['int32', NIFTI_TYPE.INT32, [-70000, ...values.slice(1)]],
    ['uint32', NIFTI_TYPE.UINT32, [3e9, ...values.slice(1)]], ['float32', NIFTI_TYPE.FLOAT32, [0.5, -1.25, ...values.slice(2)]],
    ['float64', NIFTI_TYPE.FLOAT64, [0.125, -1e10, ...values.slice(2)]],
  ];
  for (const version of [1, 2] as const) {
    for (const littleEndian of [true, false]) {
      for (const [name, code, vals] of cases) {
        it(`reads ${name}, NIfTI-${version}, ${littleEndian ? 'little' : 'big'} endian`, () => {
          const h = baseHeader({ version, littleEndian, datatype: code, bitpix: BITS[code] });
          const v = readNifti(fileFrom(h, vals), 'x.nii');
          expect(v.shape).toEqual([3, 2, 2]);
          expect(v.spacing).toEqual([2, 3, 4]);
          expect(v.datatype).toBe(name);
          expect(Array.from(v.data)).toEqual(vals.map((x) => Math.fround(x)));
          expect(v.header.version).toBe(version);
          expect(v.header.littleEndian).toBe(littleEndian);
        });
      }
    }
  }

  it('applies scl_slope/scl_inter, and ignores them when slope is 0', () => {
    const vals = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const scaled = readNifti(fileFrom(baseHeader({ datatype: NIFTI_TYPE.INT16, bitpix: 16, sclSlope: 2, sclInter: -3 }), vals));
    expect(Array.from(scaled.data)).toEqual(vals.map((x) => 2 * x - 3));
    const none = readNifti(fileFrom(baseHeader({ datatype: NIFTI_TYPE.INT16, bitpix: 16, sclSlope: 0, sclInter: 7 }), vals));
    expect(Array.from(none.data)).toEqual(vals);
    const bigEndianScaled = readNifti(fileFrom(baseHeader({ littleEndian: false, datatype: NIFTI_TYPE.UINT8, bitpix: 8, sclSlope: 0.5, sclInter: 1 }), vals));
    expect(Array.from(bigEndianScaled.data)).toEqual(vals.map((x) => 0.5 * x + 1));
  });

  it('reads RGB24 as 3 planar channels', () => {
    // voxel v stores (R,G,B) = (v, 10+v, 20+v): interleaved in the file.
    const interleaved: number[] = [];
    for (let v = 0; v < 12; v++) interleaved.push(v, 10 + v, 20 + v);
    const h = baseHeader({ datatype: NIFTI_TYPE.RGB24, bitpix: 24 });
    const head = serializeNiftiHeader(h);
    const file = new Uint8Array(head.length + interleaved.length);
    file.set(head); file.set(interleaved, head.length);
    const v = readNifti(file);
    expect(v.shape).toEqual([3, 2, 2, 3]);
    expect(Array.from(v.data.subarray(0, 12))).toEqual([...Array(12).keys()]);
    expect(Array.from(v.data.subarray(12, 24))).toEqual([...Array(12).keys()].map((x) => x + 10));
    expect(Array.from(v.data.subarray(24, 36))).toEqual([...Array(12).keys()].map((x) => x + 20));
  });

  it('reads 2D images as (nx, ny, 1) and folds dims 4..7 into channels', () => {
    const twoD = readNifti(fileFrom(baseHeader({ dim: [2, 3, 4, 1, 1, 1, 1, 1], pixdim: [1, 2, 3, 0, 1, 1, 1, 1] }), new Array(12).fill(2)));
    expect(twoD.shape).toEqual([3, 4, 1]);
    expect(twoD.spacing).toEqual([2, 3, 1]); // pixdim[3] = 0 -> 1
    // a NIfTI "vector" image: dim 5 holds 3 components, dim 4 (time) is 1
    const vec = readNifti(fileFrom(baseHeader({ dim: [5, 2, 1, 1, 1, 3, 1, 1] }), [1, 2, 3, 4, 5, 6]));
    expect(vec.shape).toEqual([2, 1, 1, 3]);
    expect(Array.from(vec.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('falls back to fflate when DecompressionStream is missing', async () => {
    const bytes = gzipSync(fileFrom(baseHeader(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
    const saved = globalThis.DecompressionStream;
    try {
      // @ts-expect-error: simulate an older browser
      delete globalThis.DecompressionStream;
      expect(typeof globalThis.DecompressionStream).toBe('undefined');
      const v = await readNiftiAsync(bytes, 'old-browser.nii.gz', { syncBelowBytes: 0 });
      expect(Array.from(v.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      await expect(readNiftiAsync(bytes.subarray(0, bytes.length - 8), 'cut.nii.gz', { syncBelowBytes: 0 })).rejects.toThrow(/cut\.nii\.gz: gzip data is truncated or corrupted/);
    } finally {
      globalThis.DecompressionStream = saved;
    }
    // DecompressionStream path, and the small-file synchronous path
    await expect(readNiftiAsync(bytes.subarray(0, bytes.length - 8), 'cut.nii.gz', { syncBelowBytes: 0 })).rejects.toThrow(/cut\.nii\.gz: gzip data is truncated or corrupted/);
    await expect(readNiftiAsync(bytes.subarray(0, bytes.length - 8), 'cut.nii.gz')).rejects.toThrow(/cut\.nii\.gz: gzip data is truncated or corrupted/);
    expect(Array.from((await readNiftiAsync(bytes, 'x', { syncBelowBytes: 0 })).data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('reports unsupported datatypes, bad magic and truncation with the file name', () => {
    const complex = fileFrom(baseHeader({ datatype: NIFTI_TYPE.FLOAT32 }), new Array(12).fill(0));
    new DataView(complex.buffer).setInt16(70, 32, true);
    expect(() => readNifti(complex, 'c.nii')).toThrow(/c\.nii: NIfTI datatype complex64 is not supported/);
    const good = fileFrom(baseHeader(), new Array(12).fill(1));
    expect(() => readNifti(good.subarray(0, good.length - 5), 't.nii')).toThrow(/t\.nii: truncated image data \(43 of 48 bytes/);
    const gz = gzipSync(good);
    expect(() => readNifti(gz.subarray(0, gz.length - 10), 't.nii.gz')).toThrow(/t\.nii\.gz: gzip data is truncated or corrupted/);
    expect(() => readNifti(new TextEncoder().encode('hello world, this is not an image'), 'n.nii')).toThrow(/n\.nii: not a NIfTI file/);
    const badMagic = good.slice();
    badMagic[344] = 0x41;
    expect(() => readNifti(badMagic, 'm.nii')).toThrow(/m\.nii: bad NIfTI-1 magic/);
  });
});

describe('NIfTI affines', () => {
  it('uses the sform when sform_code > 0, else the qform, else pixdim', () => {
    // qform: 90 degrees about z (a = cos45, d = sin45) with qfac = -1 and offsets.
    const s = Math.SQRT1_2;
    const q = { qformCode: 1, quaternB: 0, quaternC: 0, quaternD: s, qoffsetX: 10, qoffsetY: 20, qoffsetZ: 30, pixdim: [-1, 2, 3, 4, 1, 1, 1, 1] };
    // R = [[0,-1,0],[1,0,0],[0,0,1]], columns scaled by (2, 3, -4).
    const expected = [0, -3, 0, 10, 2, 0, 0, 20, 0, 0, -4, 30, 0, 0, 0, 1];
    const vq = readNifti(fileFrom(baseHeader(q), new Array(12).fill(0)));
    vq.affine.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 6));
    const withS = readNifti(fileFrom(baseHeader({ ...q, sformCode: 2, srowX: [5, 0, 0, 1], srowY: [0, 6, 0, 2], srowZ: [0, 0, 7, 3] }), new Array(12).fill(0)));
    expect(withS.affine).toEqual([5, 0, 0, 1, 0, 6, 0, 2, 0, 0, 7, 3, 0, 0, 0, 1]);
    const none = readNifti(fileFrom(baseHeader(), new Array(12).fill(0)));
    expect(none.affine).toEqual([2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0, 0, 0, 0, 1]);
  });

  it('affineToQuatern inverts qformAffine for oblique, left-handed grids', () => {
    const th = 0.3, ph = -0.7;
    // rotation about x by th then about z by ph, zooms (0.5, 0.7, 3), one flipped axis.
    const Rx = [[1, 0, 0], [0, Math.cos(th), -Math.sin(th)], [0, Math.sin(th), Math.cos(th)]];
    const Rz = [[Math.cos(ph), -Math.sin(ph), 0], [Math.sin(ph), Math.cos(ph), 0], [0, 0, 1]];
    const R = Rz.map((r) => [0, 1, 2].map((j) => r[0] * Rx[0][j] + r[1] * Rx[1][j] + r[2] * Rx[2][j]));
    const z = [0.5, 0.7, -3];
    const A = [0, 1, 2].flatMap((i) => [R[i][0] * z[0], R[i][1] * z[1], R[i][2] * z[2], [4, -5, 6][i]]).concat([0, 0, 0, 1]) as Affine;
    const q = affineToQuatern(A);
    expect(q.qfac).toBe(-1);
    const h = baseHeader({ qformCode: 1, quaternB: q.quatern[0], quaternC: q.quatern[1], quaternD: q.quatern[2], qoffsetX: 4, qoffsetY: -5, qoffsetZ: 6, pixdim: [q.qfac, ...q.zooms, 1, 1, 1, 1] });
    qformAffine(h).forEach((x, i) => expect(x).toBeCloseTo(A[i], 10));
  });
});

describe('NIfTI write and read back', () => {
  function oblique(): Volume {
    const shape = [5, 4, 3];
    const data = new Float32Array(60).map((_, i) => Math.sin(i) * 100 + 0.25);
    // orthogonal but oblique (rotated by a about x, axes permuted and flipped)
    const a = 0.3, c = Math.cos(a), s = Math.sin(a);
    const affine: Affine = [0, 0, -2.5, 40, -0.8 * c, 0.9 * s, 0, 12, 0.8 * s, 0.9 * c, 0, -7, 0, 0, 0, 1];
    return { data, shape, spacing: [0.8, 0.9, 2.5], affine };
  }

  it('round-trips a volume without a reference header (float32, .nii.gz and .nii)', () => {
    const v = oblique();
    for (const gzip of [true, false]) {
      const bytes = writeNifti(v, { gzip });
      expect(bytes[0] === 0x1f).toBe(gzip);
      const r = readNifti(bytes, 'out');
      expect(Array.from(r.data)).toEqual(Array.from(v.data));
      expect(r.shape).toEqual(v.shape);
      r.affine.forEach((x, i) => expect(x).toBeCloseTo(v.affine[i], 5));
      expect(r.header.sformCode).toBe(2);
      expect(r.header.qformCode).toBe(2);
      // the qform is consistent with the sform for this (orthogonal) affine
      qformAffine(r.header).forEach((x, i) => expect(x).toBeCloseTo(v.affine[i], 4));
      // the written volume read back and written again is byte-identical
      const again = writeNifti(r, { gzip });
      expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('writes uint8 and int16 (rounded, clamped) and 4D channels', () => {
    const v = oblique();
    const u8 = readNifti(writeNifti(v, { datatype: 'uint8' }));
    expect(u8.datatype).toBe('uint8');
    expect(Array.from(u8.data)).toEqual(Array.from(v.data).map((x) => Math.min(255, Math.max(0, Math.round(x)))));
    const i16 = readNifti(writeNifti(v, { datatype: 'int16' }));
    expect(Array.from(i16.data)).toEqual(Array.from(v.data).map((x) => Math.round(x)));
    const four: Volume = { ...v, shape: [5, 4, 3, 2], data: new Float32Array(120).map((_, i) => i) };
    const r4 = readNifti(writeNifti(four));
    expect(r4.shape).toEqual([5, 4, 3, 2]);
    expect(r4.header.dim.slice(0, 5)).toEqual([4, 5, 4, 3, 2]);
    expect(Array.from(r4.data)).toEqual(Array.from(four.data));
  });

  it('keeps NIfTI-2 and big-endian sources exact, and switches to NIfTI-2 for dims > 32767', () => {
    const s = Math.SQRT1_2;
    for (const over of [{ version: 2 as const }, { littleEndian: false }]) {
      const h = baseHeader({ ...over, qformCode: 1, quaternD: s, qoffsetX: 3, pixdim: [-1, 2, 3, 4, 1, 1, 1, 1], sformCode: 0 });
      const src = readNifti(fileFrom(h, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
      const back = readNifti(writeNifti(src, { gzip: false }));
      expect(back.header.version).toBe(src.header.version);
      expect(back.affine).toEqual(src.affine);
      expect([back.header.qformCode, back.header.sformCode, back.header.quaternD, back.header.pixdim[0]]).toEqual([1, 0, src.header.quaternD, -1]);
      expect(Array.from(back.data)).toEqual(Array.from(src.data));
    }
    const long: Volume = { data: new Float32Array(40000).map((_, i) => i % 7), shape: [40000, 1, 1], spacing: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] };
    const r = readNifti(writeNifti(long, { datatype: 'uint8' }));
    expect(r.header.version).toBe(2);
    expect(r.shape).toEqual([40000, 1, 1]);
    expect(firstDifference(r.data, long.data)).toBe(-1);
  });

  it('rejects a volume whose grid differs from the reference header', () => {
    const v = oblique();
    const ref = readNifti(writeNifti(v)).header;
    expect(() => writeNifti({ ...v, shape: [4, 4, 3], data: new Float32Array(48) }, { reference: ref }))
      .toThrow(/grid 4x4x3 differs from the reference header's 5x4x3/);
  });

  it.skipIf(!hasIvadomedTestData)('keeps the source header geometry and codes exactly (sub-unf01 T2w, CT)', () => {
    for (const f of ['sub-unf01/anat/sub-unf01_T2w.nii.gz', 'ct_scan/sub-spleen2/ct/sub-spleen2_ct.nii.gz']) {
      const src = readNifti(readFileSync(testDataPath(f)), f);
      const pred: Volume = { ...src, data: src.data.map((x) => (x > 500 ? 1 : 0)) };
      for (const datatype of ['float32', 'uint8', 'int16'] as const) {
        const back = readNifti(writeNifti(pred, { datatype, gzip: false }), 'pred.nii');
        expect(back.affine).toEqual(src.affine);
        expect(back.header.pixdim.slice(0, 4)).toEqual(src.header.pixdim.slice(0, 4));
        expect(back.header.qformCode).toBe(src.header.qformCode);
        expect(back.header.sformCode).toBe(src.header.sformCode);
        expect([back.header.srowX, back.header.srowY, back.header.srowZ]).toEqual([src.header.srowX, src.header.srowY, src.header.srowZ]);
        expect([back.header.quaternB, back.header.quaternC, back.header.quaternD]).toEqual([src.header.quaternB, src.header.quaternC, src.header.quaternD]);
        expect(back.shape).toEqual(src.shape);
        expect(firstDifference(back.data, pred.data)).toBe(-1);
      }
      // float data round-trips exactly
      const same = readNifti(writeNifti(src, { gzip: false }));
      expect(firstDifference(same.data, src.data)).toBe(-1);
    }
  });

  it('is read identically by an independent reader (nifti-reader-js)', () => {
    const v = oblique();
    const bytes = writeNifti(v, { gzip: false });
    const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(niftiJs.isNIFTI1(buf)).toBe(true);
    const h = niftiJs.readHeader(buf);
    expect(h.dims.slice(0, 4)).toEqual([3, 5, 4, 3]);
    expect(h.datatypeCode).toBe(16);
    // nifti-reader-js uses the sform when sform_code >= qform_code
    h.affine.flat().forEach((x, i) => expect(x).toBeCloseTo(v.affine[i], 5));
    const img = new Float32Array(niftiJs.readImage(h, buf));
    expect(Array.from(img)).toEqual(Array.from(v.data));
  });

  it('nibabel reads our output (when python3 has nibabel)', (ctx) => {
    let hasNibabel = false;
    try { execFileSync('python3', ['-c', 'import nibabel'], { stdio: 'ignore' }); hasNibabel = true; } catch { /* absent */ }
    if (!hasNibabel) {
      console.warn('[nifti test] python3 nibabel not installed: independent nibabel check skipped (nifti-reader-js check ran).');
      ctx.skip();
      return;
    }
    const v = oblique();
    const dir = mkdtempSync(path.join(tmpdir(), 'nib-'));
    const file = path.join(dir, 'out.nii.gz');
    writeFileSync(file, writeNifti(v));
    const out = execFileSync('python3', ['-c', `import nibabel as nib, json, numpy as np
img = nib.load(${JSON.stringify(file)})
d = np.asarray(img.dataobj, dtype=np.float64)
print(json.dumps({"shape": list(d.shape), "affine": img.affine.tolist(), "data": d.flatten(order="F").tolist()}))`]).toString();
    const r = JSON.parse(out) as { shape: number[]; affine: number[][]; data: number[] };
    expect(r.shape).toEqual(v.shape);
    r.affine.flat().forEach((x, i) => expect(x).toBeCloseTo(v.affine[i], 5));
    expect(r.data).toEqual(Array.from(v.data));
  });
});

describe.skipIf(!hasIvadomedTestData)('ivadomed-data-testing volumes', () => {
  const cases: { file: string; shape: number[]; spacing: number[]; datatype: string; min: number; max: number; nonzero?: number }[] = [
    { file: 'sub-unf01/anat/sub-unf01_T1w.nii.gz', shape: [131, 141, 16], spacing: [1, 1, 1], datatype: 'float32', min: -15.86, max: 1178.54 },
    { file: 'sub-unf01/anat/sub-unf01_T2w.nii.gz', shape: [131, 141, 16], spacing: [1, 1, 1], datatype: 'float32', min: -143.89, max: 3021.86 },
    { file: 'sub-unf01/anat/sub-unf01_T2star.nii.gz', shape: [131, 141, 16], spacing: [1, 1, 1], datatype: 'float32', min: -13.78, max: 1033.5 },
    { file: 'derivatives/labels/sub-unf01/anat/sub-unf01_T2w_seg-manual.nii.gz', shape: [131, 141, 16], spacing: [1, 1, 1], datatype: 'float32', min: 0, max: 1, nonzero: 1227 },
    { file: 'derivatives/labels/sub-unf01/anat/sub-unf01_T1w_lesion-manual.nii.gz', shape: [131, 141, 16], spacing: [1, 1, 1], datatype: 'float32', min: 0, max: 1, nonzero: 81 },
    { file: 'derivatives/labels/sub-unf01/anat/sub-unf01_T2w_labels-disc-manual.nii.gz', shape: [131, 141, 16], spacing: [1, 1, 1], datatype: 'float32', min: 0, max: 3, nonzero: 1 },
    { file: 'sub-unf02/anat/sub-unf02_T1w.nii.gz', shape: [19, 26, 32], spacing: [10.1053, 10, 10], datatype: 'float64', min: 0, max: 1525.95 },
    { file: 'sub-unf02/anat/sub-unf02_T2w.nii.gz', shape: [6, 32, 32], spacing: [8.5333, 8, 8], datatype: 'float64', min: 0, max: 4095 },
    { file: 'sub-unf02/anat/sub-unf02_T2star.nii.gz', shape: [45, 45, 2], spacing: [4.9778, 4.9778, 37.5], datatype: 'int16', min: 0, max: 1131 },
    { file: 'ct_scan/sub-spleen2/ct/sub-spleen2_ct.nii.gz', shape: [164, 166, 26], spacing: [0.7949, 0.7949, 5], datatype: 'float32', min: -1019, max: 949 },
    { file: 'ct_scan/derivatives/labels/sub-spleen2/ct/sub-spleen2_ct_seg-manual.nii.gz', shape: [164, 166, 26], spacing: [0.7949, 0.7949, 5], datatype: 'uint8', min: 0, max: 1, nonzero: 96672 },
    { file: 'rgb_test_file.nii.gz', shape: [10, 10, 4, 3], spacing: [1, 1.0028, 1.0028], datatype: 'rgb24', min: 0, max: 227 },
  ];
  for (const c of cases) {
    it(`reads ${c.file}`, async () => {
      const bytes = readFileSync(testDataPath(c.file));
      const v = readNifti(bytes, c.file);
      expect(v.shape).toEqual(c.shape);
      expect(v.datatype).toBe(c.datatype);
      v.spacing.forEach((s, i) => expect(s).toBeCloseTo(c.spacing[i], 3));
      const s = stats(v.data);
      expect(s.min).toBeCloseTo(c.min, 1);
      expect(s.max).toBeCloseTo(c.max, 1);
      if (c.nonzero !== undefined) expect(s.nonzero).toBe(c.nonzero);
      expect(v.header.sformCode).toBe(2);
      // async path gives the same voxels
      const a = await readNiftiAsync(bytes, c.file);
      expect(firstDifference(a.data, v.data)).toBe(-1);
      // the header alone, from the first 4 kB of the compressed file
      const info = readNiftiHeader(bytes.subarray(0, 4096), c.file);
      expect(info.shape).toEqual(c.shape);
      expect(info.affine).toEqual(v.affine);
      // nifti-reader-js agrees on dims, datatype and the raw image bytes
      const raw = niftiJs.decompress(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer) as ArrayBuffer;
      const h = niftiJs.readHeader(raw);
      expect(h.dims.slice(1, 1 + h.dims[0])).toEqual(v.header.dim.slice(1, 1 + v.header.dim[0]));
      expect(h.datatypeCode).toBe(v.header.datatype);
      const theirs = new Uint8Array(niftiJs.readImage(h, raw));
      const ours = new Uint8Array(raw, v.header.voxOffset, theirs.length);
      expect(Buffer.from(theirs).equals(Buffer.from(ours))).toBe(true);
    });
  }

  it('sub-unf01 has the ~9 degree tilt about x in its sform', () => {
    const v = readNifti(readFileSync(testDataPath('sub-unf01/anat/sub-unf01_T1w.nii.gz')));
    const angle = Math.atan2(v.affine[9], v.affine[10]) * 180 / Math.PI; // column k: (0, 0.1616, 0.9869)
    expect(Math.abs(angle)).toBeGreaterThan(8);
    expect(Math.abs(angle)).toBeLessThan(10);
  });

  it('parses a header with parseNiftiHeader directly and rejects short buffers', () => {
    expect(() => parseNiftiHeader(serializeNiftiHeader(baseHeader()).subarray(0, 200), 'short.nii')).toThrow(/short\.nii: truncated NIfTI-1 header \(200 of 348 bytes\)/);
  });
});
