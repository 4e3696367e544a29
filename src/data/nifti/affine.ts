/**
 * Voxel-to-world affines of a NIfTI header (nifti1.h methods 1-3) and the inverse: the qform
 * quaternion of an affine (nifti1_io.c nifti_mat44_to_quatern).
 */
import type { Affine } from '../volume';
import type { NiftiHeader } from './header';

/** qform affine (method 2), as nibabel's Nifti1Header.get_qform. */
export function qformAffine(h: NiftiHeader): Affine {
  const b = h.quaternB, c = h.quaternC, d = h.quaternD;
  // a is derived; float32 rounding can make 1 - (b²+c²+d²) slightly negative: clamp like nibabel.
  const a2 = 1 - (b * b + c * c + d * d);
  const a = a2 < 0 ? 0 : Math.sqrt(a2);
  const R = [
    [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
    [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
    [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
  ];
  const qfac = h.pixdim[0] < 0 ? -1 : 1;
  const z = [Math.abs(h.pixdim[1]) || 1, Math.abs(h.pixdim[2]) || 1, (Math.abs(h.pixdim[3]) || 1) * qfac];
  return [
    R[0][0] * z[0], R[0][1] * z[1], R[0][2] * z[2], h.qoffsetX,
    R[1][0] * z[0], R[1][1] * z[1], R[1][2] * z[2], h.qoffsetY,
    R[2][0] * z[0], R[2][1] * z[1], R[2][2] * z[2], h.qoffsetZ,
    0, 0, 0, 1,
  ];
}

export function sformAffine(h: NiftiHeader): Affine {
  return [...h.srowX, ...h.srowY, ...h.srowZ, 0, 0, 0, 1] as Affine;
}

/**
 * The affine readers should use: sform when sform_code > 0, else qform when qform_code > 0, else
 * nifti1.h method 1 (diag(pixdim), no offset). nibabel's last fallback is an Analyze-style centred
 * affine with a flipped x; method 1 is what the NIfTI standard specifies.
 */
export function bestAffine(h: NiftiHeader): { affine: Affine; source: 'sform' | 'qform' | 'pixdim' } {
  if (h.sformCode > 0) return { affine: sformAffine(h), source: 'sform' };
  if (h.qformCode > 0) return { affine: qformAffine(h), source: 'qform' };
  const z = [Math.abs(h.pixdim[1]) || 1, Math.abs(h.pixdim[2]) || 1, Math.abs(h.pixdim[3]) || 1];
  return { affine: [z[0], 0, 0, 0, 0, z[1], 0, 0, 0, 0, z[2], 0, 0, 0, 0, 1], source: 'pixdim' };
}

/** Column norms of the 3x3 part: the voxel sizes an affine implies. */
export function affineZooms(m: Affine): [number, number, number] {
  const z: number[] = [];
  for (let j = 0; j < 3; j++) z.push(Math.hypot(m[j], m[4 + j], m[8 + j]));
  return z as [number, number, number];
}

function det3(r: number[][]): number {
  return r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
    - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
    + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
}

/**
 * The qform parameters closest to an affine: zooms from column norms, the rotation orthogonalised by
 * polar decomposition (nifti_mat44_to_quatern), qfac = -1 for a left-handed (det < 0) grid.
 */
export function affineToQuatern(m: Affine): {
  quatern: [number, number, number]; offset: [number, number, number]; zooms: [number, number, number]; qfac: 1 | -1;
} {
  const zooms = affineZooms(m).map((z) => z || 1) as [number, number, number];
  let R = [0, 1, 2].map((i) => [0, 1, 2].map((j) => m[4 * i + j] / zooms[j]));
  let qfac: 1 | -1 = 1;
  if (det3(R) < 0) {
    qfac = -1;
    for (let i = 0; i < 3; i++) R[i][2] = -R[i][2];
  }
  R = polarOrthogonalise(R);
  // Quaternion from a proper rotation matrix (nifti1_io.c branch structure).
  const [r11, r12, r13] = R[0];
  const [r21, r22, r23] = R[1];
  const [r31, r32, r33] = R[2];
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = 0.25 * (r32 - r23) / a;
    c = 0.25 * (r13 - r31) / a;
    d = 0.25 * (r21 - r12) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd); c = 0.25 * (r12 + r21) / b; d = 0.25 * (r13 + r31) / b; a = 0.25 * (r32 - r23) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd); b = 0.25 * (r12 + r21) / c; d = 0.25 * (r23 + r32) / c; a = 0.25 * (r13 - r31) / c;
    } else {
      d = 0.5 * Math.sqrt(zd); b = 0.25 * (r13 + r31) / d; c = 0.25 * (r23 + r32) / d; a = 0.25 * (r21 - r12) / d;
    }
    if (a < 0) { b = -b; c = -c; d = -d; }
  }
  return { quatern: [b, c, d], offset: [m[3], m[7], m[11]], zooms, qfac };
}

/** Nearest orthogonal matrix: iterate R <- (R + R^-T) / 2 (Higham), a few steps suffice. */
function polarOrthogonalise(R: number[][]): number[][] {
  let X = R.map((r) => r.slice());
  for (let it = 0; it < 30; it++) {
    const inv = invert3(X);
    if (!inv) break;
    const Y = X.map((r, i) => r.map((v, j) => 0.5 * (v + inv[j][i])));
    let diff = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) diff += Math.abs(Y[i][j] - X[i][j]);
    X = Y;
    if (diff < 1e-12) break;
  }
  return X;
}

function invert3(m: number[][]): number[][] | null {
  const d = det3(m);
  if (Math.abs(d) < 1e-300) return null;
  const [a, b, c] = m[0], [e, f, g] = m[1], [h, i, j] = m[2];
  return [
    [(f * j - g * i) / d, (c * i - b * j) / d, (b * g - c * f) / d],
    [(g * h - e * j) / d, (a * j - c * h) / d, (c * e - a * g) / d],
    [(e * i - f * h) / d, (b * h - a * i) / d, (a * f - b * e) / d],
  ];
}

/** 4x4 row-major product a * b. */
export function multiplyAffine(a: readonly number[], b: readonly number[]): Affine {
  const out = new Array<number>(16).fill(0);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += a[4 * i + k] * b[4 * k + j];
    out[4 * i + j] = s;
  }
  return out as Affine;
}
