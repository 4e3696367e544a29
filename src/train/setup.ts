/**
 * From a resolved ivadomed config and a dataset folder to the training and validation datasets:
 * index the BIDS folder, build entries, split them (or reuse a saved split), and cut items as the
 * model needs them (2D slices, 2D patches with length_2D, or 3D patches with length_3D).
 */
import type { IvadomedConfig, ResolvedModelParams } from '../config/index';
import {
  Compose, SegmentationDataset, entriesFromBids, indexBids, parseSplit, splitRows, subjectFileSplit,
  type BidsIndex, type DatasetEntry, type DatasetMode, type DatasetSplit, type FileSource, type LoaderParams, type SubjectSelection,
} from '../data/index';

export interface PreparedData {
  index: BidsIndex;
  split: DatasetSplit;
  /** Warnings from indexing and splitting, for the log. */
  warnings: string[];
  train: SegmentationDataset;
  valid: SegmentationDataset;
  trainEntries: DatasetEntry[];
  validEntries: DatasetEntry[];
  mode: DatasetMode;
}

export interface SetupOptions {
  /** A split saved by an earlier run (JSON text); otherwise split_dataset decides. */
  savedSplit?: string | null;
  onProgress?: (stage: string, done: number, total: number) => void;
  cacheBytes?: number;
}

/** How the model consumes the data: ivadomed's choice between the 2D, 2D-patch and 3D loaders. */
export function datasetMode(model: ResolvedModelParams): DatasetMode {
  const p = model.params as { length_2D?: number[]; stride_2D?: number[]; length_3D?: number[]; stride_3D?: number[] };
  if (!model.is_2d) {
    if (!p.length_3D || !p.stride_3D) {
      throw new Error(`${model.name}: 3D models need length_3D and stride_3D (e.g. "length_3D": [128, 128, 16]) in default_model or the ${model.name} section.`);
    }
    return { kind: 'patches3d', length: p.length_3D as [number, number, number], stride: p.stride_3D as [number, number, number] };
  }
  if (p.length_2D && p.length_2D.length === 2) {
    const stride = (p.stride_2D && p.stride_2D.length === 2 ? p.stride_2D : p.length_2D) as [number, number];
    return { kind: 'patches2d', length: p.length_2D as [number, number], stride };
  }
  return { kind: 'slices' };
}

export function loaderParams(config: IvadomedConfig): LoaderParams {
  return config.loader_parameters as unknown as LoaderParams;
}

export async function prepareTrainingData(config: IvadomedConfig, model: ResolvedModelParams, source: FileSource, options: SetupOptions = {}): Promise<PreparedData> {
  const warnings: string[] = [];
  options.onProgress?.('indexing', 0, 1);
  const index = await indexBids(source, { onProgress: (p) => options.onProgress?.('indexing', p.done, p.total) });
  for (const p of index.problems) if (p.severity === 'error') warnings.push(`${p.file}: ${p.problem}`);
  const params = loaderParams(config);
  const { entries, problems } = entriesFromBids(source, index, params, 'training');
  for (const p of problems) warnings.push(`${p.file}: ${p.problem}`);
  if (entries.length === 0) {
    throw new Error(
      `No image of the dataset "${source.name}" matches the config: contrasts ${JSON.stringify(params.contrast_params?.training_validation ?? [])} with labels ${JSON.stringify(params.target_suffix)}. ` +
        'Check loader_parameters.contrast_params.training_validation and target_suffix against the file names.',
    );
  }
  const rows = splitRows(entries);
  const saved = options.savedSplit ? parseSplit(options.savedSplit) : null;
  const outcome = subjectFileSplit(rows, config.split_dataset, { saved, subjectSelection: config.loader_parameters.subject_selection as SubjectSelection });
  warnings.push(...outcome.warnings);
  const split: DatasetSplit = { train: outcome.train, valid: outcome.valid, test: outcome.test };
  const inSplit = (names: string[]) => {
    const set = new Set(names);
    return entries.filter((e) => set.has(e.id));
  };
  const trainEntries = inSplit(split.train);
  const validEntries = inSplit(split.valid);
  if (trainEntries.length === 0) throw new Error(`The split left no training image (train_fraction ${config.split_dataset.train_fraction} of ${entries.length} images). Raise train_fraction or add subjects.`);
  if (validEntries.length === 0) throw new Error(`The split left no validation image (${entries.length} images; train_fraction ${config.split_dataset.train_fraction}, test_fraction ${config.split_dataset.test_fraction}). Lower train_fraction or add subjects.`);
  const mode = datasetMode(model);
  const make = (list: DatasetEntry[], datasetType: 'training' | 'validation') =>
    new SegmentationDataset(list, params, {
      datasetType, mode, transforms: Compose.fromConfig(config.transformation as Record<string, unknown>, datasetType), cacheBytes: options.cacheBytes,
      onProgress: (done, total) => options.onProgress?.(`preparing ${datasetType}`, done, total),
    });
  const train = make(trainEntries, 'training');
  const valid = make(validEntries, 'validation');
  await train.prepare();
  await valid.prepare();
  if (train.length === 0) throw new Error('Every training slice/patch was filtered out (slice_filter_params / patch_filter_params): nothing to train on.');
  if (valid.length === 0) throw new Error('Every validation slice/patch was filtered out (slice_filter_params / patch_filter_params): nothing to validate on.');
  return { index, split, warnings, train, valid, trainEntries, validEntries, mode };
}
