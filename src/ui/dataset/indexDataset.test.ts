import { describe, expect, it } from 'vitest';
import { createMemorySource } from '../../data/sources';
import { createNodeSource } from '../../data/sources/node';
import { hasIvadomedTestData, IVADOMED_TEST_DATA } from '../../data/testdata';
import { indexDataset } from './indexDataset';
import type { IndexProgress } from './types';

describe('indexDataset (Dataset panel)', () => {
  it.skipIf(!hasIvadomedTestData)("indexes ivadomed's test dataset: subjects, contrasts, labels, headers, sidecars", async () => {
    const progress: IndexProgress[] = [];
    const index = await indexDataset(createNodeSource(IVADOMED_TEST_DATA), (p) => progress.push(p));
    expect(index.subjects).toEqual(['sub-unf01', 'sub-unf02', 'sub-unf03']);
    expect(index.contrasts).toEqual(['T1w', 'T2star', 'T2w']);
    expect(index.labelSuffixes).toEqual(['_labels-disc-manual', '_lesion-manual', '_seg-manual']);
    const t1 = index.images.find((i) => i.path === 'sub-unf01/anat/sub-unf01_T1w.nii.gz')!;
    expect(t1.shape).toEqual([131, 141, 16]);
    expect(t1.spacing!.map((v) => Number(v.toFixed(3)))).toEqual([1, 1, 1]);
    expect(t1.datatype).toBe('float32');
    expect(t1.labels.map((l) => l.suffix).sort()).toEqual(['_lesion-manual', '_seg-manual']);
    expect(t1.sidecar).toMatchObject({ FlipAngle: 9, EchoTime: 0.00372, RepetitionTime: 2 });
    // sub-unf02's T2star has no label: a warning names the file.
    expect(index.problems).toContainEqual(expect.objectContaining({ path: 'sub-unf02/anat/sub-unf02_T2star.nii.gz', severity: 'warning' }));
    // Nested example datasets (ct_scan/, microscopy_png/) are not part of this root's subjects.
    expect(index.images.every((i) => i.path.startsWith('sub-'))).toBe(true);
    expect(index.images).toHaveLength(9);
    expect(progress[0].phase).toBe('listing');
    expect(progress.at(-1)).toEqual({ phase: 'done', done: 9 + 11, total: 9 + 11 }); // 9 images, 7 + 2 + 2 labels
  });

  it('names each problem file: bad header, label on another grid, orphan label, missing suffix', async () => {
    const { writeNifti } = await import('../../data/nifti');
    const vol = (nx: number) => writeNifti({ data: new Float32Array(nx * 4 * 2), shape: [nx, 4, 2], spacing: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] });
    const source = createMemorySource('broken', {
      'sub-01/anat/sub-01_T1w.nii.gz': vol(3),
      'sub-01/anat/sub-01_T1w.json': '{ not json',
      'sub-01/anat/sub-01_T2w.nii.gz': new TextEncoder().encode('definitely not nifti '.repeat(30)),
      'sub-01/anat/sub-01.nii.gz': vol(3),
      'derivatives/labels/sub-01/anat/sub-01_T1w_seg-manual.nii.gz': vol(5),
      'derivatives/labels/sub-02/anat/sub-02_T1w_seg-manual.nii.gz': vol(3),
    });
    const index = await indexDataset(source);
    const byPath = (p: string) => index.problems.filter((x) => x.path === p).map((x) => x.message).join(' | ');
    expect(byPath('dataset_description.json')).toMatch(/Missing/);
    expect(byPath('sub-01/anat/sub-01_T1w.json')).toMatch(/not valid JSON/);
    expect(byPath('sub-01/anat/sub-01_T2w.nii.gz')).toMatch(/sub-01_T2w\.nii\.gz/);
    expect(byPath('sub-01/anat/sub-01.nii.gz')).toMatch(/no contrast suffix/);
    expect(byPath('derivatives/labels/sub-01/anat/sub-01_T1w_seg-manual.nii.gz')).toMatch(/Label grid 5×4×2 differs from its image sub-01\/anat\/sub-01_T1w\.nii\.gz \(3×4×2\)/);
    expect(byPath('derivatives/labels/sub-02/anat/sub-02_T1w_seg-manual.nii.gz')).toMatch(/matches no image/);
    expect(index.images.map((i) => i.contrast)).toEqual(['T1w', 'T2w']);
  });
});

describe('sampleDataset', () => {
  it('is a clean BIDS dataset: 4 subjects × T1w/T2w, each with a non-empty cord label on its grid', async () => {
    const { sampleDataset } = await import('./sampleDataset');
    const { readNifti } = await import('../../data/nifti');
    const source = sampleDataset();
    const index = await indexDataset(source);
    expect(index.subjects).toEqual(['sub-01', 'sub-02', 'sub-03', 'sub-04']);
    expect(index.contrasts).toEqual(['T1w', 'T2w']);
    expect(index.problems).toEqual([]);
    for (const img of index.images) {
      expect(img.shape).toEqual([48, 48, 12]);
      expect(img.spacing).toEqual([1, 1, 2]);
      expect(img.labels.map((l) => l.suffix)).toEqual(['_seg-manual']);
    }
    const label = readNifti(await source.read('derivatives/labels/sub-01/anat/sub-01_T2w_seg-manual.nii.gz'));
    const cord = label.data.reduce((n, v) => n + v, 0);
    // A cylinder of radius 3..4.2 voxels over 12 slices: roughly 12 * pi * r^2.
    expect(cord).toBeGreaterThan(12 * Math.PI * 2.5 ** 2);
    expect(cord).toBeLessThan(12 * Math.PI * 4.7 ** 2);
    // Same seed, same voxels (the gzip stream differs only by its timestamp).
    const again = readNifti(await sampleDataset().read('sub-02/anat/sub-02_T1w.nii.gz')).data;
    const first = readNifti(await source.read('sub-02/anat/sub-02_T1w.nii.gz')).data;
    expect(again.length).toBe(48 * 48 * 12);
    expect(again.every((v, i) => v === first[i])).toBe(true);
  });
});
