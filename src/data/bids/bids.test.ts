import { describe, expect, it } from 'vitest';
import { encode as encodePng } from 'fast-png';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createNodeSource } from '../sources/node';
import { createMemorySource } from '../sources/memory';
import type { FileSource } from '../sources/source';
import { writeNifti } from '../nifti/write';
import { hasIvadomedTestData, testDataPath } from '../testdata';
import { dataframeRow, indexBids, type BidsIndex } from './indexer';
import { selectImages } from './select';
import { derivativePath, loadVolume, saveDerivative } from './load';
import { readNifti } from '../nifti/read';
import { createFileListSource } from '../sources/filelist';
import { parseBidsName, labelSuffix } from './filename';
import { parseTsv } from './tsv';
import type { Affine } from '../volume';

const errors = (idx: BidsIndex) => idx.problems.filter((p) => p.severity === 'error');
const find = (idx: BidsIndex, p: string) => idx.images.find((i) => i.path === p)!;

/** A small .nii.gz; fill = 'noise' gives a body that does not compress away (so truncation cuts voxels, not the header). */
function nii(shape: [number, number, number], fill: number | 'noise' = 1): Uint8Array {
  const n = shape[0] * shape[1] * shape[2];
  if (fill === 'noise') {
    const affine: Affine = [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1];
    return writeNifti({ data: new Float32Array(n).map((_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1), shape, spacing: [2, 2, 3], affine });
  }
  const affine: Affine = [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 1];
  return writeNifti({ data: new Float32Array(n).fill(fill), shape, spacing: [2, 2, 3], affine });
}

/** A source that counts what is read, to prove indexing reads headers only. */
function counting(source: FileSource) {
  const stats = { fullReads: [] as string[], rangeBytes: 0 };
  const wrapped: FileSource = {
    ...source, name: source.name, writable: source.writable, list: () => source.list(),
    read: async (p) => { stats.fullReads.push(p); return source.read(p); },
    readRange: async (p, s, e) => { const b = await source.readRange(p, s, e); stats.rangeBytes += b.byteLength; return b; },
    write: (p, d) => source.write(p, d),
  };
  return { source: wrapped, stats };
}

describe('file names and tables', () => {
  it('parses entities, suffix, stem and extension', () => {
    const p = parseBidsName('sub-rat3/ses-02/micr/sub-rat3_ses-02_sample-data11_run-1_SEM.png');
    expect(p).toEqual({ filename: 'sub-rat3_ses-02_sample-data11_run-1_SEM.png', stem: 'sub-rat3_ses-02_sample-data11_run-1_SEM', extension: '.png', entities: { sub: 'rat3', ses: '02', sample: 'data11', run: '1' }, suffix: 'SEM' });
    expect(parseBidsName('sub-01_T1w.nii.gz').extension).toBe('.nii.gz');
    expect(labelSuffix('sub-unf01_T2w', 'sub-unf01_T2w_labels-disc-manual')).toBe('_labels-disc-manual');
    expect(labelSuffix('sub-1_T1w', 'sub-11_T1w_seg-manual')).toBeNull();
  });
  it('reads TSV with n/a as null and names the bad row', () => {
    const t = parseTsv('participant_id\tage\nsub-01\tn/a\nsub-02\t31\n', 'participants.tsv');
    expect(t.rows).toEqual([{ participant_id: 'sub-01', age: null }, { participant_id: 'sub-02', age: '31' }]);
    expect(() => parseTsv('a\tb\n1\t2\t3\n', 'x.tsv')).toThrow(/x\.tsv: row 2 has 3 cells, the header has 2 columns/);
  });
});

describe.skipIf(!hasIvadomedTestData)('indexing ivadomed-data-testing', () => {
  it('indexes every sub-unf* volume with its shape, voxel size, labels, sidecar and participant columns (headers only)', async () => {
    const { source, stats } = counting(createNodeSource(testDataPath()));
    let last = { done: 0, total: 0 };
    const idx = await indexBids(source, { onProgress: (p) => { last = p; } });
    expect(errors(idx)).toEqual([]);
    expect(idx.subjects).toEqual(['unf01', 'unf02', 'unf03']);
    expect(idx.contrasts).toEqual(['T1w', 'T2star', 'T2w']);
    expect(idx.labelSuffixes).toEqual(['_labels-disc-manual', '_lesion-manual', '_seg-manual']);
    expect(idx.images.length).toBe(9);
    expect(last).toMatchObject({ done: 9 + 11, total: 9 + 11 }); // 9 images, 11 label volumes
    for (const c of ['T1w', 'T2w', 'T2star']) {
      const im = find(idx, `sub-unf01/anat/sub-unf01_${c}.nii.gz`);
      expect(im.header?.shape).toEqual([131, 141, 16]);
      im.spacing!.forEach((s) => expect(s).toBeCloseTo(1, 6));
      expect(im.header?.datatype).toBe('float32');
      expect(im.header?.axcodes?.join('')).toBe('RAS');
      expect(im.sidecar.Manufacturer).toBe('Siemens');
      expect(im.columns.participant_id).toBe('sub-unf01');
      expect(im.labels.map((l) => l.suffix)).toEqual(c === 'T2w' ? ['_labels-disc-manual', '_lesion-manual', '_seg-manual'] : ['_lesion-manual', '_seg-manual']);
      for (const l of im.labels) expect(l.header?.shape).toEqual([131, 141, 16]);
    }
    expect(find(idx, 'sub-unf01/anat/sub-unf01_T2w.nii.gz').sidecar).toMatchObject({ FlipAngle: 120, EchoTime: 0.12, RepetitionTime: 1.5 });
    expect(find(idx, 'sub-unf01/anat/sub-unf01_T1w.nii.gz').sidecar).toMatchObject({ FlipAngle: 9, EchoTime: 0.00372, RepetitionTime: 2 });
    const t1 = find(idx, 'sub-unf02/anat/sub-unf02_T1w.nii.gz');
    expect(t1.header?.shape).toEqual([19, 26, 32]);
    expect(t1.header?.datatype).toBe('float64');
    t1.spacing!.forEach((s, i) => expect(s).toBeCloseTo([10.1053, 10, 10][i], 3));
    const t2s = find(idx, 'sub-unf03/anat/sub-unf03_T2star.nii.gz');
    expect(t2s.header?.shape).toEqual([45, 45, 2]);
    expect(t2s.header?.datatype).toBe('int16');
    expect(t2s.spacing![2]).toBeCloseTo(37.5, 4);
    expect(t2s.header?.axcodes?.join('')).toBe('LAS');
    // images without labels are warned about, by name
    expect(idx.problems.filter((p) => p.problem.startsWith('no label derivative')).map((p) => p.file)).toEqual(['sub-unf02/anat/sub-unf02_T2star.nii.gz', 'sub-unf03/anat/sub-unf03_T2star.nii.gz']);
    // headers only: NIfTI files are never read whole, and far fewer bytes than the volumes are read
    expect(stats.fullReads.filter((p) => p.endsWith('.nii.gz'))).toEqual([]);
    expect(stats.rangeBytes).toBeLessThan(20 * 4096 + 20 * 4);
  });

  it('selects files the ivadomed way (contrasts, target_suffix, multi-class, ROI)', async () => {
    const idx = await indexBids(createNodeSource(testDataPath()));
    const one = selectImages(idx, { contrasts: ['T1w', 'T2w'], targetSuffix: ['_seg-manual'] });
    expect(one.selected.map((s) => s.image.path)).toEqual(['sub-unf01/anat/sub-unf01_T1w.nii.gz', 'sub-unf01/anat/sub-unf01_T2w.nii.gz']);
    expect(one.selected[1].targets[0][0]?.path).toBe('derivatives/labels/sub-unf01/anat/sub-unf01_T2w_seg-manual.nii.gz');
    expect(one.problems.filter((p) => p.file.startsWith('sub-unf02')).length).toBe(2);
    const multi = selectImages(idx, { targetSuffix: ['_seg-manual', '_lesion-manual'] });
    expect(multi.selected.length).toBe(3);
    expect(multi.selected.every((s) => s.targets.every((c) => c[0] !== null))).toBe(true);
    const roi = selectImages(idx, { targetSuffix: ['_lesion-manual'], roiSuffix: '_seg-manual', contrasts: ['T2w'] });
    expect(roi.selected[0].roi?.suffix).toBe('_seg-manual');
    // T2star contains "T2"? ivadomed matches contrasts with "contains": T2 selects T2w and T2star
    expect(selectImages(idx, { targetSuffix: ['_seg-manual'], contrasts: ['T2'] }).selected.length).toBe(2);
    const none = selectImages(idx, { targetSuffix: ['_seg-nothing'] });
    expect(none.selected).toEqual([]);
    expect(none.problems.at(-1)?.problem).toMatch(/^Derivatives not found/);
    expect(derivativePath(one.selected[1].image, 'ivadomed-web', '_pred')).toBe('derivatives/ivadomed-web/sub-unf01/anat/sub-unf01_T2w_pred.nii.gz');
    expect(() => derivativePath(one.selected[1].image, '../x', '_pred')).toThrow(/must be a plain folder name/);
    const row = dataframeRow(one.selected[0].image);
    expect(row).toMatchObject({ filename: 'sub-unf01_T1w.nii.gz', subject: 'unf01', suffix: 'T1w', participant_id: 'sub-unf01', FlipAngle: 9, Manufacturer: 'Siemens' });
  });

  it('indexes the CT with its label', async () => {
    const idx = await indexBids(createNodeSource(testDataPath('ct_scan')));
    expect(errors(idx)).toEqual([]);
    expect(idx.images.length).toBe(1);
    const ct = idx.images[0];
    expect(ct.path).toBe('sub-spleen2/ct/sub-spleen2_ct.nii.gz');
    expect(ct.suffix).toBe('ct');
    expect(ct.datatype).toBe('ct');
    expect(ct.header?.shape).toEqual([164, 166, 26]);
    ct.spacing!.forEach((s, i) => expect(s).toBeCloseTo([0.7949, 0.7949, 5][i], 4));
    expect(ct.labels.map((l) => [l.path, l.suffix, l.header?.datatype])).toEqual([['derivatives/labels/sub-spleen2/ct/sub-spleen2_ct_seg-manual.nii.gz', '_seg-manual', 'uint8']]);
    const label = await loadVolume(createNodeSource(testDataPath('ct_scan')), ct.labels[0]);
    expect(label.data.reduce((a, b) => a + b, 0)).toBe(96672);
  });

  it('indexes microscopy: samples, sessions, scans, inherited sidecars, PixelSize spacing', async () => {
    const src = createNodeSource(testDataPath('microscopy_png'));
    const idx = await indexBids(src);
    expect(errors(idx)).toEqual([]);
    expect(idx.subjects).toEqual(['rat2', 'rat3']);
    expect(idx.sessions).toEqual(['01', '02']);
    expect(idx.samples).toEqual(['data10', 'data11', 'data5', 'data9']);
    expect(idx.contrasts).toEqual(['SEM']);
    expect(idx.images.length).toBe(5);
    const d5 = find(idx, 'sub-rat2/micr/sub-rat2_sample-data5_SEM.png');
    expect(d5.header?.shape).toEqual([725, 725, 1]);
    expect(d5.spacing).toEqual([0.000093, 0.000093, 0.000093]);
    expect(d5.columns).toMatchObject({ participant_id: 'sub-rat2', species: 'rattus norvegicus', sample_id: 'sample-data5', test_samples: 'test-data5' });
    const d9 = find(idx, 'sub-rat3/ses-01/micr/sub-rat3_ses-01_sample-data9_SEM.png');
    expect(d9.spacing).toEqual([0.0002, 0.0001, 0.0001]);
    expect(d9.columns).toMatchObject({ session_id: 'ses-01', test_sessions: 'test-ses-01' });
    const r1 = find(idx, 'sub-rat3/ses-02/micr/sub-rat3_ses-02_sample-data11_run-1_SEM.png');
    expect(r1.sidecarPaths).toEqual(['sub-rat3/ses-02/micr/sub-rat3_ses-02_sample-data11_SEM.json']);
    expect(r1.spacing).toEqual([0.0001, 0.0001, 0.0001]);
    expect(r1.columns).toMatchObject({ test_scans: 'test-run-1', test_sessions: 'test-ses-02', test_samples: 'test-data11' });
    expect(find(idx, 'sub-rat3/ses-02/micr/sub-rat3_ses-02_sample-data11_run-2_SEM.png').columns.test_scans).toBe('test-run-2');
    for (const im of idx.images) expect(im.labels.map((l) => l.suffix)).toEqual(['_seg-axon-manual', '_seg-myelin-manual']);
    const gt = await loadVolume(src, d5.labels[0]);
    expect(gt.shape).toEqual([725, 725, 1]);
    expect(gt.spacing).toEqual([0.000093, 0.000093, 0.000093]); // the image's PixelSize
    expect(find(idx, 'sub-rat3/ses-01/micr/sub-rat3_ses-01_sample-data9_SEM.png').labels[0].spacing).toEqual([0.0002, 0.0001, 0.0001]);
    expect(new Set(gt.data)).toEqual(new Set([0, 1]));
  });

  it('indexes every PNG/TIFF variant with the sidecar inherited from sub-*_SEM.json', async () => {
    const idx = await indexBids(createNodeSource(testDataPath('data_test_png_tif')));
    expect(errors(idx)).toEqual([]);
    expect(idx.images.length).toBe(14);
    for (const im of idx.images) {
      expect(im.sidecarPaths).toEqual([`${im.participantId}/micr/${im.participantId}_SEM.json`]);
      im.spacing!.forEach((s) => expect(s).toBeCloseTo(0.00007, 12));
    }
    expect(find(idx, 'sub-tif/micr/sub-tif_sample-16rgba_SEM.tif').header).toMatchObject({ shape: [256, 256, 1], datatype: 'tiff 16-bit RGBA' });
    expect(find(idx, 'sub-png/micr/sub-png_sample-8grayalhpa_SEM.png').header).toMatchObject({ shape: [266, 278, 1], datatype: 'png 8-bit gray+alpha' });
  });
});

describe('JPEG microscopy', () => {
  it('indexes .jpg images (header read, PixelSize spacing), loads them, and names a cut JPEG', async () => {
    const { encode } = await import('jpeg-js');
    const jpg = (w: number, h: number, v: number) => new Uint8Array(encode({ width: w, height: h, data: new Uint8Array(w * h * 4).fill(v) }, 95).data);
    const good = jpg(24, 10, 180);
    const files: Record<string, Uint8Array | string> = {
      'dataset_description.json': '{"Name":"jpeg","BIDSVersion":"1.8.0"}',
      'participants.tsv': 'participant_id\nsub-01\nsub-02\n',
      'sub-01/micr/sub-01_SEM.jpg': good,
      'sub-01/micr/sub-01_SEM.json': '{"PixelSize": [0.1, 0.1], "PixelSizeUnits": "um"}',
      'derivatives/labels/sub-01/micr/sub-01_SEM_seg-axon-manual.png': encodePng({ width: 24, height: 10, channels: 1, depth: 8, data: new Uint8Array(240).fill(255) }),
      'sub-02/micr/sub-02_SEM.jpeg': good.subarray(0, good.length - 30),
      'sub-02/micr/sub-02_SEM.json': '{"PixelSize": [0.1, 0.1], "PixelSizeUnits": "um"}',
    };
    const source = createMemorySource('jpeg', files);
    const idx = await indexBids(source);
    const im = find(idx, 'sub-01/micr/sub-01_SEM.jpg');
    expect(im.format).toBe('jpeg');
    expect(im.header).toMatchObject({ shape: [10, 24, 1], datatype: 'jpeg 8-bit RGB' });
    im.spacing!.forEach((v) => expect(v).toBeCloseTo(0.0001, 12));
    expect(im.labels.map((l) => l.suffix)).toEqual(['_seg-axon-manual']);
    const cut = idx.problems.find((p) => p.file === 'sub-02/micr/sub-02_SEM.jpeg')!;
    expect(cut.severity).toBe('error');
    expect(cut.problem).toMatch(/truncated JPEG/);
    const vol = await loadVolume(source, im);
    expect(vol.shape).toEqual([10, 24, 1]);
  });
});

describe('problems are reported per file, the rest still indexes', () => {
  function brokenDataset(): Record<string, Uint8Array | string> {
    const good = nii([4, 5, 6]);
    const noisy = nii([4, 5, 6], 'noise');
    return {
      'dataset_description.json': '{"Name":"broken","BIDSVersion":"1.8.0"}',
      'participants.tsv': 'participant_id\tinstitution_id\nsub-01\tA\nsub-02\tB\nsub-03\tA\nsub-04\tB\n',
      'sub-01/anat/sub-01_T1w.nii.gz': good,
      'derivatives/labels/sub-01/anat/sub-01_T1w_seg-manual.nii.gz': nii([4, 5, 6], 0),
      // truncated in the middle of the gzip stream
      'sub-02/anat/sub-02_T1w.nii.gz': noisy.subarray(0, Math.floor(noisy.length * 0.6)),
      'derivatives/labels/sub-02/anat/sub-02_T1w_seg-manual.nii.gz': nii([4, 5, 6], 0),
      // label on another grid
      'sub-03/anat/sub-03_T1w.nii.gz': good,
      'derivatives/labels/sub-03/anat/sub-03_T1w_seg-manual.nii.gz': nii([4, 5, 7], 0),
      // no label at all, and a broken sidecar
      'sub-04/anat/sub-04_T1w.nii.gz': good,
      'sub-04/anat/sub-04_T1w.json': '{"EchoTime": 0.01,',
      // not a NIfTI at all
      'sub-04/anat/sub-04_T2w.nii': 'this is not an image at all, just some text that is long enough',
      // a label for no image
      'derivatives/labels/sub-05/anat/sub-05_T1w_seg-manual.nii.gz': nii([4, 5, 6], 0),
    };
  }

  it('truncated .nii.gz, label of another shape, garbage file, bad JSON, missing and orphan labels', async () => {
    const files = brokenDataset();
    const progress: number[] = [];
    const idx = await indexBids(createMemorySource('broken', files), { onProgress: (p) => progress.push(p.done) });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const byFile = (f: string) => idx.problems.filter((p) => p.file === f);
    expect(byFile('sub-02/anat/sub-02_T1w.nii.gz')[0]).toMatchObject({ severity: 'error' });
    expect(byFile('sub-02/anat/sub-02_T1w.nii.gz')[0].problem).toMatch(/gzip stream is truncated or corrupted/);
    expect(byFile('sub-02/anat/sub-02_T1w.nii.gz')[0].hint).toMatch(/complete copy/);
    expect(byFile('derivatives/labels/sub-03/anat/sub-03_T1w_seg-manual.nii.gz')[0].problem).toBe('label shape 4x5x7 differs from its image sub-03/anat/sub-03_T1w.nii.gz (4x5x6)');
    expect(byFile('sub-04/anat/sub-04_T2w.nii')[0].problem).toMatch(/unreadable image: not a NIfTI file/);
    expect(byFile('sub-04/anat/sub-04_T1w.json')[0].problem).toMatch(/unreadable JSON sidecar/);
    expect(byFile('sub-04/anat/sub-04_T1w.nii.gz')[0]).toMatchObject({ severity: 'warning', problem: 'no label derivative for this image' });
    expect(byFile('derivatives/labels/sub-05/anat/sub-05_T1w_seg-manual.nii.gz')[0].problem).toMatch(/label matches no image/);
    // the good files are indexed with their geometry and columns
    expect(idx.images.length).toBe(5);
    expect(find(idx, 'sub-01/anat/sub-01_T1w.nii.gz').header).toMatchObject({ shape: [4, 5, 6], spacing: [2, 2, 3] });
    expect(find(idx, 'sub-03/anat/sub-03_T1w.nii.gz').columns.institution_id).toBe('A');
    expect(find(idx, 'sub-02/anat/sub-02_T1w.nii.gz').header).toBeUndefined();
    // selection leaves the unreadable one out and keeps the others
    const sel = selectImages(idx, { targetSuffix: ['_seg-manual'] });
    expect(sel.selected.map((s) => s.image.subject)).toEqual(['01', '03']);
  });

  it('finds a truncated .nii.gz on disk too, and full verification agrees', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bids-broken-'));
    for (const [p, d] of Object.entries(brokenDataset())) {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      writeFileSync(path.join(dir, p), d);
    }
    const idx = await indexBids(createNodeSource(dir), { verify: 'full' });
    const files = idx.problems.filter((p) => p.severity === 'error').map((p) => p.file).sort();
    expect(files).toEqual(['derivatives/labels/sub-03/anat/sub-03_T1w_seg-manual.nii.gz', 'sub-02/anat/sub-02_T1w.nii.gz', 'sub-04/anat/sub-04_T1w.json', 'sub-04/anat/sub-04_T2w.nii']);
    expect(readFileSync(path.join(dir, 'sub-01/anat/sub-01_T1w.nii.gz')).length).toBeGreaterThan(0);
  });

  it('says clearly when a folder is not BIDS', async () => {
    const idx = await indexBids(createMemorySource('photos', { 'holiday/img1.png': 'x', 'notes.txt': 'y' }));
    expect(idx.images).toEqual([]);
    expect(idx.problems.map((p) => p.problem)).toEqual([
      'not a BIDS folder: dataset_description.json is missing at the top level',
      'not a BIDS folder: no sub-* subject folders at the top level',
    ]);
    expect(idx.problems[0].hint).toMatch(/Pick the dataset's root folder/);
  });

  it('merges sidecars by BIDS inheritance, nearest last', async () => {
    const idx = await indexBids(createMemorySource('inh', {
      'dataset_description.json': '{"Name":"x","BIDSVersion":"1.8.0"}',
      'T1w.json': '{"A":1,"B":1,"C":1}',
      'T2w.json': '{"Z":9}',
      'sub-01/sub-01_T1w.json': '{"B":2}',
      'sub-01/anat/sub-01_T1w.json': '{"C":3}',
      'sub-01/anat/sub-01_acq-x_T1w.json': '{"D":4}',
      'sub-01/anat/sub-01_T1w.nii.gz': nii([2, 2, 2]),
    }));
    const im = idx.images[0];
    expect(im.sidecar).toEqual({ A: 1, B: 2, C: 3 });
    expect(im.sidecarPaths).toEqual(['T1w.json', 'sub-01/sub-01_T1w.json', 'sub-01/anat/sub-01_T1w.json']);
  });
});

describe('saving derivatives', () => {
  it('writes a prediction on the source header next to the dataset and re-indexes it as a label', async () => {
    const src = createMemorySource('ds', {
      'dataset_description.json': '{"Name":"x","BIDSVersion":"1.8.0"}',
      'sub-01/anat/sub-01_T1w.nii.gz': nii([4, 5, 6], 'noise'),
    });
    const idx = await indexBids(src);
    const image = idx.images[0];
    const vol = await loadVolume(src, image);
    const pred = { ...vol, data: vol.data.map((x) => (x > 0 ? 1 : 0)) };
    const p = await saveDerivative(src, image, pred, { pipeline: 'ivadomed-web', suffix: '_pred', datatype: 'uint8' });
    expect(p).toBe('derivatives/ivadomed-web/sub-01/anat/sub-01_T1w_pred.nii.gz');
    expect(JSON.parse(new TextDecoder().decode(await src.read('derivatives/ivadomed-web/dataset_description.json'))).DatasetType).toBe('derivative');
    const back = readNifti(await src.read(p));
    expect(back.affine).toEqual(vol.affine);
    expect(Array.from(back.data)).toEqual(Array.from(pred.data));
    const again = await indexBids(src);
    expect(again.images[0].labels.map((l) => l.suffix)).toEqual(['_pred']);
    const ro = createFileListSource([{ file: new File(['x'], 'a'), path: 'a' }], 'picked');
    await expect(saveDerivative(ro, image, pred, { pipeline: 'p', suffix: '_pred' })).rejects.toThrow(/"picked" is read-only/);
  });
});
