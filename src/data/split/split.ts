/**
 * ivadomed's dataset split (loader/utils.py: split_dataset, get_new_subject_file_split,
 * get_subdatasets_subject_files_list), reproduced with the same random streams (NumPy's
 * RandomState permutation inside sklearn's train_test_split; Python's random.sample for
 * subject_selection), so a seed gives the split ivadomed would give on the same table.
 */
import { MT19937, trainTestSplit } from './mt19937';

/** One row of the dataframe: an image file with its columns (participant_id, institution_id, ...). */
export interface SplitRow {
  filename: string;
  [column: string]: string | number | boolean | null | undefined;
}

export interface DataTesting {
  data_type?: string | null;
  data_value?: (string | number)[];
}

/** The split_dataset section of an ivadomed config (defaults as config_default.json). */
export interface SplitParams {
  fname_split?: string | null;
  random_seed?: number;
  split_method?: string;
  data_testing?: DataTesting;
  balance?: string | null;
  train_fraction?: number;
  test_fraction?: number;
}

/** loader_parameters.subject_selection. */
export interface SubjectSelection {
  n: number[];
  metadata: string[];
  value: (string | number)[];
}

export interface DatasetSplit {
  train: string[];
  valid: string[];
  test: string[];
}

export interface SplitOutcome extends DatasetSplit {
  /** Things ivadomed logs as warnings (missing column, unknown data_value, real fractions). */
  warnings: string[];
}

type Cell = SplitRow[string];

function isNull(v: Cell): boolean {
  return v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v)) || v === 'n/a' || v === 'NaN';
}

/** Values compare as pandas does after reading a TSV: "3" and 3 are the same value. */
function key(v: Cell): string {
  return String(v);
}

function unique(values: Cell[]): Cell[] {
  const seen = new Set<string>();
  const out: Cell[] = [];
  for (const v of values) if (!seen.has(key(v))) { seen.add(key(v)); out.push(v); }
  return out;
}

