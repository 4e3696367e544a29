import { describe, expect, it } from 'vitest';
import { writeNifti } from '../../data/nifti';
import { createMemorySource } from '../../data/sources';
import { createNodeSource } from '../../data/sources/node';
import { generateSyntheticDataset } from '../../data/synthetic';
import { hasIvadomedTestData, IVADOMED_TEST_DATA } from '../../data/testdata';
import { indexDataset } from './indexDataset';
import type { IndexProgress } from './types';

describe('indexDataset (the Dataset panel over indexBids)', () => {
  it.skipIf(!hasIvadomedTestData)("indexes ivadomed's test dataset: subjects, contrasts, labels, headers, sidecars", async () => {
    const progress: IndexProgress[] = [];
    const index = await indexDataset(createNodeSource(IVADOMED_TEST_DATA), (p) => progress.push(p));
    expect(index.name).toBe('ivadomed-data-testing');
    expect(index.subjects).toEqual(['sub-unf01', 'sub-unf02', 'sub-unf03']);
    expect(index.contrasts).toEqual(['T1w', 'T2star', 'T2w']);
    expect(index.labelSuffixes).toEqual(['_labels-disc-manual', '_lesion-manual', '_seg-manual']);
    expect(index.images).toHaveLength(9);
    expect(index.fileCount).toBe(93);
    const t1 = index.images.find((i) => i.path === 'sub-unf01/anat/sub-unf01_T1w.nii.gz')!;
    expect(t1.subject).toBe('sub-unf01');
    expect(t1.shape).toEqual([131, 141, 16]);
    expect(t1.spacing!.map((v) => Number(v.toFixed(3)))).toEqual([1, 1, 1]);
    expect(t1.datatype).toBe('float32');
    expect(t1.labels.map((l) => l.suffix).sort()).toEqual(['_lesion-manual', '_seg-manual']);
    expect(t1.labels[0].shape).toEqual([131, 141, 16]);
    expect(t1.sidecar).toMatchObject({ FlipAngle: 9, EchoTime: 0.00372, RepetitionTime: 2 });
    expect(t1.sidecarPath).toBe('sub-unf01/anat/sub-unf01_T1w.json');
    // sub-unf02's and sub-unf03's T2star have no label: warnings name the files.
    const unlabelled = index.problems.filter((p) => /no label/i.test(p.message)).map((p) => p.path);
    expect(unlabelled).toEqual(['sub-unf02/anat/sub-unf02_T2star.nii.gz', 'sub-unf03/anat/sub-unf03_T2star.nii.gz']);
    expect(progress[0].phase).toBe('listing');
    expect(progress.some((p) => p.phase === 'reading headers' && p.current?.endsWith('.nii.gz'))).toBe(true);
    expect(progress.at(-1)).toEqual({ phase: 'done', done: 9, total: 9 });
  });

  it('turns every indexBids problem into a message that names its file, starting with a capital', async () => {
    const vol = (nx: number) => writeNifti({ data: new Float32Array(nx * 4 * 2), shape: [nx, 4, 2], spacing: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] });
    const source = createMemorySource('broken', {
      'sub-01/anat/sub-01_T1w.nii.gz': vol(3),
      'sub-01/anat/sub-01_T1w.json': '{ not json',
      'sub-01/anat/sub-01_T2w.nii.gz': new TextEncoder().encode('definitely not nifti '.repeat(30)),
      'derivatives/labels/sub-01/anat/sub-01_T1w_seg-manual.nii.gz': vol(5),
      'derivatives/labels/sub-02/anat/sub-02_T1w_seg-manual.nii.gz': vol(3),
    });
    const index = await indexDataset(source);
    const at = (p: string) => index.problems.filter((x) => x.path === p);
    // The dataset-wide problem (no dataset_description.json) is filed under the dataset's name.
    expect(at('broken')[0]).toMatchObject({ severity: 'error', message: expect.stringMatching(/^Not a BIDS folder.*dataset_description\.json/) });
    expect(at('sub-01/anat/sub-01_T1w.json')[0].message).toMatch(/^Unreadable JSON sidecar/);
    expect(at('sub-01/anat/sub-01_T2w.nii.gz').map((p) => p.severity)).toContain('error');
    expect(at('derivatives/labels/sub-01/anat/sub-01_T1w_seg-manual.nii.gz')[0].message).toMatch(/5x4x2 differs from its image sub-01\/anat\/sub-01_T1w\.nii\.gz \(3x4x2\) — /);
    expect(at('derivatives/labels/sub-02/anat/sub-02_T1w_seg-manual.nii.gz')[0]).toMatchObject({ severity: 'warning' });
    for (const p of index.problems) expect(p.message.charAt(0)).toBe(p.message.charAt(0).toUpperCase());
  });

  it("shows the data layer's synthetic sample as a clean dataset with cord and lesion labels", async () => {
    const index = await indexDataset(await generateSyntheticDataset({ subjects: 2 }));
    expect(index.subjects).toEqual(['sub-01', 'sub-02']);
    expect(index.contrasts).toEqual(['T1w', 'T2w']);
    expect(index.labelSuffixes).toEqual(['_lesion-manual', '_seg-manual']);
    expect(index.problems.filter((p) => p.severity === 'error')).toEqual([]);
    for (const img of index.images) expect(img.labels).toHaveLength(2);
  });
});
