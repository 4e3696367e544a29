import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSubject, generateSyntheticDataset, writeSyntheticDataset } from './generate';
import { createRandom } from './random';
import { indexBids } from '../bids/indexer';
import { selectImages } from '../bids/select';
import { loadVolume } from '../bids/load';
import { createNodeSource } from '../sources/node';
import { axisCodes } from '../orientation';

describe('seeded random numbers', () => {
  it('repeats for a seed and has the right moments', () => {
    const a = createRandom(42), b = createRandom(42);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
    const r = createRandom(7);
    let s = 0, s2 = 0;
    const N = 20000;
    for (let i = 0; i < N; i++) { const x = r.normal(); s += x; s2 += x * x; }
    expect(Math.abs(s / N)).toBeLessThan(0.03);
    expect(Math.abs(s2 / N - 1)).toBeLessThan(0.05);
  });
});

describe('synthetic subject', () => {
  const sub = generateSubject(0, { seed: 3 });
  const [nx, ny, nz] = sub.cord.shape;

  it('has a curved tube in every slice, lesions inside it, and per-contrast tissue contrast', () => {
    const centroids: number[] = [];
    for (let k = 0; k < nz; k++) {
      let count = 0, sx = 0;
      for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
        if (sub.cord.data[i + nx * (j + ny * k)]) { count++; sx += i; }
      }
      expect(count).toBeGreaterThan(10); // a cross-section of the tube in every slice
      centroids.push(sx / count);
    }
    expect(Math.max(...centroids) - Math.min(...centroids)).toBeGreaterThan(1); // curved, not straight
    let lesionVoxels = 0;
    for (let q = 0; q < sub.lesion.data.length; q++) {
      if (sub.lesion.data[q]) { lesionVoxels++; expect(sub.cord.data[q]).toBe(1); }
    }
    expect(lesionVoxels).toBeGreaterThan(0);
    expect(sub.lesionCount).toBeGreaterThanOrEqual(1);
    const mean = (c: string, mask: (q: number) => boolean) => {
      let s = 0, n = 0;
      sub.images[c].data.forEach((v, q) => { if (mask(q)) { s += v; n++; } });
      return s / n;
    };
    const inCord = (q: number) => sub.cord.data[q] === 1 && sub.lesion.data[q] === 0;
    const outside = (q: number) => sub.cord.data[q] === 0;
    expect(mean('T1w', inCord)).toBeGreaterThan(1.3 * mean('T1w', outside)); // bright cord on T1w
    expect(mean('T2w', inCord)).toBeLessThan(mean('T2w', outside)); // dark cord on T2w
    expect(mean('T2w', (q) => sub.lesion.data[q] === 1)).toBeGreaterThan(2 * mean('T2w', inCord)); // bright lesions on T2w
  });

  it('stores site B in LPS with the same anatomy in world space', () => {
    const b = generateSubject(1, { seed: 3 });
    expect(axisCodes(sub.cord.affine).join('')).toBe('RAS');
    expect(axisCodes(b.cord.affine).join('')).toBe('LPS');
    expect(b.institution.manufacturer).toBe('Philips');
  });
});

describe('synthetic BIDS dataset', () => {
  it('is deterministic for a seed and differs between seeds', async () => {
    const a = await generateSyntheticDataset({ seed: 5, subjects: 3 });
    const b = await generateSyntheticDataset({ seed: 5, subjects: 3 });
    const c = await generateSyntheticDataset({ seed: 6, subjects: 3 });
    expect([...a.files.keys()]).toEqual([...b.files.keys()]);
    for (const [p, bytes] of a.files) expect(Buffer.from(bytes).equals(Buffer.from(b.files.get(p)!))).toBe(true);
    const p = 'sub-01/anat/sub-01_T1w.nii.gz';
    expect(Buffer.from(a.files.get(p)!).equals(Buffer.from(c.files.get(p)!))).toBe(false);
  });

  it('indexes cleanly (no problem at all) with plausible metadata, in memory and on disk', async () => {
    const mem = await generateSyntheticDataset({ seed: 1, subjects: 6 });
    const dir = mkdtempSync(path.join(tmpdir(), 'synth-'));
    const written = await writeSyntheticDataset(createNodeSource(dir), { seed: 1, subjects: 6 });
    expect(written).toBe(mem.files.size);
    for (const source of [mem, createNodeSource(dir)]) {
      const idx = await indexBids(source);
      expect(idx.problems).toEqual([]);
      expect(idx.subjects).toEqual(['01', '02', '03', '04', '05', '06']);
      expect(idx.contrasts).toEqual(['T1w', 'T2w']);
      expect(idx.labelSuffixes).toEqual(['_lesion-manual', '_seg-manual']);
      expect(idx.images.length).toBe(12);
      const sites = new Set(idx.images.map((i) => i.columns.institution_id));
      expect(sites).toEqual(new Set(['siteA', 'siteB']));
      for (const im of idx.images) {
        expect(im.header?.shape).toEqual([32, 32, 16]);
        im.spacing!.forEach((s, i) => expect(s).toBeCloseTo([0.8, 0.8, 2][i], 6));
        expect(im.header?.datatype).toBe('int16');
        expect(im.sidecar.Manufacturer).toBe(im.columns.institution_id === 'siteA' ? 'Siemens' : 'Philips');
        expect(typeof im.sidecar.FlipAngle).toBe('number');
        expect(typeof im.sidecar.EchoTime).toBe('number');
        expect(typeof im.sidecar.RepetitionTime).toBe('number');
        expect(['M', 'F']).toContain(im.columns.sex);
      }
      const t2 = idx.images.filter((i) => i.suffix === 'T2w').map((i) => i.sidecar.FlipAngle);
      expect(new Set(t2)).toEqual(new Set([120, 90]));
      const sel = selectImages(idx, { targetSuffix: ['_seg-manual', '_lesion-manual'] });
      expect(sel.selected.length).toBe(12);
      const label = await loadVolume(source, sel.selected[0].targets[0][0]!);
      expect(new Set(label.data)).toEqual(new Set([0, 1]));
    }
  });

  it('rejects bad options with a clear message', async () => {
    await expect(generateSyntheticDataset({ subjects: 0 })).rejects.toThrow(/subjects must be >= 1/);
    expect(() => generateSubject(0, { contrasts: ['FLAIR' as never] })).toThrow(/contrast "FLAIR" is not one of/);
  });
});
