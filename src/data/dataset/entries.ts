/**
 * Dataset entries from a BIDS index (the data-IO layer's indexBids + selectImages + loadVolume):
 * ivadomed's contrast selection, contrast balance, multichannel grouping, and the rows the split
 * works on.
 */
import { dataframeRow, selectImages, type BidsIndex, type BidsImage, type BidsLabel, type BidsProblem } from '../bids/index';
import { loadVolume } from '../bids/load';
import type { FileSource } from '../sources/source';
import type { SplitRow } from '../split/split';
import type { DatasetType } from '../transforms/types';
import type { DatasetEntry, FileRef, LoaderParams } from './types';

function contrastOf(image: BidsImage, contrasts: readonly string[]): string {
  const acq = image.entities.acq ? `acq-${image.entities.acq}_${image.suffix}` : image.suffix;
  return contrasts.find((c) => acq === c) ?? contrasts.find((c) => image.suffix.includes(c)) ?? image.suffix;
}

function fileRef(source: FileSource, item: BidsImage | BidsLabel, sidecar: Record<string, unknown>, isLabel: boolean): FileRef {
  return { path: item.path, load: () => loadVolume(source, item, { isLabel, sidecar }) };
}

/** The contrasts of a dataset type: training_validation for training/validation, testing for testing. */
export function contrastList(params: LoaderParams, datasetType: DatasetType): string[] {
  const cp = params.contrast_params ?? {};
  return (datasetType === 'testing' ? cp.testing : cp.training_validation) ?? [];
}

export interface EntriesResult {
  entries: DatasetEntry[];
  problems: BidsProblem[];
}

/**
 * One entry per selected image (single channel), or per subject with every contrast of
 * contrast_lst (multichannel: subjects missing a contrast are dropped, with a problem).
 */
export function entriesFromBids(source: FileSource, index: BidsIndex, params: LoaderParams, datasetType: DatasetType): EntriesResult {
  const contrasts = contrastList(params, datasetType);
  const { selected, problems } = selectImages(index, {
    contrasts, targetSuffix: params.target_suffix, roiSuffix: params.roi_params?.suffix ?? null, extensions: params.extensions,
  });
  selected.sort((a, b) => (a.image.filename < b.image.filename ? -1 : a.image.filename > b.image.filename ? 1 : 0));

  // contrast_params.balance: keep a file of contrast c while (count / total) <= fraction
  const balance = params.contrast_params?.balance ?? {};
  const totals: Record<string, number> = {};
  for (const c of Object.keys(balance)) totals[c] = selected.filter((s) => s.image.suffix.includes(c)).length;
  const counts: Record<string, number> = {};
  const kept = selected.filter((s) => {
    const c = contrastOf(s.image, contrasts);
    if (!(c in balance)) return true;
    counts[c] = (counts[c] ?? 0) + 1;
    return counts[c] / totals[c] <= balance[c];
  });

  const single = (s: (typeof kept)[number]): DatasetEntry => ({
    id: s.image.filename,
    filenames: [s.image.filename],
    subject: s.image.participantId,
    contrasts: [contrastOf(s.image, contrasts)],
    images: [fileRef(source, s.image, s.image.sidecar, false)],
    targets: s.targets.map((raters) => raters.map((l) => (l ? fileRef(source, l, s.image.sidecar, true) : null))),
    roi: s.roi ? fileRef(source, s.roi, s.image.sidecar, true) : null,
    metadata: { participant_id: s.image.participantId, ...dataframeRow(s.image) },
  });

  if (!params.multichannel) return { entries: kept.map(single), problems };

  if (contrasts.length === 0) throw new Error('loader_parameters.multichannel needs contrast_params.training_validation (and testing) to list the channels in order.');
  // ivadomed groups by filename.split('.')[0].split('_')[0]
  const groups = new Map<string, typeof kept>();
  for (const s of kept) {
    const subject = s.image.filename.split('.')[0].split('_')[0];
    const g = groups.get(subject) ?? [];
    g.push(s);
    groups.set(subject, g);
  }
  const entries: DatasetEntry[] = [];
  for (const [subject, files] of groups) {
    const byContrast = contrasts.map((c) => files.find((f) => contrastOf(f.image, contrasts) === c));
    const missing = contrasts.filter((_, i) => !byContrast[i]);
    if (missing.length) {
      problems.push({ file: files[0].image.path, severity: 'warning', problem: `multichannel: ${subject} lacks contrast(s) ${missing.join(', ')}: subject left out`, hint: 'Add the missing contrasts or remove them from contrast_params.' });
      continue;
    }
    const chans = byContrast as (typeof kept)[number][];
    const first = single(chans[0]);
    // per class and rater: the label of the first channel that has one
    const targets = first.targets.map((raters, c) => raters.map((_, r) => {
      const owner = chans.find((ch) => ch.targets[c][r]);
      return owner ? fileRef(source, owner.targets[c][r] as BidsLabel, owner.image.sidecar, true) : null;
    }));
    const roiOwner = chans.find((ch) => ch.roi);
    entries.push({
      ...first,
      filenames: chans.map((c) => c.image.filename),
      contrasts: [...contrasts],
      images: chans.map((c) => fileRef(source, c.image, c.image.sidecar, false)),
      targets,
      roi: roiOwner ? fileRef(source, roiOwner.roi as BidsLabel, roiOwner.image.sidecar, true) : null,
    });
  }
  return { entries, problems };
}

/** Rows for splitDataset: one per file, with participant_id and every column. */
export function splitRows(entries: readonly DatasetEntry[]): SplitRow[] {
  const rows: SplitRow[] = [];
  for (const e of entries) {
    for (const filename of e.filenames) {
      const row: SplitRow = { filename, participant_id: e.subject };
      for (const [k, v] of Object.entries(e.metadata)) {
        if (k === 'filename') continue;
        if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) row[k] = v as SplitRow[string];
      }
      rows.push(row);
    }
  }
  return rows;
}

/** The entries that belong to a split list (an entry is in when its first file is). */
export function entriesIn(entries: readonly DatasetEntry[], filenames: readonly string[]): DatasetEntry[] {
  const set = new Set(filenames);
  return entries.filter((e) => set.has(e.id));
}
