/**
 * ivadomed's HeMISUnet (INVENTORY §b.3): one U-Net encoder per contrast, the per-level features of
 * the contrasts available for each sample fused into [mean, variance] (so channels double), one
 * shared decoder built with hemis=true. Parameter names follow ivadomed:
 * "Encoder_mod.Encoder_T1w.down_path.0.conv1.weight", "decoder.up_path.0.downconv.conv1.weight".
 * Also the historic missing-modality curriculum helpers (§g.6), which the trainer wires in.
 *
 * Differences from ivadomed, on purpose:
 * - With a single available contrast the variance is 0 (ivadomed's unbiased Tensor.var gives NaN,
 *   which then poisons the whole output). With two or more it is the unbiased variance, as ivadomed.
 * - A sample with no available contrast is an Error (ivadomed takes the mean of nothing: NaN).
 */
import { concat, mul, slice, square, stack, sub, sum, tensor, type Tensor } from '../../engine/index';
import { formatShape, shapesEqual } from '../../engine/shape';
import { Module } from '../module';
import { Decoder, Encoder } from './unet';

/** nn.ModuleDict: children under their keys (so state-dict names read "<dict>.<key>.<param>"). */
class ModuleDict<M extends Module> extends Module {
  private readonly entries = new Map<string, M>();

  constructor(entries: Array<[string, M]>) {
    super();
    for (const [key, m] of entries) this.entries.set(key, this.child(key, m));
  }

  get(key: string): M {
    const m = this.entries.get(key);
    if (!m) throw new Error(`ModuleDict: no entry '${key}' (have ${[...this.entries.keys()].join(', ')})`);
    return m;
  }
}

function checkIndexes(indexesMod: ReadonlyArray<ReadonlyArray<boolean>>, nSamples: number, nContrasts: number, who: string): number[] {
  if (indexesMod.length !== nSamples) {
    throw new Error(`${who}: indexesMod must have one row per sample (${nSamples}), got ${indexesMod.length} rows`);
  }
  return indexesMod.map((row, i) => {
    if (row.length !== nContrasts) throw new Error(`${who}: indexesMod[${i}] must have one flag per contrast (${nContrasts}), got ${row.length}`);
    const n = row.filter(Boolean).length;
    if (n === 0) throw new Error(`${who}: sample ${i} has no available contrast (indexesMod[${i}] is all false); at least one is needed`);
    return n;
  });
}

/**
 * HeMIS abstraction layer: features[k] is contrast k's feature map [N, C, ...spatial] (all the same
 * shape); indexesMod[i][k] says whether contrast k is available for sample i. Returns
 * [N, 2C, ...spatial] = cat([mean over available contrasts, variance over available contrasts], 1)
 * per sample. Variance: unbiased (divide by n - 1) for n >= 2 available contrasts, 0 for n = 1.
 * Unavailable contrasts are masked out (multiplied by 0), so they get no gradient; their features
 * must be finite (they are: encoder outputs).
 */
export function fuseModalities(features: readonly Tensor[], indexesMod: ReadonlyArray<ReadonlyArray<boolean>>): Tensor {
  if (features.length === 0) throw new Error('fuseModalities: needs the features of at least one contrast');
  const shape = features[0].shape;
  features.forEach((f, k) => {
    if (!shapesEqual(f.shape, shape)) throw new Error(`fuseModalities: contrast ${k} features are ${formatShape(f.shape)} but contrast 0's are ${formatShape(shape)}`);
  });
  if (shape.length < 2) throw new Error(`fuseModalities: features must be [N, C, ...], got ${formatShape(shape)}`);
  const nContrasts = features.length;
  const nSamples = shape[0];
  const counts = checkIndexes(indexesMod, nSamples, nContrasts, 'fuseModalities');

  const ref = { backend: features[0].backend.name, dtype: features[0].dtype };
  const ones = shape.slice(1).map(() => 1);
  const mask = tensor(
    Float32Array.from({ length: nContrasts * nSamples }, (_, j) => (indexesMod[j % nSamples][Math.floor(j / nSamples)] ? 1 : 0)),
    [nContrasts, nSamples, ...ones],
    ref,
  );
  const meanScale = tensor(Float32Array.from(counts, (n) => 1 / n), [nSamples, ...ones], ref);
  const varScale = tensor(Float32Array.from(counts, (n) => 1 / Math.max(n - 1, 1)), [nSamples, ...ones], ref);
  const stacked = stack(features, 0); // [K, N, C, ...]
  const avg = mul(sum(mul(stacked, mask), 0), meanScale);
  // With one available contrast its deviation from the mean is exactly 0, so the variance is 0.
  const deviation = mul(sub(stacked, avg), mask);
  const variance = mul(sum(square(deviation), 0), varScale);
  return concat([avg, variance], 1);
}

export interface HeMISUnetOptions {
  /** Contrast names, in the order of the input channels / list (e.g. ['T1w', 'T2w']). */
  contrasts: readonly string[];
  outChannel?: number;
  depth?: number;
  dropoutRate?: number;
  bnMomentum?: number;
  /** ivadomed fixes 64; smaller values are for tests. */
  nFilters?: number;
}

