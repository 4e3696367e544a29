/**
 * Where the transform preview gets its data: an image of the dataset opened in the Dataset tab (with
 * its label), or a subject of the synthetic sample generated in memory. Volumes are read once,
 * reoriented to RAS and turned into ivadomed's (H, W, D) arrays for the config's slice axis.
 */
import { readImage2D } from '../../data/images';
import { readNiftiAsync } from '../../data/nifti';
import { reorientToRAS, type SliceAxisName } from '../../data/orientation';
import type { FileSource } from '../../data/sources';
import { generateSubject } from '../../data/synthetic';
import { sliceOf, volumeToHWD, zoomsHWD } from '../../data/dataset/hwd';
import type { NdArray } from '../../data/transforms/ndarray';
import type { TransformSample } from '../../data/transforms/types';
import type { Volume } from '../../data/volume';
import type { DatasetImage } from '../dataset/types';

export interface PreviewVolume {
  /** [H, W, D] for the slice axis. */
  image: NdArray;
  label: NdArray | null;
  zooms: [number, number, number];
  name: string;
}

/** The synthetic sample's subjects and contrasts (as the Dataset tab's "Sample dataset"). */
export const SAMPLE_SUBJECTS = 6;
export const SAMPLE_CONTRASTS = ['T1w', 'T2w'] as const;

function toPreview(image: Volume, label: Volume | null, axis: SliceAxisName, name: string): PreviewVolume {
  const ras = reorientToRAS(image).volume;
  const lab = label ? reorientToRAS(label).volume : null;
  return { image: volumeToHWD(ras, axis), label: lab ? volumeToHWD(lab, axis) : null, zooms: zoomsHWD(ras, axis), name };
}

export function sampleVolume(subject: number, contrast: string, axis: SliceAxisName): PreviewVolume {
  const s = generateSubject(subject);
  const img = s.images[contrast];
  if (!img) throw new Error(`The sample has no ${contrast} image (it has ${Object.keys(s.images).join(', ')}).`);
  return toPreview(img, s.cord, axis, `${s.id} ${contrast} (sample)`);
}

async function readVolume(source: FileSource, path: string, format: DatasetImage['format'], sidecar: Record<string, unknown> | undefined, isLabel: boolean): Promise<Volume> {
  const bytes = await source.read(path);
  if (format === 'nifti' || /\.nii(\.gz)?$/i.test(path)) return readNiftiAsync(bytes, path);
  return readImage2D(bytes, { name: path, sidecar, isLabel, defaultPixelSizeMm: [1, 1, 1] });
}

/** An image of the opened dataset, with the label of suffix `targetSuffix` (else its first label). */
export async function datasetVolume(source: FileSource, image: DatasetImage, axis: SliceAxisName, targetSuffix?: string): Promise<PreviewVolume> {
  const vol = await readVolume(source, image.path, image.format, image.sidecar, false);
  const lab = image.labels.find((l) => l.suffix === targetSuffix) ?? image.labels[0];
  let label: Volume | null = null;
  if (lab) {
    try {
      label = await readVolume(source, lab.path, image.format, image.sidecar, true);
      if (label.shape.slice(0, 3).some((n, i) => n !== vol.shape[i])) label = null;
    } catch {
      label = null; // the preview is about the image; a bad label is reported in the Dataset tab
    }
  }
  return toPreview(vol, label, axis, image.path);
}

/** The sample the transforms receive: slice `d` (2D models) or the whole volume (3D models). */
export function previewSample(vol: PreviewVolume, d: number, threeD: boolean): TransformSample {
  const image = threeD ? vol.image : sliceOf(vol.image, d);
  const label = vol.label ? (threeD ? vol.label : sliceOf(vol.label, d)) : null;
  return { input: [image], gt: label ? [label] : [], roi: [], meta: { zooms: vol.zooms.slice(), applied: [] } };
}
