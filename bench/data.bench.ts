/**
 * Data-layer benchmark: generates a synthetic BIDS dataset (BENCH_SUBJECTS, default 50 subjects, two
 * contrasts, cord + lesion labels) into a temporary folder, then reports
 * - indexing time (indexBids over the Node fs source: headers, sidecars and tables only), and
 * - load throughput: MB/s of decoded float32 voxels when reading every volume (images and labels),
 *   with the synchronous reader (fflate) and the asynchronous one (DecompressionStream), and on
 *   ivadomed's real sub-unf01 volumes when the test data is present.
 * Run with `npm run bench -- data`; prints a table and writes bench-results/data.json.
 * BENCH_SHAPE=64x64x32 changes the synthetic grid (default 32x32x16, the tests' size).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeSource } from '../src/data/sources/node';
import { writeSyntheticDataset } from '../src/data/synthetic/generate';
import { indexBids } from '../src/data/bids/indexer';
import { readNifti, readNiftiAsync } from '../src/data/nifti/read';
import { hasIvadomedTestData, testDataPath } from '../src/data/testdata';

const SUBJECTS = Number(process.env.BENCH_SUBJECTS ?? 50);
const SHAPE = (process.env.BENCH_SHAPE ?? '32x32x16').split('x').map(Number) as [number, number, number];
const REPS = Number(process.env.BENCH_REPS ?? 3);

interface Row { measure: string; value: number; unit: string; detail: string }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

describe('data layer throughput', () => {
  it(`indexes and loads a ${SUBJECTS}-subject synthetic dataset`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ivadomed-web-bench-'));
    const rows: Row[] = [];
    try {
      const source = createNodeSource(dir);
      let t0 = performance.now();
      const files = await writeSyntheticDataset(source, { seed: 1, subjects: SUBJECTS, shape: SHAPE });
      rows.push({ measure: 'generate + write', value: (performance.now() - t0) / 1000, unit: 's', detail: `${files} files, ${SUBJECTS} subjects, ${SHAPE.join('x')}` });

      const indexTimes: number[] = [];
      let index = await indexBids(source);
      for (let r = 0; r < REPS; r++) {
        t0 = performance.now();
        index = await indexBids(source);
        indexTimes.push(performance.now() - t0);
      }
      expect(index.problems).toEqual([]);
      const volumes = index.images.flatMap((im) => [im.path, ...im.labels.map((l) => l.path)]);
      const onDisk = (await source.list()).filter((e) => e.path.endsWith('.nii.gz')).reduce((a, e) => a + e.size, 0);
      rows.push({ measure: 'indexBids', value: median(indexTimes), unit: 'ms', detail: `${index.images.length} images + ${volumes.length - index.images.length} labels, median of ${REPS}` });
      rows.push({ measure: 'indexBids per volume', value: median(indexTimes) / volumes.length, unit: 'ms', detail: 'header + gzip trailer + sidecars' });

      // read every volume: whole-file read + gunzip + decode to float32
      const buffers = await Promise.all(volumes.map((p) => source.read(p)));
      let decodedBytes = 0;
      for (const [i, b] of buffers.entries()) decodedBytes += readNifti(b, volumes[i]).data.byteLength;
      const syncTimes: number[] = [], asyncTimes: number[] = [], defaultAsyncTimes: number[] = [], e2eTimes: number[] = [];
      for (let r = 0; r < REPS; r++) {
        t0 = performance.now();
        for (const [i, b] of buffers.entries()) readNifti(b, volumes[i]);
        syncTimes.push(performance.now() - t0);
        t0 = performance.now();
        for (const [i, b] of buffers.entries()) await readNiftiAsync(b, volumes[i], { syncBelowBytes: 0 });
        asyncTimes.push(performance.now() - t0);
        t0 = performance.now();
        for (const [i, b] of buffers.entries()) await readNiftiAsync(b, volumes[i]);
        defaultAsyncTimes.push(performance.now() - t0);
        t0 = performance.now();
        for (const p of volumes) readNifti(await source.read(p), p);
        e2eTimes.push(performance.now() - t0);
      }
      const mbps = (ms: number) => decodedBytes / 1e6 / (ms / 1000);
      rows.push({ measure: 'load, sync (fflate)', value: mbps(median(syncTimes)), unit: 'MB/s', detail: `${(decodedBytes / 1e6).toFixed(1)} MB decoded from ${(onDisk / 1e6).toFixed(1)} MB gz, ${volumes.length} volumes` });
      rows.push({ measure: 'load, async (DecompressionStream forced)', value: mbps(median(asyncTimes)), unit: 'MB/s', detail: 'same volumes, one at a time (readNiftiAsync inflates files < 256 kB synchronously by default)' });
      rows.push({ measure: 'load, async (default)', value: mbps(median(defaultAsyncTimes)), unit: 'MB/s', detail: 'small files inflated synchronously' });
      rows.push({ measure: 'load from disk, sync', value: mbps(median(e2eTimes)), unit: 'MB/s', detail: 'fs read + gunzip + decode' });

      if (hasIvadomedTestData) {
        const real = ['T1w', 'T2w', 'T2star'].map((c) => readFileSync(testDataPath(`sub-unf01/anat/sub-unf01_${c}.nii.gz`)));
        let bytes = 0;
        for (const b of real) bytes += readNifti(b).data.byteLength;
        const times: number[] = [];
        for (let r = 0; r < REPS; r++) {
          t0 = performance.now();
          for (const b of real) readNifti(b);
          times.push(performance.now() - t0);
        }
        rows.push({ measure: 'load sub-unf01 (real MRI), sync', value: bytes / 1e6 / (median(times) / 1000), unit: 'MB/s', detail: `3 x 131x141x16 float32, ${(bytes / 1e6).toFixed(1)} MB` });
        const atimes: number[] = [];
        for (let r = 0; r < REPS; r++) {
          t0 = performance.now();
          for (const b of real) await readNiftiAsync(b);
          atimes.push(performance.now() - t0);
        }
        rows.push({ measure: 'load sub-unf01 (real MRI), async', value: bytes / 1e6 / (median(atimes) / 1000), unit: 'MB/s', detail: 'DecompressionStream' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    console.log(`\nData layer, ${SUBJECTS} subjects (Node ${process.version}, ${process.platform}/${process.arch})`);
    console.table(rows.map((r) => ({ measure: r.measure, value: Number(r.value.toFixed(r.unit === 'MB/s' || r.unit === 'ms' ? 1 : 2)), unit: r.unit, detail: r.detail })));
    mkdirSync('bench-results', { recursive: true });
    writeFileSync('bench-results/data.json', JSON.stringify({ date: new Date().toISOString(), node: process.version, subjects: SUBJECTS, shape: SHAPE, reps: REPS, results: rows }, null, 2));
  });
});
