/**
 * FiLM metadata: KDE bandwidth selection and density against direct (non log-space) computations,
 * density-minimum clustering, one-hot encoding, contrast / column mapping, JSON round trip, and the
 * sidecars of ivadomed-data-testing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasIvadomedTestData, testDataPath } from '../testdata';
import {
  FILM_BANDWIDTHS, FilmEncoder, FilmMetadataError, KdeClusterer, filmKdeGrid, filmProblems, gaussianLogDensity,
  kFoldSplits, kdeScoreSamples, linspace, localMinima, logspace, rawFilmValues, selectBandwidth, type FilmMetaSource,
} from './index';

const normalPdf = (x: number, mu: number, h: number): number => Math.exp(-0.5 * ((x - mu) / h) ** 2) / (h * Math.sqrt(2 * Math.PI));
/** log(mean_i N(x; x_i, h)) computed directly (underflows to -Infinity for tiny h, unlike the code). */
const directLogDensity = (train: number[], h: number, x: number): number =>
  Math.log(train.reduce((s, xi) => s + normalPdf(x, xi, h), 0) / train.length);

const mri = (file: string, FlipAngle: unknown, RepetitionTime: unknown, EchoTime: unknown, Manufacturer: unknown = 'Siemens'): FilmMetaSource =>
  ({ metadata: { filename: file, FlipAngle, RepetitionTime, EchoTime, Manufacturer }, contrasts: ['T2w'] });

