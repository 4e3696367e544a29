/**
 * Synthetic BIDS dataset: the app's "Sample dataset" and the tests' default data. Seeded and
 * deterministic (same options -> byte-identical files). Each subject has a curved cord-like tube along
 * z inside a CSF sleeve, a few small lesions inside the tube, and one volume per contrast with its
 * own tissue contrast, a smooth bias field and Gaussian noise; institutions differ by scanner
 * (Manufacturer, sequence parameters), intensity scale and storage orientation (RAS or LPS), so the
 * splits, FiLM metadata and reorientation have something real to work on.
 */
import type { Affine, Volume } from '../volume';
import { writeNifti } from '../nifti/write';
import type { FileSource } from '../sources/source';
import { createMemorySource, type MemorySource } from '../sources/memory';
import { createRandom, type Random } from './random';

export interface Institution {
  id: string;
  manufacturer: string;
  model: string;
  fieldStrength: number;
  /** Multiplies every intensity (scanner gain). */
  gain: number;
  /** Voxel storage orientation: 'RAS' or 'LPS' (x and y flipped). */
  orientation: 'RAS' | 'LPS';
}

export interface SyntheticOptions {
  seed?: number;
  /** Number of subjects (default 6). */
  subjects?: number;
  /** Contrasts, among T1w, T2w, T2star (default T1w and T2w). */
  contrasts?: ('T1w' | 'T2w' | 'T2star')[];
  /** Voxel grid (default 32 x 32 x 16). */
  shape?: [number, number, number];
  /** Voxel size in mm (default 0.8 x 0.8 x 2: anisotropic, like many spinal cord acquisitions). */
  spacing?: [number, number, number];
  /** Institutions, assigned round-robin (default: two sites, Siemens RAS and Philips LPS). */
  institutions?: Institution[];
  /** Lesions per subject: [min, max] (default [1, 3]). */
  lesions?: [number, number];
  /** Noise standard deviation as a fraction of the tissue intensity (default 0.04). */
  noise?: number;
  /** Peak-to-peak amplitude of the multiplicative bias field (default 0.3). */
  bias?: number;
}

export const DEFAULT_INSTITUTIONS: Institution[] = [
  { id: 'siteA', manufacturer: 'Siemens', model: 'Prisma_fit', fieldStrength: 3, gain: 1, orientation: 'RAS' },
  { id: 'siteB', manufacturer: 'Philips', model: 'Achieva', fieldStrength: 3, gain: 1.35, orientation: 'LPS' },
  { id: 'siteC', manufacturer: 'GE', model: 'Discovery MR750', fieldStrength: 1.5, gain: 0.8, orientation: 'RAS' },
];

/** Tissue intensities per contrast: [background tissue, CSF, cord, lesion]. */
const TISSUE: Record<string, [number, number, number, number]> = {
  T1w: [500, 180, 800, 520],
  T2w: [400, 1300, 320, 900],
  T2star: [450, 900, 600, 800],
};

/** Sequence parameters per contrast and manufacturer (FlipAngle deg, EchoTime s, RepetitionTime s). */
function sequence(contrast: string, inst: Institution): { FlipAngle: number; EchoTime: number; RepetitionTime: number } {
  const table: Record<string, Record<string, [number, number, number]>> = {
    T1w: { Siemens: [9, 0.00372, 2], Philips: [8, 0.0046, 2.3], GE: [12, 0.0032, 1.9] },
    T2w: { Siemens: [120, 0.12, 1.5], Philips: [90, 0.1, 3], GE: [110, 0.102, 2.5] },
    T2star: { Siemens: [30, 0.014, 0.6], Philips: [25, 0.0163, 0.7], GE: [20, 0.015, 0.65] },
  };
  const [FlipAngle, EchoTime, RepetitionTime] = table[contrast]?.[inst.manufacturer] ?? table[contrast].Siemens;
  return { FlipAngle, EchoTime, RepetitionTime };
}

export interface SyntheticSubject {
  id: string;
  institution: Institution;
  sex: 'M' | 'F';
  age: number;
  /** Volumes per contrast (same grid and affine). */
  images: Record<string, Volume>;
  /** Cord mask (1 inside the tube). */
  cord: Volume;
  /** Lesion mask (1 inside a lesion). */
  lesion: Volume;
  lesionCount: number;
}

