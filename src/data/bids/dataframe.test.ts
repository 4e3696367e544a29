/** bids_dataframe.csv: raw images with labels, then their derivatives; empty columns dropped; CSV quoting. */
import { describe, expect, it } from 'vitest';
import { createMemorySource } from '../sources/memory';
import { generateSyntheticDataset } from '../synthetic/generate';
import { bidsDataframeCsv, bidsDataframeRows } from './dataframe';
import { indexBids } from './indexer';

describe('bids_dataframe.csv', () => {
  it('lists every image that has a label, then each label, with sidecar and participant columns', async () => {
    const data = await generateSyntheticDataset({ subjects: 2 });
    // An image without any label is left out, as ivadomed keeps raw files with derivatives only.
    const src = createMemorySource('d', Object.fromEntries(data.files));
    src.files.set('sub-01/anat/sub-01_T2star.nii.gz', data.files.get('sub-01/anat/sub-01_T1w.nii.gz')!);
    const index = await indexBids(src);
    const rows = bidsDataframeRows(index);
    // 2 subjects x (T1w, T2w), each with seg-manual and lesion-manual.
    expect(rows.filter((r) => !r.derivative_of)).toHaveLength(4);
    expect(rows.filter((r) => r.derivative_of)).toHaveLength(8);
    expect(rows.some((r) => String(r.filename).includes('T2star'))).toBe(false);
    const label = rows.find((r) => r.path === 'derivatives/labels/sub-02/anat/sub-02_T2w_seg-manual.nii.gz')!;
    expect(label).toMatchObject({ subject: '02', derivative_of: 'sub-02/anat/sub-02_T2w.nii.gz', label_suffix: '_seg-manual', filename: 'sub-02_T2w_seg-manual.nii.gz' });

    const csv = bidsDataframeCsv(index).trim().split('\n');
    expect(csv).toHaveLength(1 + 12);
    const header = csv[0].split(',');
    expect(header.slice(0, 6)).toEqual(['filename', 'path', 'subject', 'suffix', 'extension', 'datatype']);
    expect(header).toContain('Manufacturer');     // sidecar key
    expect(header).toContain('participant_id');   // participants.tsv column
    expect(header).toContain('derivative_of');
    expect(csv[1].startsWith('sub-01_T1w.nii.gz,sub-01/anat/sub-01_T1w.nii.gz,01,T1w,.nii.gz,anat')).toBe(true);
  });

  it('quotes cells with commas or quotes and drops columns empty in every row', async () => {
    const data = await generateSyntheticDataset({ subjects: 1 });
    const src = createMemorySource('d', Object.fromEntries(data.files));
    src.files.set('sub-01/anat/sub-01_T1w.json', new TextEncoder().encode(JSON.stringify({ SeriesDescription: 'T1, "sag"', EmptyKey: null })));
    const csv = bidsDataframeCsv(await indexBids(src));
    expect(csv).toContain('"T1, ""sag"""');
    expect(csv.split('\n')[0]).not.toContain('EmptyKey');
  });
});