/** Python's sorted() on a column: numbers numerically, strings by code point. */
function pySorted(values: Cell[]): Cell[] {
  return values.slice().sort((a, b) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const x = String(a), y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function hasColumn(rows: SplitRow[], column: string): boolean {
  return rows.some((r) => column in r && !isNull(r[column]));
}

function uniqueFilenames(rows: SplitRow[]): string[] {
  return unique(rows.map((r) => r.filename)) as string[];
}

/** split_dataset: one table → train / valid / test filenames. */
export function splitDataset(
  rows: SplitRow[], splitMethod: string, dataTesting: DataTesting, seed: number, trainFrac = 0.8, testFrac = 0.1,
): SplitOutcome {
  const warnings: string[] = [];
  let dataType = dataTesting.data_type || splitMethod;
  let dataValue: Cell[] = (dataTesting.data_value ?? []).slice();
  if (!hasColumn(rows, splitMethod)) {
    throw new Error(`split_dataset.split_method "${splitMethod}" is not a column of the dataset (columns: ${Object.keys(rows[0] ?? {}).join(', ') || 'none'}). Use participant_id, sample_id or a participants.tsv column.`);
  }
  if (!hasColumn(rows, dataType)) {
    warnings.push(`No data_type named '${dataType}' was found in metadata. Not taken into account to split the dataset.`);
    dataType = splitMethod;
  }
  const df = rows.filter((r) => !isNull(r[splitMethod]));
  if (dataValue.length === 0 && testFrac !== 0) {
    const candidates = pySorted(unique(df.map((r) => r[dataType])));
    const frac = testFrac >= 1 / candidates.length ? testFrac : 1 / candidates.length;
    if (candidates.length < 2) {
      throw new Error(`Only ${candidates.length} distinct ${dataType} value(s): at least 2 are needed to hold out a test set (set split_dataset.test_fraction to 0, or add subjects).`);
    }
    // 1/n·n can fall a hair below 1 in floating point (n = 49); ivadomed would then fail inside sklearn
    [dataValue] = trainTestSplit(candidates, Math.min(frac + 1e-12, 1 - 1e-12), seed);
  }
  const valueKeys = new Set(dataValue.map(key));
  for (const v of dataValue) {
    if (!df.some((r) => key(r[dataType]) === key(v))) warnings.push(`No data_value '${String(v)}' was found in '${dataType}'. Not taken into account to split the dataset.`);
  }
  const inTest = (r: SplitRow): boolean => valueKeys.has(key(r[dataType]));
  const test = uniqueFilenames(df.filter(inTest));
  const remain = unique(df.filter((r) => !inTest(r)).map((r) => r[splitMethod]));
  const all = unique(df.map((r) => r[splitMethod]));
  if (remain.length === 0) throw new Error(`All ${all.length} ${splitMethod} values fall in the test set: nothing is left for training and validation (lower test_fraction or change data_testing).`);
  const trainFracUpdate = (trainFrac * all.length) / remain.length;
  if ((trainFracUpdate > 1 - 1 / remain.length && remain.length < 2) || trainFracUpdate > 1) {
    throw new Error(`${remain.length}/${all.length} '${splitMethod}' remaining for training and validation sets, train_fraction ${trainFrac} is too large, validation set would be empty.`);
  }
  if (trainFracUpdate >= 1) {
    throw new Error(`train_fraction ${trainFrac} leaves no ${splitMethod} for validation (${remain.length} remain after the test set): lower train_fraction or test_fraction.`);
  }
  const [trainIds, validIds] = trainTestSplit(remain, trainFracUpdate, seed);
  warnings.push(`After splitting: train, validation and test fractions are respectively ${round3(trainIds.length / all.length)}, ${round3(validIds.length / all.length)} and ${round3(1 - trainIds.length / all.length - validIds.length / all.length)} of ${splitMethod}.`);
  const testSet = new Set(test);
  const filesOf = (ids: Cell[]): string[] => {
    const k = new Set(ids.map(key));
    return uniqueFilenames(df.filter((r) => k.has(key(r[splitMethod])))).filter((f) => !testSet.has(f));
  };
  return { train: filesOf(trainIds), valid: filesOf(validIds), test, warnings };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** subject_selection: n participants drawn (Python random.sample, seeded) per (metadata, value). */
export function selectSubjects(rows: SplitRow[], selection: SubjectSelection | null | undefined, seed: number): SplitRow[] {
  if (!selection) return rows;
  const { n, metadata, value } = selection;
  if (!(n.length === metadata.length && metadata.length === value.length)) {
    throw new Error(`loader_parameters.subject_selection: n, metadata and value must have the same length (got ${n.length}, ${metadata.length}, ${value.length}).`);
  }
  if (n.length === 0) return rows;
  const rng = MT19937.python(seed);
  const out: SplitRow[] = [];
  metadata.forEach((m, i) => {
    const pool = unique(rows.filter((r) => key(r[m]) === key(value[i])).map((r) => r.participant_id));
    if (n[i] > pool.length) {
      throw new Error(`loader_parameters.subject_selection asks for ${n[i]} participants with ${m} = ${String(value[i])}, but only ${pool.length} exist.`);
    }
    for (const p of rng.sample(pool, n[i])) out.push(...rows.filter((r) => key(r.participant_id) === key(p)));
  });
  return out;
}

/** get_new_subject_file_split: subject selection, optional balance column, then split_dataset per category. */
export function newSubjectFileSplit(rows: SplitRow[], params: SplitParams, subjectSelection?: SubjectSelection | null): SplitOutcome {
  const seed = params.random_seed ?? 6;
  const splitMethod = params.split_method ?? 'participant_id';
  const trainFrac = params.train_fraction ?? 0.6;
  const testFrac = params.test_fraction ?? 0.2;
  checkFractions(trainFrac, testFrac);
  const df = selectSubjects(rows, subjectSelection, seed);
  const warnings: string[] = [];
  let parts: SplitRow[][] = [df];
  if (params.balance) {
    if (hasColumn(df, params.balance)) {
      const b = params.balance;
      parts = unique(df.filter((r) => !isNull(r[b])).map((r) => r[b])).map((v) => df.filter((r) => key(r[b]) === key(v)));
    } else {
      warnings.push(`No column named '${params.balance}' was found in 'participants.tsv' file. Not taken into account to split the dataset.`);
    }
  }
  const out: SplitOutcome = { train: [], valid: [], test: [], warnings };
  for (const part of parts) {
    const s = splitDataset(part, splitMethod, params.data_testing ?? { data_type: null, data_value: [] }, seed, trainFrac, testFrac);
    out.train.push(...s.train); out.valid.push(...s.valid); out.test.push(...s.test);
    warnings.push(...s.warnings);
  }
  return out;
}

function checkFractions(train: number, test: number): void {
  if (!(train > 0 && train < 1)) throw new Error(`split_dataset.train_fraction must lie in (0, 1), got ${train}.`);
  if (!(test >= 0 && test < 1)) throw new Error(`split_dataset.test_fraction must lie in [0, 1), got ${test}.`);
  if (train + test >= 1) throw new Error(`split_dataset.train_fraction (${train}) + test_fraction (${test}) must be below 1: the rest is the validation set.`);
}

/**
 * A previously saved split (fname_split) mapped onto the current rows. Lists of participant ids
 * (old ivadomed files) are expanded to their filenames, sorted, as ivadomed does.
 */
export function applySavedSplit(saved: DatasetSplit, rows: SplitRow[]): DatasetSplit {
  const files = new Set(rows.map((r) => r.filename));
  const resolve = (list: string[]): string[] => {
    if (list.some((f) => files.has(f))) return list.slice();
    const ids = new Set(list);
    return rows.filter((r) => ids.has(String(r.participant_id))).map((r) => r.filename).sort();
  };
  return { train: resolve(saved.train), valid: resolve(saved.valid), test: resolve(saved.test) };
}

/** The split file as JSON ({train, valid, test}; ivadomed writes the same dict with joblib). */
export function serializeSplit(split: DatasetSplit): string {
  return JSON.stringify({ train: split.train, valid: split.valid, test: split.test }, null, 2);
}

export function parseSplit(text: string, name = 'split file'): DatasetSplit {
  let obj: unknown;
  try { obj = JSON.parse(text); } catch (e) {
    throw new Error(`${name} is not JSON (${(e as Error).message}). ivadomed's .joblib split files must be converted: {"train": [...], "valid": [...], "test": [...]}.`);
  }
  const o = obj as Record<string, unknown>;
  for (const k of ['train', 'valid', 'test']) {
    if (!Array.isArray(o?.[k]) || !(o[k] as unknown[]).every((x) => typeof x === 'string')) {
      throw new Error(`${name}: "${k}" must be a list of filenames (or participant ids).`);
    }
  }
  return { train: o.train as string[], valid: o.valid as string[], test: o.test as string[] };
}

/**
 * get_subdatasets_subject_files_list: reuse a saved split when one is given, else make a new one.
 * `saved` is the parsed content of split_dataset.fname_split (reading the file is the caller's job).
 */
export function subjectFileSplit(rows: SplitRow[], params: SplitParams, options: { saved?: DatasetSplit | null; subjectSelection?: SubjectSelection | null } = {}): SplitOutcome {
  if (options.saved) return { ...applySavedSplit(options.saved, rows), warnings: [] };
  return newSubjectFileSplit(rows, params, options.subjectSelection);
}