function affineFor(shape: [number, number, number], spacing: [number, number, number], orientation: 'RAS' | 'LPS'): Affine {
  // centre the grid on the world origin; LPS stores x and y reversed (as DICOM-derived files often do)
  const [sx, sy, sz] = spacing;
  const ox = -((shape[0] - 1) * sx) / 2, oy = -((shape[1] - 1) * sy) / 2, oz = -((shape[2] - 1) * sz) / 2;
  if (orientation === 'RAS') return [sx, 0, 0, ox, 0, sy, 0, oy, 0, 0, sz, oz, 0, 0, 0, 1];
  return [-sx, 0, 0, -ox, 0, -sy, 0, -oy, 0, 0, sz, oz, 0, 0, 0, 1];
}

/** Generates one subject's volumes (in memory, no files). Subject `index` uses its own random stream. */
export function generateSubject(index: number, options: SyntheticOptions = {}): SyntheticSubject {
  const seed = options.seed ?? 1;
  const shape = options.shape ?? [32, 32, 16];
  const spacing = options.spacing ?? [0.8, 0.8, 2];
  const institutions = options.institutions ?? DEFAULT_INSTITUTIONS.slice(0, 2);
  const contrasts = options.contrasts ?? ['T1w', 'T2w'];
  const [minLes, maxLes] = options.lesions ?? [1, 3];
  const noise = options.noise ?? 0.04;
  const biasAmp = options.bias ?? 0.3;
  if (institutions.length === 0) throw new Error('generateSyntheticDataset: at least one institution is needed.');
  for (const c of contrasts) if (!TISSUE[c]) throw new Error(`generateSyntheticDataset: contrast "${c}" is not one of ${Object.keys(TISSUE).join(', ')}.`);
  const rng = createRandom(seed * 1_000_003 + index * 7919 + 17);
  const inst = institutions[index % institutions.length];
  const [nx, ny, nz] = shape;
  const n = nx * ny * nz;
  const affine = affineFor(shape, spacing, inst.orientation);

  // Tube: in world (RAS, mm) coordinates, so that the anatomy is the same whatever the storage order.
  const world = (i: number, j: number, k: number) => [
    affine[0] * i + affine[1] * j + affine[2] * k + affine[3],
    affine[4] * i + affine[5] * j + affine[6] * k + affine[7],
    affine[8] * i + affine[9] * j + affine[10] * k + affine[11],
  ];
  const fovX = nx * spacing[0], fovY = ny * spacing[1], fovZ = nz * spacing[2];
  const cordR = Math.min(fovX, fovY) * rng.uniform(0.1, 0.14);
  const csfR = cordR * rng.uniform(1.5, 1.8);
  const ampX = fovX * rng.uniform(0.05, 0.12), ampY = fovY * rng.uniform(0.03, 0.08);
  const phase = rng.uniform(0, 2 * Math.PI), freq = rng.uniform(0.6, 1.2);
  const centre = (z: number) => {
    const t = (z / fovZ) * 2 * Math.PI * freq + phase;
    return [ampX * Math.sin(t), ampY * Math.cos(0.7 * t)];
  };
  // Lesions: small spheres centred inside the cord
  const lesionCount = rng.int(minLes, maxLes);
  const lesions = Array.from({ length: lesionCount }, () => {
    const z = rng.uniform(-fovZ / 2 + spacing[2], fovZ / 2 - spacing[2]);
    const [cx, cy] = centre(z);
    const ang = rng.uniform(0, 2 * Math.PI), rr = rng.uniform(0, cordR * 0.5);
    return { x: cx + rr * Math.cos(ang), y: cy + rr * Math.sin(ang), z, r: rng.uniform(0.9, 1.4) * Math.max(spacing[0], spacing[1]) * 1.2 };
  });

  const cord = new Float32Array(n), csf = new Float32Array(n), lesion = new Float32Array(n);
  // bias field: a smooth random quadratic in world coordinates, normalised to +-biasAmp/2
  const b = Array.from({ length: 6 }, () => rng.uniform(-1, 1));
  const bias = new Float32Array(n);
  let p = 0;
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++, p++) {
    const [x, y, z] = world(i, j, k);
    const [cx, cy] = centre(z);
    const d = Math.hypot(x - cx, y - cy);
    if (d <= cordR) cord[p] = 1;
    else if (d <= csfR) csf[p] = 1;
    for (const l of lesions) if (d <= cordR && Math.hypot(x - l.x, y - l.y, z - l.z) <= l.r) lesion[p] = 1;
    const u = (2 * x) / fovX, v = (2 * y) / fovY, w = (2 * z) / fovZ;
    bias[p] = 1 + (biasAmp / 2) * Math.tanh(b[0] * u + b[1] * v + b[2] * w + 0.5 * (b[3] * u * u + b[4] * v * v + b[5] * u * v));
  }

  const images: Record<string, Volume> = {};
  for (const c of contrasts) {
    const [tissue, csfI, cordI, lesI] = TISSUE[c];
    const data = new Float32Array(n);
    for (let q = 0; q < n; q++) {
      const clean = lesion[q] ? lesI : cord[q] ? cordI : csf[q] ? csfI : tissue;
      const v = clean * inst.gain * bias[q] + rng.normal() * noise * tissue * inst.gain;
      data[q] = Math.max(0, Math.round(v));
    }
    images[c] = { data, shape: [nx, ny, nz], spacing: [...spacing], affine: [...affine] as Affine };
  }
  return {
    id: `sub-${String(index + 1).padStart(2, '0')}`,
    institution: inst,
    sex: rng.next() < 0.5 ? 'F' : 'M',
    age: rng.int(20, 75),
    images,
    cord: { data: cord, shape: [nx, ny, nz], spacing: [...spacing], affine: [...affine] as Affine },
    lesion: { data: lesion, shape: [nx, ny, nz], spacing: [...spacing], affine: [...affine] as Affine },
    lesionCount,
  };
}