/**
 * ivadomed's HeMISUnet (2D). forward(x, indexesMod): x is either one tensor [N, nContrasts, H, W]
 * (channel k = contrast k, as our multichannel loader produces) or ivadomed's list of per-contrast
 * tensors [N, 1, H, W]; indexesMod [N][nContrasts] flags the contrasts available per sample.
 * Every encoder runs on its input (missing contrasts are expected to be zero images, as ivadomed's
 * loader made them), then fuseModalities drops them per sample.
 */
export class HeMISUnet extends Module {
  readonly Encoder_mod: ModuleDict<Encoder>;
  readonly decoder: Decoder;
  readonly contrasts: readonly string[];
  readonly depth: number;

  constructor(o: HeMISUnetOptions) {
    super();
    const contrasts = (this.contrasts = [...(o.contrasts ?? [])]);
    if (contrasts.length === 0) throw new Error('HeMISUnet: contrasts must list at least one contrast name');
    const bad = contrasts.find((c) => !c || c.includes('.'));
    if (bad !== undefined) throw new Error(`HeMISUnet: contrast name '${bad}' cannot be used in parameter names (empty or contains '.')`);
    const dup = contrasts.find((c, i) => contrasts.indexOf(c) !== i);
    if (dup !== undefined) throw new Error(`HeMISUnet: contrast '${dup}' is listed twice`);
    this.depth = o.depth ?? 3;
    const block = { depth: this.depth, dropoutRate: o.dropoutRate ?? 0.3, bnMomentum: o.bnMomentum ?? 0.1, nFilters: o.nFilters ?? 64 };
    this.Encoder_mod = this.child(
      'Encoder_mod',
      new ModuleDict(contrasts.map((c) => [`Encoder_${c}`, new Encoder({ ...block, inChannel: 1 })] as [string, Encoder])),
    );
    this.decoder = this.child('decoder', new Decoder({ ...block, outChannel: o.outChannel ?? 1, hemis: true }));
  }

  /** The encoder of one contrast. */
  encoder(contrast: string): Encoder {
    return this.Encoder_mod.get(`Encoder_${contrast}`);
  }

  forward(x: Tensor | readonly Tensor[], indexesMod: ReadonlyArray<ReadonlyArray<boolean>>): Tensor {
    const k = this.contrasts.length;
    const perContrast = this.splitInput(x);
    checkIndexes(indexesMod, perContrast[0].shape[0], k, 'HeMISUnet');
    const features = this.contrasts.map((c, i) => this.encoder(c).forward(perContrast[i]));
    const fused = Array.from({ length: this.depth + 1 }, (_, level) => fuseModalities(features.map((f) => f[level]), indexesMod));
    return this.decoder.forward(fused);
  }

  private splitInput(x: Tensor | readonly Tensor[]): Tensor[] {
    const k = this.contrasts.length;
    const expected = `[N, ${k}, H, W] or a list of ${k} tensors [N, 1, H, W] (contrasts ${this.contrasts.join(', ')})`;
    if (!Array.isArray(x)) {
      const t = x as Tensor;
      if (t.rank !== 4 || t.shape[1] !== k) throw new Error(`HeMISUnet: input must be ${expected}, got ${formatShape(t.shape)}`);
      return Array.from({ length: k }, (_, i) => slice(t, [null, [i, i + 1]]));
    }
    const list = x as readonly Tensor[];
    if (list.length !== k) throw new Error(`HeMISUnet: input must be ${expected}, got a list of ${list.length}`);
    list.forEach((t, i) => {
      if (t.rank !== 4 || t.shape[1] !== 1 || !shapesEqual(t.shape, list[0].shape)) {
        throw new Error(`HeMISUnet: input must be ${expected}; contrast ${i} (${this.contrasts[i]}) is ${formatShape(t.shape)}`);
      }
    });
    return [...list];
  }
}

/**
 * The historic HeMIS curriculum (§g.6, ivadomed's HDF5Dataset.update): each contrast of each
 * sample is missing with probability p; a sample with every contrast missing gets one of its first
 * two contrasts back (the first when there is only one contrast; ivadomed would index out of range).
 * rng() returns uniform numbers in [0, 1). Result [nSamples][nContrasts], true = available.
 */
export function missingModalityMask(nSamples: number, nContrasts: number, p: number, rng: () => number): boolean[][] {
  if (!(p >= 0 && p <= 1)) throw new Error(`missingModalityMask: missing probability must be in [0, 1], got ${p}`);
  if (!(Number.isInteger(nContrasts) && nContrasts >= 1)) throw new Error(`missingModalityMask: nContrasts must be an integer >= 1, got ${nContrasts}`);
  if (!(Number.isInteger(nSamples) && nSamples >= 0)) throw new Error(`missingModalityMask: nSamples must be an integer >= 0, got ${nSamples}`);
  return Array.from({ length: nSamples }, () => {
    const row = Array.from({ length: nContrasts }, () => rng() >= p);
    if (!row.some(Boolean)) row[Math.min(Math.floor(rng() * 2), nContrasts - 1)] = true;
    return row;
  });
}

/**
 * Missing probability for the next epoch: p ** growth (ivadomed: missing_probability **
 * missing_probability_growth). With p in (0, 1) and growth < 1 it rises towards 1.
 */
export function nextMissingProbability(p: number, growth: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`nextMissingProbability: missing probability must be in [0, 1], got ${p}`);
  if (!(growth > 0)) throw new Error(`nextMissingProbability: missing_probability_growth must be > 0, got ${growth}`);
  return p ** growth;
}
