/**
 * Loading an indexed image or label as a Volume (the voxels, on demand): NIfTI with the async reader,
 * PNG/TIFF with ivadomed's conversion and the sidecar's PixelSize.
 */
import type { FileSource } from '../sources/source';
import { readNiftiAsync } from '../nifti/read';
import { readImage2D } from '../images/convert';
import type { Volume } from '../volume';
import { writeNifti, type WriteNiftiOptions } from '../nifti/write';
import type { BidsImage, BidsLabel } from './indexer';

export async function loadVolume(source: FileSource, item: BidsImage | BidsLabel, options: { isLabel?: boolean; sidecar?: Record<string, unknown> } = {}): Promise<Volume> {
  const bytes = await source.read(item.path);
  if (item.format === 'nifti') return readNiftiAsync(bytes, item.path);
  const isLabel = options.isLabel ?? !('labels' in item);
  // labels carry no PixelSize of their own in ivadomed datasets: their image's pixel size (item.spacing) is used
  const sidecar = options.sidecar ?? item.sidecar;
  return readImage2D(new Uint8Array(bytes), { name: item.path, sidecar, isLabel, defaultPixelSizeMm: item.spacing });
}

/**
 * Where a derivative of an image goes: derivatives/<pipeline>/<image folder>/<image stem><suffix><ext>,
 * e.g. (sub-01/anat/sub-01_T2w.nii.gz, "ivadomed-web", "_pred") -> derivatives/ivadomed-web/sub-01/anat/sub-01_T2w_pred.nii.gz.
 */
export function derivativePath(image: BidsImage, pipeline: string, suffix: string, extension = '.nii.gz'): string {
  if (!/^[A-Za-z0-9._-]+$/.test(pipeline)) throw new Error(`derivativePath: pipeline name "${pipeline}" must be a plain folder name (letters, digits, . _ -).`);
  const folder = image.path.split('/').slice(0, -1).join('/');
  return `derivatives/${pipeline}/${folder}/${image.stem}${suffix}${extension}`;
}

/**
 * Writes a volume (a prediction, soft map or uncertainty map on the image's grid) as a derivative of
 * `image` through a writable source, adding derivatives/<pipeline>/dataset_description.json when it is
 * missing (BIDS requires one per derivative dataset). Returns the path written.
 */
export async function saveDerivative(source: FileSource, image: BidsImage, volume: Volume, options: { pipeline: string; suffix: string } & WriteNiftiOptions): Promise<string> {
  if (!source.writable) throw new Error(`${image.path}: cannot save ${options.suffix}: "${source.name}" is read-only. Open the folder with write access or download the file instead.`);
  const path = derivativePath(image, options.pipeline, options.suffix);
  const description = `derivatives/${options.pipeline}/dataset_description.json`;
  const existing = await source.list();
  if (!existing.some((e) => e.path === description)) {
    await source.write(description, JSON.stringify({ Name: `${options.pipeline} outputs`, BIDSVersion: '1.8.0', DatasetType: 'derivative', GeneratedBy: [{ Name: 'ivadomed-web' }] }, null, 2) + '\n');
  }
  await source.write(path, writeNifti(volume, options));
  return path;
}
