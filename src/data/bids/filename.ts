/**
 * BIDS file names: "sub-01_ses-02_acq-x_run-1_T1w.nii.gz" -> entities {sub, ses, acq, run}, suffix
 * "T1w", extension ".nii.gz". Derivative labels append their own part after the source name
 * ("sub-01_T1w_seg-manual.nii.gz"): ivadomed matches them by the source file's stem, see labelSuffix.
 */

export interface ParsedName {
  /** File name without folders. */
  filename: string;
  /** Text before the first '.', as ivadomed uses it ("sub-01_T1w"). */
  stem: string;
  /** Everything from the first '.' (".nii.gz", ".png", ".json"). */
  extension: string;
  /** key -> value of each "key-value" part before the suffix, in order. */
  entities: Record<string, string>;
  /** The last '_' part when it has no '-' (the BIDS suffix / contrast), else ''. */
  suffix: string;
}

export function parseBidsName(pathOrName: string): ParsedName {
  const filename = pathOrName.split('/').pop() ?? pathOrName;
  const dot = filename.indexOf('.');
  const stem = dot < 0 ? filename : filename.slice(0, dot);
  const extension = dot < 0 ? '' : filename.slice(dot).toLowerCase();
  const parts = stem.split('_');
  const entities: Record<string, string> = {};
  let suffix = '';
  parts.forEach((part, i) => {
    const dash = part.indexOf('-');
    if (dash > 0) entities[part.slice(0, dash)] = part.slice(dash + 1);
    else if (i === parts.length - 1) suffix = part;
  });
  return { filename, stem, extension, entities, suffix };
}

export const NIFTI_EXTENSIONS = ['.nii', '.nii.gz'];
export const IMAGE_2D_EXTENSIONS = ['.png', '.tif', '.tiff', '.jpg', '.jpeg'];
/** OME-TIFF variants ivadomed lists but rejects (not implemented, ivadomed #739). */
export const OME_EXTENSIONS = ['.ome.tif', '.ome.tiff', '.ome.tf2', '.ome.tf8', '.ome.btf'];

export type ImageFormat = 'nifti' | 'png' | 'tiff' | 'jpeg';

export function imageFormatOf(extension: string): ImageFormat | null {
  if (extension === '.nii' || extension === '.nii.gz') return 'nifti';
  if (extension === '.png') return 'png';
  if (extension === '.tif' || extension === '.tiff') return 'tiff';
  if (extension === '.jpg' || extension === '.jpeg') return 'jpeg';
  return null;
}

/**
 * The label suffix of a derivative relative to its source image stem, ivadomed style:
 * ("sub-01_T1w", "sub-01_T1w_seg-manual") -> "_seg-manual"; null when it is not derived from it.
 * ivadomed tests "derivative name contains the source stem"; here the derivative stem must start with
 * the source stem followed by "_" (so "sub-1_T1w" never claims "sub-11_T1w_seg-manual").
 */
export function labelSuffix(sourceStem: string, derivativeStem: string): string | null {
  if (!derivativeStem.startsWith(sourceStem + '_')) return null;
  return derivativeStem.slice(sourceStem.length);
}

/** BIDS inheritance: a sidecar applies when its entities are a subset of the file's and the suffix matches. */
export function sidecarApplies(sidecar: ParsedName, file: ParsedName): boolean {
  if (sidecar.suffix !== file.suffix) return false;
  for (const [k, v] of Object.entries(sidecar.entities)) if (file.entities[k] !== v) return false;
  return true;
}