describe('grids', () => {
  it('linspace / logspace follow numpy (endpoints exact)', () => {
    expect(Array.from(linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const fa = linspace(0, 360, 1000);
    expect(fa[999]).toBe(360);
    expect(fa[1]).toBeCloseTo(360 / 999, 12);
    const bw = logspace(-4, 1, 50);
    expect(bw[0]).toBe(0.0001);
    expect(bw[49]).toBe(10);
    expect(bw[1]).toBeCloseTo(Math.pow(10, -4 + 5 / 49), 15);
    expect(FILM_BANDWIDTHS.length).toBe(50);
  });
});

describe('kernel density', () => {
  it('log density = log(mean_i N(x; x_i, h)) at hand-worked points', () => {
    // train [0, 1], h = 1, x = 0: log(0.5 * (1 + e^-0.5) / sqrt(2 pi))
    expect(gaussianLogDensity([0, 1], 1, 0)).toBeCloseTo(Math.log(0.5 * (1 + Math.exp(-0.5)) / Math.sqrt(2 * Math.PI)), 12);
    // one point, h = 2, x = 3: log N(3; 0, 2) = -0.5*(1.5)^2 - log 2 - log sqrt(2 pi)
    expect(gaussianLogDensity([0], 2, 3)).toBeCloseTo(-1.125 - Math.log(2) - 0.5 * Math.log(2 * Math.PI), 12);
    const train = [1, 2.5, 4, 10];
    const xs = [0, 2, 3.3, 7, 12];
    const d = kdeScoreSamples(train, 0.7, xs);
    xs.forEach((x, j) => expect(d[j]).toBeCloseTo(directLogDensity(train, 0.7, x), 10));
  });

  it('stays finite where the direct formula underflows (tiny bandwidth, far point)', () => {
    const v = gaussianLogDensity([0, 1], 1e-4, 100);
    expect(Number.isFinite(v)).toBe(true);
    // dominated by the nearest centre: -0.5*(99/1e-4)^2 - log 2 - log 1e-4 - log sqrt(2 pi)
    expect(v / (-0.5 * (99 / 1e-4) ** 2 - Math.log(2) - Math.log(1e-4) - 0.5 * Math.log(2 * Math.PI))).toBeCloseTo(1, 12);
  });

  it('KFold without shuffle: contiguous folds, first n % k one longer', () => {
    expect(kFoldSplits(7, 5).map((s) => s.test)).toEqual([[0, 1], [2, 3], [4], [5], [6]]);
    expect(kFoldSplits(7, 5)[1].train).toEqual([0, 1, 4, 5, 6]);
    expect(kFoldSplits(10, 5).map((s) => s.test.length)).toEqual([2, 2, 2, 2, 2]);
    expect(() => kFoldSplits(3, 5)).toThrow(/cannot make 5 folds from 3/);
  });

  it('bandwidth = argmax of the mean held-out log-likelihood (direct computation, hand-listed folds)', () => {
    const values = [1, 1.5, 3, 4, 4.2, 8, 9];
    const folds = [[0, 1], [2, 3], [4], [5], [6]];
    const bandwidths = [0.05, 0.2, 0.5, 1, 1.5, 2, 3, 5];
    const mean = bandwidths.map((h) => folds.reduce((s, test) => {
      const train = values.filter((_, i) => !test.includes(i));
      return s + test.reduce((t, i) => t + directLogDensity(train, h, values[i]), 0);
    }, 0) / folds.length);
    const best = mean.indexOf(Math.max(...mean));
    const sel = selectBandwidth(values, bandwidths);
    expect(sel.method).toBe('kfold');
    expect(sel.bandwidth).toBe(bandwidths[best]);
    expect(sel.bestIndex).toBe(best);
    expect(best).toBeGreaterThan(0);
    expect(best).toBeLessThan(bandwidths.length - 1); // an interior optimum: the test can tell
    // where the direct formula does not underflow, the scores agree
    sel.meanScores.forEach((s, b) => (Number.isFinite(mean[b]) ? expect(s).toBeCloseTo(mean[b], 8) : expect(s).toBeLessThan(-100)));
    expect(mean.filter(Number.isFinite).length).toBeGreaterThan(5);
  });

  it('ties go to the first candidate; fewer values than folds -> leave-one-out; one value -> bandwidth 1', () => {
    // duplicates only: every held-out value has a twin in training, the likelihood grows as h shrinks
    expect(selectBandwidth([5, 5, 5, 5, 5, 5], [0.001, 0.01, 0.1]).bandwidth).toBe(0.001);
    // same bandwidth listed twice: equal scores, the first one is kept
    const tie = selectBandwidth([1, 2, 4, 7, 11], [0.01, 3, 3]);
    expect(tie.meanScores[1]).toBe(tie.meanScores[2]);
    expect(tie.bestIndex).toBe(1);
    const loo = selectBandwidth([1, 2, 6], [0.1, 1, 2, 4, 8]);
    expect(loo.method).toBe('leave-one-out');
    expect(loo.folds).toBe(3);
    const direct = [0.1, 1, 2, 4, 8].map((h) => [0, 1, 2].reduce((s, i) => s + directLogDensity([1, 2, 6].filter((_, j) => j !== i), h, [1, 2, 6][i]), 0) / 3);
    expect(loo.bandwidth).toBe([0.1, 1, 2, 4, 8][direct.indexOf(Math.max(...direct))]);
    const single = KdeClusterer.fit([42], filmKdeGrid('FlipAngle'));
    expect(single.bandwidth).toBe(1);
    expect(single.minima).toEqual([]);
    expect(single.predict(0)).toBe(0);
    expect(single.predict(359)).toBe(0);
  });
});

describe('clustering at density minima', () => {
  it('strict local minima only (ends and plateaus excluded)', () => {
    expect(localMinima([3, 1, 2, 0, 5])).toEqual([1, 3]);
    expect(localMinima([0, 1, 2])).toEqual([]);
    expect(localMinima([2, 1, 1, 2])).toEqual([]);
    expect(localMinima([5, 4, 5, 5, 3, 9])).toEqual([1, 4]);
  });

  it('bimodal flip angles 10,11,12 / 90,91,92 -> two categories, border near the middle', () => {
    const c = KdeClusterer.fit([10, 11, 12, 90, 91, 92], filmKdeGrid('FlipAngle'));
    expect(c.minima.length).toBe(1);
    // symmetric sample: the minimum is the grid point nearest 51 (grid step 360/999)
    expect(Math.abs(c.minima[0] - 51)).toBeLessThan(360 / 999 / 2 + 1e-9);
    expect([10, 11, 12].map((v) => c.predict(v))).toEqual([0, 0, 0]);
    expect([90, 91, 92, 300].map((v) => c.predict(v))).toEqual([1, 1, 1, 1]);
    expect(c.predict(c.minima[0] - 1e-9)).toBe(0);
    expect(c.predict(c.minima[0])).toBe(1); // value < border -> before it
    expect(c.categoryCount).toBe(2);
  });

  it('predict: first border above the value, else the number of borders', () => {
    const c = new KdeClusterer(1, [10, 20, 30]);
    expect([5, 10, 15, 25, 30, 99].map((v) => c.predict(v))).toEqual([0, 1, 1, 2, 3, 3]);
  });
});

describe('rawFilmValues', () => {
  it('mri_params: numbers, multi-echo averaged, Manufacturer string', () => {
    expect(rawFilmValues('mri_params', mri('a.nii.gz', 90, 2, 0.01, 'GE'))).toEqual([90, 2, 0.01, 'GE']);
    const multi = rawFilmValues('mri_params', mri('b.nii.gz', '10', 3, '0.01,0.02,0.03'));
    expect(multi[0]).toBe(10);
    expect(multi[2]).toBeCloseTo(0.02, 15);
    expect(rawFilmValues('mri_params', mri('c.nii.gz', 5, [1, 2], 0.1))[1]).toBe(1.5);
  });

  it('mri_params: a missing key names the key and the file', () => {
    const meta: FilmMetaSource = { metadata: { filename: 'sub-x_T1w.nii.gz', FlipAngle: 9, Manufacturer: 'Siemens' }, contrasts: ['T1w'] };
    let err: unknown;
    try { rawFilmValues('mri_params', meta); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FilmMetadataError);
    expect((err as FilmMetadataError).missing).toEqual(['RepetitionTime', 'EchoTime']);
    expect((err as Error).message).toMatch(/sub-x_T1w\.nii\.gz.*RepetitionTime, EchoTime/);
    expect(() => rawFilmValues('mri_params', mri('d.nii.gz', 'ninety', 2, 0.1))).toThrow(/d\.nii\.gz: sidecar FlipAngle = "ninety"/);
    const problems = filmProblems('mri_params', [mri('ok.nii.gz', 9, 2, 0.1), meta]);
    expect(problems.map((p) => [p.index, p.file])).toEqual([[1, 'sub-x_T1w.nii.gz']]);
  });

  it('contrasts: generic contrast index, acq variants mapped, unknown named', () => {
    const c = (contrast: string): FilmMetaSource => ({ metadata: { filename: 'f.nii.gz' }, contrasts: [contrast, 'T1w'] });
    expect(['T1w', 'T2w', 'T2star', 'acq-MToff_MTS', 'acq-MTon_MTS', 'acq-T1w_MTS'].map((x) => rawFilmValues('contrasts', c(x)))).toEqual([[0], [1], [2], [3], [4], [5]]);
    expect(rawFilmValues('contrasts', c('acq-sag_T2w'))).toEqual([1]);
    expect(rawFilmValues('contrasts', c('t2s'))).toEqual([2]);
    expect(() => rawFilmValues('contrasts', c('FLAIR'))).toThrow(/contrast "FLAIR".*T1w.*acq-T1w_MTS/);
    expect(() => rawFilmValues('contrasts', c('constructor'))).toThrow(/contrast "constructor"/);
  });

  it('column: stringified value, null for n/a, missing column named', () => {
    const m = (v: unknown): FilmMetaSource => ({ metadata: { filename: 'g.nii.gz', institution_id: v }, contrasts: ['T2w'] });
    expect(rawFilmValues('institution_id', m('A'))).toEqual(['A']);
    expect(rawFilmValues('institution_id', m(3))).toEqual(['3']);
    expect(rawFilmValues('institution_id', m(null))).toEqual([null]);
    expect(() => rawFilmValues('pathology', m('A'))).toThrow(/g\.nii\.gz: FiLM metadata column "pathology"/);
  });
});

describe('FilmEncoder', () => {
  it('mri_params: 4 categories per image, one-hot, unknown manufacturer -> -1 category', () => {
    const train = [
      mri('1', 10, 2, 0.01), mri('2', 11, 2, 0.01), mri('3', 12, 2, 0.01),
      mri('4', 90, 2, 0.01, 'Philips'), mri('5', 91, 2, 0.01, 'Philips'), mri('6', 92, 2, 0.01, 'Acme'),
    ];
    const enc = FilmEncoder.fit('mri_params', train);
    expect(enc.filmInput(train[0])).toEqual([0, 0, 0, 0]);
    expect(enc.filmInput(train[5])).toEqual([1, 0, 0, -1]);
    // FA {0,1}, RT {0}, ET {0}, Manufacturer {-1,0,1}
    expect(enc.categories).toEqual([[0, 1], [0], [0], [-1, 0, 1]]);
    expect(enc.nMetadata).toBe(7);
    expect(Array.from(enc.encode(train[3]))).toEqual([0, 1, 1, 1, 0, 0, 1]);
    expect(Array.from(enc.encode(train[5]))).toEqual([0, 1, 1, 1, 1, 0, 0]);
    // GE never seen in training -> zeros for the manufacturer feature
    expect(Array.from(enc.encode(mri('7', 11, 2, 0.01, 'GE')))).toEqual([1, 0, 1, 1, 0, 0, 0]);
    expect(() => FilmEncoder.fit('mri_params', [...train, { metadata: { filename: 'bad.nii.gz' }, contrasts: [] }])).toThrow(/1 training image\(s\).*bad\.nii\.gz/s);
  });

  it('contrasts: categories are the training contrasts; unseen contrast -> zeros', () => {
    const c = (contrast: string): FilmMetaSource => ({ metadata: {}, contrasts: [contrast] });
    const enc = FilmEncoder.fit('contrasts', [c('T2w'), c('T1w'), c('T2w'), c('acq-T1w_MTS')]);
    expect(enc.categories).toEqual([[0, 1, 5]]);
    expect(Array.from(enc.encode(c('T1w')))).toEqual([1, 0, 0]);
    expect(Array.from(enc.encode(c('acq-sag_T2w')))).toEqual([0, 1, 0]);
    expect(Array.from(enc.encode(c('acq-T1w_MTS')))).toEqual([0, 0, 1]);
    expect(Array.from(enc.encode(c('T2star')))).toEqual([0, 0, 0]);
  });

  it('participants column: sorted unique training values (numeric when all numbers), n/a left out', () => {
    const p = (v: unknown): FilmMetaSource => ({ metadata: { institution_id: v, age: v }, contrasts: ['T2w'] });
    const enc = FilmEncoder.fit('institution_id', [p('B'), p('A'), p(null), p('C'), p('A')]);
    expect(enc.metadataDict).toEqual({ A: 0, B: 1, C: 2 });
    expect(enc.nMetadata).toBe(3);
    expect(Array.from(enc.encode(p('C')))).toEqual([0, 0, 1]);
    expect(Array.from(enc.encode(p('Z')))).toEqual([0, 0, 0]);
    expect(Array.from(enc.encode(p(null)))).toEqual([0, 0, 0]);
    const ages = FilmEncoder.fit('age', [p('9'), p('10'), p('100')]);
    expect(ages.metadataDict).toEqual({ '9': 0, '10': 1, '100': 2 });
  });

  it('JSON round trip encodes the same vectors', () => {
    const train = [mri('1', 10, 2, 0.01), mri('2', 12, 0.5, 0.1, 'GE'), mri('3', 90, 0.5, 0.01), mri('4', 92, 2, 0.1, 'Philips'), mri('5', 11, 2, 0.01)];
    const enc = FilmEncoder.fit('mri_params', train);
    const back = FilmEncoder.fromJSON(JSON.parse(JSON.stringify(enc)));
    expect(back.nMetadata).toBe(enc.nMetadata);
    expect(back.toJSON()).toEqual(enc.toJSON());
    for (const m of [...train, mri('x', 300, 9, 5, 'Acme')]) expect(Array.from(back.encode(m))).toEqual(Array.from(enc.encode(m)));
    const col = FilmEncoder.fit('sex', [{ metadata: { sex: 'F' }, contrasts: [] }, { metadata: { sex: 'M' }, contrasts: [] }]);
    const colBack = FilmEncoder.fromJSON(JSON.parse(JSON.stringify(col)));
    expect(Array.from(colBack.encode({ metadata: { sex: 'M' }, contrasts: [] }))).toEqual([0, 1]);
    expect(() => FilmEncoder.fromJSON({ format: 'joblib' } as never)).toThrow(/not a saved FiLM encoder/);
  });
});

describe.skipIf(!hasIvadomedTestData)('ivadomed-data-testing sidecars', () => {
  const sidecar = (sub: string, contrast: string): FilmMetaSource => ({
    metadata: { filename: `${sub}_${contrast}.nii.gz`, ...JSON.parse(readFileSync(testDataPath(sub, 'anat', `${sub}_${contrast}.json`), 'utf8')) },
    contrasts: [contrast],
  });

  it('sub-unf01 T1w / T2w / T2star give numeric MRI parameters', () => {
    expect(rawFilmValues('mri_params', sidecar('sub-unf01', 'T1w'))).toEqual([9, 2, 0.00372, 'Siemens']);
    expect(rawFilmValues('mri_params', sidecar('sub-unf01', 'T2w'))).toEqual([120, 1.5, 0.12, 'Siemens']);
    expect(rawFilmValues('mri_params', sidecar('sub-unf01', 'T2star'))).toEqual([30, 0.6, 0.014, 'Siemens']);
  });

  it('fitted on all 9 images: duplicated values -> smallest bandwidth, borders at midpoints, 3+3+3+1 categories', () => {
    const metas = ['sub-unf01', 'sub-unf02', 'sub-unf03'].flatMap((s) => ['T1w', 'T2star', 'T2w'].map((c) => sidecar(s, c)));
    const enc = FilmEncoder.fit('mri_params', metas);
    const json = enc.toJSON();
    // every held-out value has a twin in training: the likelihood is best at the smallest bandwidth
    for (const k of ['FlipAngle', 'RepetitionTime', 'EchoTime'] as const) expect(json.clustering![k].bandwidth).toBe(1e-4);
    // at h = 1e-4 the log density is the max of parabolas: minima at the grid points nearest the midpoints
    const near = (key: 'FlipAngle' | 'RepetitionTime' | 'EchoTime', mid: number): number => {
      const g = filmKdeGrid(key);
      let best = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i] - mid) < Math.abs(g[best] - mid)) best = i;
      return g[best];
    };
    expect(json.clustering!.FlipAngle.minima).toEqual([near('FlipAngle', 19.5), near('FlipAngle', 75)]);
    expect(json.clustering!.RepetitionTime.minima).toEqual([near('RepetitionTime', 1.05), near('RepetitionTime', 1.75)]);
    expect(json.clustering!.EchoTime.minima).toEqual([near('EchoTime', (0.00372 + 0.014) / 2), near('EchoTime', 0.067)]);
    expect(enc.nMetadata).toBe(10);
    expect(enc.filmInput(metas[0])).toEqual([0, 2, 0, 0]); // T1w: FA 9, TR 2, TE 0.00372
    expect(enc.filmInput(metas[2])).toEqual([2, 1, 2, 0]); // T2w: FA 120, TR 1.5, TE 0.12
    expect(Array.from(enc.encode(metas[1]))).toEqual([0, 1, 0, 1, 0, 0, 0, 1, 0, 1]); // T2star: FA 30, TR 0.6, TE 0.014
  });
});
