/**
 * ivadomed's file selection on top of the index (BidsDataframe filters): contrasts (suffix "contains"),
 * target_suffix (label name ends with it; a list of lists = several raters per class), the ROI suffix,
 * extensions; keeps raw images that have at least one target label (and the ROI when asked).
 */
import type { BidsImage, BidsIndex, BidsLabel, BidsProblem } from './indexer';

export interface SelectOptions {
  /** contrast_params.contrast_lst; empty/absent = every contrast. Matched as ivadomed: suffix contains the name. */
  contrasts?: string[];
  /** loader_parameters.target_suffix: ["_seg-manual"] or [["_seg-manual-r1", "_seg-manual-r2"], ...] (multi-rater). */
  targetSuffix: (string | string[])[];
  /** roi_params.suffix (null/absent: none). */
  roiSuffix?: string | null;
  /** loader_parameters.extensions (default: .nii and .nii.gz, as ivadomed). */
  extensions?: string[];
}

export interface SelectedImage {
  image: BidsImage;
  /** Per class (target_suffix order), per rater: the label, or null when this class is missing (ivadomed: zeros). */
  targets: (BidsLabel | null)[][];
  roi: BidsLabel | null;
}

function labelFor(image: BidsImage, suffix: string): BidsLabel | null {
  // ivadomed: the derivative's name before the first '.' ends with the target suffix
  return image.labels.find((l) => l.suffix.endsWith(suffix)) ?? null;
}

export function selectImages(index: BidsIndex, options: SelectOptions): { selected: SelectedImage[]; problems: BidsProblem[] } {
  const problems: BidsProblem[] = [];
  const extensions = options.extensions?.length ? options.extensions : ['.nii', '.nii.gz'];
  const classes = options.targetSuffix.map((t) => (Array.isArray(t) ? t : [t]));
  if (classes.length === 0) throw new Error('target_suffix is empty: name at least one label suffix, e.g. ["_seg-manual"].');
  const contrasts = options.contrasts ?? [];
  const selected: SelectedImage[] = [];
  for (const image of index.images) {
    if (!extensions.includes(image.extension)) continue;
    const contrast = image.entities.acq ? `acq-${image.entities.acq}_${image.suffix}` : image.suffix;
    if (contrasts.length && !contrasts.some((c) => image.suffix.includes(c) || contrast === c)) continue;
    if (!image.header) continue; // unreadable: already reported by the indexer
    const targets = classes.map((raters) => raters.map((s) => labelFor(image, s)));
    const roi = options.roiSuffix ? labelFor(image, options.roiSuffix) : null;
    if (!targets.some((c) => c.some((l) => l !== null))) {
      problems.push({
        file: image.path, severity: 'warning',
        problem: `no label with target_suffix ${classes.flat().join(', ')}: image left out`,
        hint: `Add derivatives/labels/${image.path.split('/').slice(0, -1).join('/')}/${image.stem}${classes[0][0]}${image.extension}, or change target_suffix.`,
      });
      continue;
    }
    if (options.roiSuffix && !roi) {
      problems.push({ file: image.path, severity: 'warning', problem: `no ROI label ${options.roiSuffix}: image left out`, hint: 'Add the ROI derivative or remove roi_params.suffix.' });
      continue;
    }
    classes.forEach((raters, c) => raters.forEach((s, r) => {
      if (!targets[c][r]) {
        problems.push({ file: image.path, severity: 'warning', problem: `missing label ${s}: that class is all zeros for this image`, hint: `Add ${image.stem}${s}${image.extension} under derivatives/labels if the structure is present.` });
      }
    }));
    const unreadable = [...targets.flat(), roi].filter((l): l is BidsLabel => !!l && !l.header);
    if (unreadable.length) {
      problems.push({ file: unreadable[0].path, severity: 'error', problem: 'label unreadable: image left out', hint: 'Replace the label file with a complete copy.' });
      continue;
    }
    selected.push({ image, targets, roi });
  }
  if (selected.length === 0) {
    problems.push({ file: '', severity: 'error', problem: 'Derivatives not found: no image has a label with the requested target_suffix', hint: `Labels must sit under derivatives/ and be named <image stem>${classes[0][0]}<extension>; check contrast_lst, target_suffix and extensions.` });
  }
  return { selected, problems };
}
