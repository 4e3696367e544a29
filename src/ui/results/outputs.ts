/**
 * What the Results tab does with an inference's outputs: read a file (bytes that came back with the
 * result, or the run's folder in OPFS), zip them all for download (fflate), write them into the
 * dataset folder under derivatives/, and open one subject in the Viewer with its overlays.
 */
import { zipSync } from 'fflate';
import type { FileSource } from '../../data/sources';
import type { InferResult, SubjectResult } from '../../worker/client';
import type { ImageSource, LayerKind } from '../viewer/layers';
import { viewImages } from '../viewer/viewerStore';
import { useStudio } from '../store';
import { readOpfsFile } from './runs';

/** The pipeline folder of derivatives/ the studio writes into. */
export const DERIVATIVES_PIPELINE = 'ivadomed-web';

/** Bytes of an output file (path inside the output folder). */
export async function outputBytes(result: InferResult, path: string): Promise<Uint8Array> {
  const f = result.files.find((x) => x.path === path);
  if (f?.bytes) return f.bytes;
  if (result.output.kind === 'opfs') return readOpfsFile(`${result.output.path}/${path}`);
  throw new Error(`${path}: not in the result (it was kept in the worker's memory only); run the inference again.`);
}

/** Every output in one zip, under <model_name>/ (pred_masks/, results_eval/). */
export async function zipOutputs(result: InferResult): Promise<Uint8Array> {
  const members: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const f of result.files) {
    // NIfTI .gz and PNG are compressed already.
    members[`${result.modelName}/${f.path}`] = [await outputBytes(result, f.path), { level: /\.(gz|png)$/.test(f.path) ? 0 : 6 }];
  }
  return zipSync(members);
}

/**
 * Where an output goes under derivatives/ivadomed-web/: a subject's maps beside its image's BIDS
 * folder (sub-01/anat/sub-01_T2w_pred.nii.gz, as ivadomed's derivatives), the rest (the evaluation
 * table) under results_eval/.
 */
export function derivativePathOf(result: InferResult, path: string): string {
  const name = path.split('/').pop() ?? path;
  const subject = result.subjects.find((s) => Object.values(s.outputs).includes(path) || name.startsWith(`${s.id}_`));
  const folder = subject?.image?.path.split('/').slice(0, -1).join('/');
  return `derivatives/${DERIVATIVES_PIPELINE}/${folder && path.startsWith('pred_masks/') ? `${folder}/${name}` : path}`;
}

/** A dataset folder the outputs can be written into: a directory handle's source (memory sources are the in-page sample). */
export function canWriteInto(source: FileSource | null): boolean {
  return !!source && source.writable && !('files' in source);
}

/** Writes every output into the dataset under derivatives/ivadomed-web/ (the browser asks for permission). */
export async function writeDerivatives(result: InferResult, dataset: FileSource): Promise<string[]> {
  const written: string[] = [];
  const description = {
    Name: `${DERIVATIVES_PIPELINE} predictions`, BIDSVersion: '1.8.0', DatasetType: 'derivative',
    GeneratedBy: [{ Name: DERIVATIVES_PIPELINE, Description: `${result.kind === 'test' ? '--test' : '--segment'} with ${result.modelName}` }],
  };
  await dataset.write(`derivatives/${DERIVATIVES_PIPELINE}/dataset_description.json`, `${JSON.stringify(description, null, 2)}\n`);
  for (const f of result.files) {
    const to = derivativePathOf(result, f.path);
    await dataset.write(to, await outputBytes(result, f.path));
    written.push(to);
  }
  return written;
}

/** The overlays of a subject, in drawing order: ground truth, prediction, soft prediction, uncertainty maps. */
export function subjectOverlays(subject: SubjectResult): { role: string; kind: LayerKind }[] {
  const out: { role: string; kind: LayerKind }[] = [];
  const o = subject.outputs;
  if (o.pred) out.push({ role: 'pred', kind: 'label' });
  for (const role of Object.keys(o).filter((r) => r.startsWith('class-')).sort()) out.push({ role, kind: 'label' });
  if (o.soft) out.push({ role: 'soft', kind: 'probability' });
  for (const role of ['unc-vox', 'unc-iou', 'unc-cv', 'unc-avgUnc']) if (o[role]) out.push({ role, kind: 'uncertainty' });
  return out;
}

const fileName = (p: string) => p.split('/').pop() ?? p;

/** Opens a subject in the Viewer: its image, ground truth, prediction (labels), soft prediction and uncertainty maps. */
export async function openSubject(result: InferResult, subject: SubjectResult, dataset: FileSource | null): Promise<void> {
  const dataBytes = async (f: { path: string; bytes?: Uint8Array }): Promise<Uint8Array> => {
    if (f.bytes) return f.bytes;
    if (!dataset) throw new Error(`${f.path}: open the dataset in the Dataset tab to view it.`);
    return new Uint8Array(await dataset.read(f.path));
  };
  if (!subject.image) throw new Error(`${subject.id}: its image was not found in the dataset.`);
  const base: ImageSource = { type: 'bytes', bytes: await dataBytes(subject.image), name: fileName(subject.image.path) };
  const overlays: { source: ImageSource; kind: LayerKind; name: string }[] = [];
  for (const gt of subject.groundTruth) overlays.push({ source: { type: 'bytes', bytes: await dataBytes(gt), name: fileName(gt.path) }, kind: 'label', name: fileName(gt.path) });
  for (const { role, kind } of subjectOverlays(subject)) {
    const path = subject.outputs[role];
    overlays.push({ source: { type: 'bytes', bytes: await outputBytes(result, path), name: fileName(path) }, kind, name: fileName(path) });
  }
  viewImages({ source: base, name: fileName(subject.image.path) }, overlays);
  useStudio.getState().setSection('viewer');
}
