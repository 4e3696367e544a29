import { describe, expect, it } from 'vitest';
import { MT19937, applySavedSplit, newSubjectFileSplit, parseSplit, selectSubjects, serializeSplit, splitDataset, subjectFileSplit, trainTestSplit, type SplitRow } from './index';

// Reference values below come from NumPy 2.4 / CPython 3 (RandomState(seed).permutation, random.sample)
describe('MT19937 streams', () => {
  it('matches NumPy RandomState(seed) and its permutation', () => {
    expect(MT19937.numpy(0).nextUint32()).toBe(2357136044);
    expect(MT19937.numpy(0).permutation(10)).toEqual([2, 8, 4, 9, 1, 6, 7, 3, 0, 5]);
    expect(MT19937.numpy(6).permutation(7)).toEqual([4, 5, 6, 0, 3, 1, 2]);
    expect(MT19937.numpy(6).permutation(25)).toEqual([22, 7, 5, 6, 8, 2, 0, 12, 4, 19, 17, 18, 11, 1, 23, 14, 16, 21, 15, 13, 24, 20, 3, 9, 10]);
  });

  it('matches Python random.seed(seed); random.sample(...)', () => {
    const r = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(MT19937.python(6).sample(r(30), 5)).toEqual([25, 18, 26, 2, 15]);
    expect(MT19937.python(6).sample(r(100), 10)).toEqual([73, 10, 62, 97, 33, 4, 0, 18, 84, 75]);
    expect(MT19937.python(12345678901).sample(r(8), 3)).toEqual([5, 6, 3]);
  });

  it('train_test_split: floor(f·n) training items from the permutation tail', () => {
    const [train, test] = trainTestSplit(['a', 'b', 'c', 'd', 'e'], 0.2, 6);
    expect(train).toEqual(['c']);
    expect(test.length).toBe(4);
    expect(() => trainTestSplit(['a', 'b'], 0.3, 1)).toThrow(/would be empty/);
  });
});

function participants(n: number, centers = 5, classes = 3): SplitRow[] {
  return Array.from({ length: n }, (_, i) => ({
    filename: `sub-${String(i).padStart(3, '0')}_T2w.nii.gz`,
    participant_id: `sub-${String(i).padStart(3, '0')}`,
    institution_id: `c${i % centers}`,
    disability: `d${i % classes}`,
  }));
}