function json(v: unknown): string {
  return JSON.stringify(v, null, 2) + '\n';
}

/**
 * Writes the dataset through any writable source (Node fs for tests and the CLI; memory in the page).
 * Returns the number of files written.
 */
export async function writeSyntheticDataset(target: FileSource, options: SyntheticOptions = {}, onProgress?: (done: number, total: number) => void): Promise<number> {
  const count = options.subjects ?? 6;
  if (!(count >= 1)) throw new Error(`generateSyntheticDataset: subjects must be >= 1 (got ${count}).`);
  const contrasts = options.contrasts ?? ['T1w', 'T2w'];
  let files = 0;
  const put = async (path: string, data: Uint8Array | string) => { await target.write(path, data); files++; };
  await put('dataset_description.json', json({
    Name: 'ivadomed-web synthetic spinal cord phantom', BIDSVersion: '1.8.0', DatasetType: 'raw', License: 'CC0',
    GeneratedBy: [{ Name: 'ivadomed-web generateSyntheticDataset', Description: `seed ${options.seed ?? 1}` }],
  }));
  await put('README', 'Synthetic phantom: a curved cord-like tube (label _seg-manual) with small lesions (_lesion-manual), several contrasts and institutions. Generated by ivadomed-web; no real subject data.\n');
  await put('participants.json', json({
    participant_id: { Description: 'Subject label' }, sex: { Description: 'Sex', Levels: { M: 'male', F: 'female' } },
    age: { Description: 'Age', Units: 'years' }, institution_id: { Description: 'Acquisition site' },
    manufacturer: { Description: 'Scanner manufacturer' },
  }));
  await put('derivatives/labels/dataset_description.json', json({
    Name: 'Manual labels (synthetic)', BIDSVersion: '1.8.0', DatasetType: 'derivative', GeneratedBy: [{ Name: 'ivadomed-web generateSyntheticDataset' }],
  }));
  const rows = ['participant_id\tsex\tage\tinstitution_id\tmanufacturer'];
  for (let s = 0; s < count; s++) {
    const sub = generateSubject(s, options);
    rows.push(`${sub.id}\t${sub.sex}\t${sub.age}\t${sub.institution.id}\t${sub.institution.manufacturer}`);
    for (const c of contrasts) {
      const base = `${sub.id}/anat/${sub.id}_${c}`;
      await put(`${base}.nii.gz`, writeNifti(sub.images[c], { datatype: 'int16', description: `synthetic ${c}` }));
      await put(`${base}.json`, json({
        Modality: 'MR', Manufacturer: sub.institution.manufacturer, ManufacturersModelName: sub.institution.model,
        MagneticFieldStrength: sub.institution.fieldStrength, InstitutionName: sub.institution.id, ...sequence(c, sub.institution),
      }));
      const lab = `derivatives/labels/${sub.id}/anat/${sub.id}_${c}`;
      await put(`${lab}_seg-manual.nii.gz`, writeNifti(sub.cord, { datatype: 'uint8', description: 'cord' }));
      await put(`${lab}_seg-manual.json`, json({ Author: 'synthetic', Label: 'spinal cord' }));
      await put(`${lab}_lesion-manual.nii.gz`, writeNifti(sub.lesion, { datatype: 'uint8', description: 'lesions' }));
    }
    onProgress?.(s + 1, count);
  }
  await put('participants.tsv', rows.join('\n') + '\n');
  return files;
}

/** The dataset in memory (the browser's "Sample dataset"): a writable MemorySource. */
export async function generateSyntheticDataset(options: SyntheticOptions = {}, onProgress?: (done: number, total: number) => void): Promise<MemorySource> {
  const source = createMemorySource('synthetic-bids');
  await writeSyntheticDataset(source, options, onProgress);
  return source;
}

export type { Random };
