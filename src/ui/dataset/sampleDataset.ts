/**
 * The "Sample dataset": a small synthetic BIDS dataset made in the page (nothing downloaded). Interim
 * generator for the UI, to be replaced by the data layer's synthetic phantom dataset when it lands.
 *
 * Each subject has T1w and T2w volumes of a neck-like phantom: an elliptic body, a spinal canal (CSF)
 * and a cord that drifts along z, with subject-specific position, radius and noise; the cord is the
 * "_seg-manual" label. Contrast follows MRI: on T1w the cord is brighter than CSF, on T2w darker.
 */
import { writeNifti } from '../../data/nifti';
import { createMemorySource, type MemorySource } from '../../data/sources';
import type { Affine } from '../../data/volume';

export interface SampleOptions {
  subjects?: number;
  /** [nx, ny, nz] */
  shape?: [number, number, number];
  seed?: number;
}

/** mulberry32: a small seeded generator, so the sample is the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

const TISSUE = {
  T1w: { body: 420, csf: 90, cord: 260, back: 8, noise: 14, sidecar: { EchoTime: 0.00372, RepetitionTime: 2, FlipAngle: 9 } },
  T2w: { body: 260, csf: 900, cord: 330, back: 10, noise: 20, sidecar: { EchoTime: 0.12, RepetitionTime: 1.5, FlipAngle: 120 } },
} as const;

export function sampleDataset(options: SampleOptions = {}): MemorySource {
  const subjects = options.subjects ?? 4;
  const [nx, ny, nz] = options.shape ?? [48, 48, 12];
  const spacing: [number, number, number] = [1, 1, 2];
  const affine: Affine = [1, 0, 0, -nx / 2, 0, 1, 0, -ny / 2, 0, 0, 2, -nz, 0, 0, 0, 1];
  const rand = rng(options.seed ?? 20240130);
  const files: Record<string, Uint8Array | string> = {
    'dataset_description.json': JSON.stringify({ Name: 'ivadomed-web synthetic sample', BIDSVersion: '1.8.0', DatasetType: 'raw', GeneratedBy: [{ Name: 'ivadomed-web sample generator' }] }, null, 2),
    'derivatives/labels/dataset_description.json': JSON.stringify({ Name: 'Synthetic cord labels', BIDSVersion: '1.8.0', DatasetType: 'derivative', GeneratedBy: [{ Name: 'ivadomed-web sample generator' }] }, null, 2),
    'README': 'Synthetic spinal-cord phantoms generated in the browser by ivadomed-web. Not real data.\n',
  };
  const rows = ['participant_id\tsex\tage'];
  for (let s = 1; s <= subjects; s++) {
    const sub = `sub-${String(s).padStart(2, '0')}`;
    rows.push(`${sub}\t${s % 2 ? 'F' : 'M'}\t${30 + ((s * 7) % 30)}`);
    const cx = nx / 2 + (rand() - 0.5) * 6;
    const cy = ny / 2 + 6 + (rand() - 0.5) * 4;
    const drift = (rand() - 0.5) * 0.5;
    const cordR = 3 + rand() * 1.2;
    const canalR = cordR + 2;
    const label = new Float32Array(nx * ny * nz);
    const region = new Uint8Array(nx * ny * nz); // 0 background, 1 body, 2 CSF, 3 cord
    for (let k = 0; k < nz; k++) {
      const ccx = cx + drift * (k - nz / 2);
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const v = i + nx * (j + ny * k);
          const bx = (i - nx / 2) / (nx * 0.44);
          const by = (j - ny / 2) / (ny * 0.38);
          const r = Math.hypot(i - ccx, j - cy);
          if (r <= cordR) {
            region[v] = 3;
            label[v] = 1;
          } else if (r <= canalR) region[v] = 2;
          else if (bx * bx + by * by <= 1) region[v] = 1;
        }
      }
    }
    for (const contrast of ['T1w', 'T2w'] as const) {
      const t = TISSUE[contrast];
      const data = new Float32Array(nx * ny * nz);
      for (let v = 0; v < data.length; v++) {
        const base = [t.back, t.body, t.csf, t.cord][region[v]];
        data[v] = Math.max(0, base + t.noise * gaussian(rand));
      }
      const stem = `${sub}_${contrast}`;
      files[`${sub}/anat/${stem}.nii.gz`] = writeNifti({ data, shape: [nx, ny, nz], spacing, affine });
      files[`${sub}/anat/${stem}.json`] = JSON.stringify({ ...t.sidecar, Manufacturer: 'synthetic', MagneticFieldStrength: 3 }, null, 2);
      files[`derivatives/labels/${sub}/anat/${stem}_seg-manual.nii.gz`] = writeNifti({ data: label, shape: [nx, ny, nz], spacing, affine }, { datatype: 'uint8' });
    }
  }
  files['participants.tsv'] = `${rows.join('\n')}\n`;
  return createMemorySource('synthetic-sample', files);
}