describe('split_dataset', () => {
  it('per participant: 60/20/20 of 200, disjoint, same as ivadomed for seed 6', () => {
    const s = splitDataset(participants(200), 'participant_id', { data_type: null, data_value: [] }, 6, 0.6, 0.2);
    expect([s.train.length, s.valid.length, s.test.length]).toEqual([120, 40, 40]);
    // filenames come back in table order (pandas isin), the held-out ids from the seeded permutation
    expect(s.test).toEqual(expect.arrayContaining(['sub-179', 'sub-057', 'sub-043', 'sub-028', 'sub-124'].map((p) => `${p}_T2w.nii.gz`)));
    expect(s.test.slice(0, 5)).toEqual(['sub-001', 'sub-008', 'sub-015', 'sub-025', 'sub-026'].map((p) => `${p}_T2w.nii.gz`));
    expect(s.train).toEqual(expect.arrayContaining(['sub-115', 'sub-122', 'sub-177'].map((p) => `${p}_T2w.nii.gz`)));
    expect(s.test).not.toContain('sub-177_T2w.nii.gz');
    expect(s.valid).toEqual(expect.arrayContaining(['sub-007', 'sub-003', 'sub-155'].map((p) => `${p}_T2w.nii.gz`)));
    const all = new Set([...s.train, ...s.valid, ...s.test]);
    expect(all.size).toBe(200);
  });

  it('per center: one whole institution held out (random), or the named ones', () => {
    const rows = participants(200);
    const s = splitDataset(rows, 'participant_id', { data_type: 'institution_id', data_value: [] }, 6, 0.6, 0.2);
    const center = (f: string): string => String(rows.find((r) => r.filename === f)?.institution_id);
    expect(new Set(s.test.map(center))).toEqual(new Set(['c2']));
    expect(s.test.length).toBe(40);
    expect(s.train.some((f) => center(f) === 'c2')).toBe(false);
    // train fraction of the whole: 0.6 · 200 / 160 of the remaining participants
    expect(s.train.length).toBe(120);
    const named = splitDataset(rows, 'participant_id', { data_type: 'institution_id', data_value: ['c0', 'c4'] }, 6, 0.5, 0.2);
    expect(new Set(named.test.map(center))).toEqual(new Set(['c0', 'c4']));
    expect(named.train.length).toBe(100);
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = splitDataset(participants(50), 'participant_id', {}, 3, 0.6, 0.2);
    const b = splitDataset(participants(50), 'participant_id', {}, 3, 0.6, 0.2);
    const c = splitDataset(participants(50), 'participant_id', {}, 4, 0.6, 0.2);
    expect(a.train).toEqual(b.train);
    expect(a.test).not.toEqual(c.test);
  });

  it('explains failures: unknown column, too few subjects, fractions', () => {
    expect(() => splitDataset(participants(10), 'sample_id', {}, 1)).toThrow(/split_method "sample_id" is not a column/);
    expect(() => splitDataset(participants(1), 'participant_id', {}, 1, 0.6, 0.2)).toThrow(/at least 2 are needed/);
    expect(() => splitDataset(participants(3), 'participant_id', {}, 1, 0.9, 0.2)).toThrow(/train_fraction 0.9 is too large, validation set would be empty/);
    expect(() => newSubjectFileSplit(participants(10), { train_fraction: 0.8, test_fraction: 0.3 })).toThrow(/must be below 1/);
    const w = splitDataset(participants(20), 'participant_id', { data_type: 'site', data_value: [] }, 1, 0.6, 0.2);
    expect(w.warnings[0]).toMatch(/No data_type named 'site'/);
  });

  it('balance: each category split on its own, so each keeps the fractions', () => {
    const rows = participants(90, 5, 3);
    const s = newSubjectFileSplit(rows, { balance: 'disability', train_fraction: 0.6, test_fraction: 0.2, random_seed: 6 });
    const cls = (f: string): string => String(rows.find((r) => r.filename === f)?.disability);
    for (const d of ['d0', 'd1', 'd2']) {
      expect(s.train.filter((f) => cls(f) === d).length).toBe(18);
      expect(s.test.filter((f) => cls(f) === d).length).toBe(6);
    }
  });

  it('subject_selection draws n participants per value as Python random.sample', () => {
    const rows = participants(30);
    const picked = selectSubjects(rows, { n: [5], metadata: ['disability'], value: ['d0'] }, 6);
    const pool = rows.filter((r) => r.disability === 'd0').map((r) => r.participant_id);
    const expected = MT19937.python(6).sample(pool, 5);
    expect(picked.map((r) => r.participant_id)).toEqual(expected);
    expect(() => selectSubjects(rows, { n: [50], metadata: ['disability'], value: ['d0'] }, 6)).toThrow(/asks for 50 participants with disability = d0, but only 10 exist/);
  });

  it('saves and reloads a split as JSON; participant-id lists are expanded', () => {
    const rows = participants(20);
    const s = subjectFileSplit(rows, { random_seed: 2 });
    const back = subjectFileSplit(rows, {}, { saved: parseSplit(serializeSplit(s)) });
    expect(back.train).toEqual(s.train);
    expect(back.test).toEqual(s.test);
    const old = applySavedSplit({ train: ['sub-001', 'sub-000'], valid: ['sub-002'], test: ['sub-003'] }, rows);
    expect(old.train).toEqual(['sub-000_T2w.nii.gz', 'sub-001_T2w.nii.gz']);
    expect(() => parseSplit('{"train": []}', 'split.json')).toThrow(/split.json: "valid" must be a list/);
  });
});
