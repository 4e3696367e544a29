/**
 * Several datasets read as one (path_data lists several folders): files of each at their own paths,
 * participants.tsv rows merged, an image in two datasets refused with both named, BIDS indexing of
 * the merged view finding every subject.
 */
import { describe, expect, it } from 'vitest';
import { indexBids } from '../bids/indexer';
import { generateSyntheticDataset } from '../synthetic/generate';
import { createMemorySource } from './memory';
import { createMergedSource } from './merged';
import { readText } from './source';

/** The synthetic dataset with its subjects renamed sub-0N -> sub-1N (paths and participants.tsv). */
async function renamed(name: string, subjects: number) {
  const a = await generateSyntheticDataset({ subjects });
  const out = createMemorySource(name);
  for (const [path, bytes] of a.files) {
    const p = path.replace(/sub-0(\d)/g, 'sub-1$1');
    out.files.set(p, path === 'participants.tsv' ? new TextEncoder().encode(new TextDecoder().decode(bytes).replace(/sub-0(\d)/g, 'sub-1$1')) : bytes);
  }
  return out;
}

describe('createMergedSource', () => {
  it('lists both datasets, merges participants.tsv, reads each file from its dataset, and indexes every subject', async () => {
    const a = await generateSyntheticDataset({ subjects: 2 });
    const b = await renamed('site-b', 3);
    // A column only the second dataset has.
    b.files.set('participants.tsv', new TextEncoder().encode(new TextDecoder().decode(b.files.get('participants.tsv')!).replace(/\n/, '\tscanner_site\n').replace(/(sub-1\d[^\n]*)/g, '$1\tB')));
    const merged = createMergedSource([a, b]);
    expect(merged.name).toBe('synthetic-bids + site-b');
    expect(merged.writable).toBe(false);
    const paths = (await merged.list()).map((e) => e.path);
    expect(paths).toContain('sub-01/anat/sub-01_T1w.nii.gz');
    expect(paths).toContain('sub-13/anat/sub-13_T2w.nii.gz');
    expect(paths.filter((p) => p === 'dataset_description.json')).toHaveLength(1);
    expect(new Uint8Array(await merged.read('sub-12/anat/sub-12_T1w.nii.gz'))).toEqual(b.files.get('sub-12/anat/sub-12_T1w.nii.gz'));
    expect(new Uint8Array(await merged.readRange('sub-01/anat/sub-01_T1w.nii.gz', 0, 10))).toEqual(a.files.get('sub-01/anat/sub-01_T1w.nii.gz')!.subarray(0, 10));

    const tsv = (await readText(merged, 'participants.tsv')).trim().split('\n').map((l) => l.split('\t'));
    const header = tsv[0];
    expect(header[0]).toBe('participant_id');
    expect(header.at(-1)).toBe('scanner_site');
    expect(tsv.slice(1).map((r) => r[0])).toEqual(['sub-01', 'sub-02', 'sub-11', 'sub-12', 'sub-13']);
    expect(tsv[1].at(-1)).toBe('n/a');
    expect(tsv[3].at(-1)).toBe('B');
    const size = (await merged.list()).find((e) => e.path === 'participants.tsv')!.size;
    expect(size).toBe(new TextEncoder().encode(await readText(merged, 'participants.tsv')).length);

    const idx = await indexBids(merged);
    expect(idx.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(new Set(idx.images.map((i) => i.participantId))).toEqual(new Set(['sub-01', 'sub-02', 'sub-11', 'sub-12', 'sub-13']));
    expect(idx.images.find((i) => i.participantId === 'sub-12')!.columns.scanner_site).toBe('B');
    expect(idx.images.find((i) => i.participantId === 'sub-12')!.labels.length).toBeGreaterThan(0);
    await expect(merged.write('x', 'y')).rejects.toThrow(/read-only/);
    await expect(merged.read('sub-99/anat/x.nii.gz')).rejects.toThrow(/no such file/);
  });

  it('refuses an image present in two datasets, naming it and both datasets', async () => {
    const a = await generateSyntheticDataset({ subjects: 1 });
    const b = createMemorySource('copy', Object.fromEntries(a.files));
    await expect(createMergedSource([a, b]).list()).rejects.toThrow(/share image files: sub-01\/anat\/sub-01_T1w\.nii\.gz \(in synthetic-bids and copy\).*rename the subjects/);
  });

  it('one dataset is returned as is', async () => {
    const a = createMemorySource('only', { 'a.txt': 'x' });
    expect(createMergedSource([a])).toBe(a);
    expect(() => createMergedSource([])).toThrow(/no dataset/);
  });
});
