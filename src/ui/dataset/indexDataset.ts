/**
 * Indexes a BIDS folder for the Dataset panel (interim: replaced by an adapter over the data layer's
 * indexBids once it exists; see ./types.ts). Follows ivadomed's layout rules (INVENTORY f.1):
 * - raw images are files below "sub-*" folders at the root with an image extension;
 * - labels are files below "derivatives/" whose stem starts with a raw image's stem; the rest of the
 *   stem is the label suffix ("_seg-manual");
 * - the JSON sidecar is the file with the image's stem and ".json" beside it (else an inherited
 *   "<suffix>.json" at the root, as BIDS allows).
 * Only headers are read (a prefix of each NIfTI), so indexing a large dataset stays quick.
 */
import { parseBidsName } from '../../data/bids/filename';
import { parseTsv } from '../../data/bids/tsv';
import { readNiftiHeader } from '../../data/nifti';
import { readText, type FileEntry, type FileSource } from '../../data/sources';
import type { DatasetImage, DatasetIndex, DatasetProblem, ImageFormat, IndexProgress } from './types';

/** Bytes read from the start of a .nii.gz to inflate its header (540 bytes of NIfTI-2 at most). */
const GZ_HEADER_PREFIX = 16 * 1024;

export function imageFormatOfPath(path: string): ImageFormat | null {
  const p = path.toLowerCase();
  if (p.endsWith('.nii') || p.endsWith('.nii.gz')) return 'nifti';
  if (/\.ome\.(tiff?|tf2|tf8|btf)$/.test(p)) return null; // ivadomed rejects OME-TIFF
  if (p.endsWith('.png')) return 'png';
  if (p.endsWith('.tif') || p.endsWith('.tiff')) return 'tiff';
  if (p.endsWith('.jpg') || p.endsWith('.jpeg')) return 'jpeg';
  return null;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function stemOf(path: string): string {
  return parseBidsName(path).stem;
}

function sameShape(a?: number[], b?: number[]): boolean {
  if (!a || !b) return true;
  const sa = a.slice(0, 3);
  const sb = b.slice(0, 3);
  return sa.length === sb.length && sa.every((v, i) => v === sb[i]);
}

async function readSidecar(source: FileSource, path: string, problems: DatasetProblem[]): Promise<Record<string, unknown> | undefined> {
  try {
    const text = await readText(source, path);
    if (text.trim() === '') return {};
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
    problems.push({ path, severity: 'warning', message: 'The sidecar is not a JSON object; its metadata is ignored.' });
  } catch (err) {
    problems.push({ path, severity: 'warning', message: `The sidecar is not valid JSON (${(err as Error).message}); its metadata is ignored.` });
  }
  return undefined;
}

async function readHeader(source: FileSource, path: string, size: number): Promise<{ shape: number[]; spacing: number[]; datatype: string }> {
  const prefix = await source.readRange(path, 0, Math.min(size, GZ_HEADER_PREFIX));
  const info = readNiftiHeader(prefix, path);
  return { shape: info.shape, spacing: [...info.spacing], datatype: info.datatype };
}

export async function indexDataset(source: FileSource, onProgress?: (p: IndexProgress) => void): Promise<DatasetIndex> {
  onProgress?.({ phase: 'listing', done: 0, total: 0 });
  const files: FileEntry[] = await source.list();
  const problems: DatasetProblem[] = [];
  const byPath = new Map(files.map((f) => [f.path, f]));

  if (!byPath.has('dataset_description.json')) {
    problems.push({ path: 'dataset_description.json', severity: 'warning', message: 'Missing at the dataset root: this folder may not be a BIDS dataset (pick the folder that holds sub-*/).' });
  }

  const images: DatasetImage[] = [];
  const derivatives: FileEntry[] = [];
  for (const f of files) {
    const top = f.path.split('/')[0];
    const format = imageFormatOfPath(f.path);
    if (top === 'derivatives') {
      if (format) derivatives.push(f);
      continue;
    }
    if (!top.startsWith('sub-') || !f.path.includes('/')) continue;
    if (!format) {
      if (/\.ome\.(tiff?|tf2|tf8|btf)$/i.test(f.path)) problems.push({ path: f.path, severity: 'warning', message: 'OME-TIFF is not supported (as in ivadomed); convert it to PNG or TIFF.' });
      continue;
    }
    const name = parseBidsName(f.path);
    const subject = name.entities.sub ? `sub-${name.entities.sub}` : top;
    if (!name.entities.sub) problems.push({ path: f.path, severity: 'warning', message: 'The file name has no "sub-" entity; it is listed under its folder.' });
    else if (subject !== top) problems.push({ path: f.path, severity: 'warning', message: `The file name says ${subject} but it is in folder ${top}.` });
    if (!name.suffix) {
      problems.push({ path: f.path, severity: 'error', message: 'The file name has no contrast suffix (e.g. "_T1w"): ivadomed cannot select it by contrast.' });
      continue;
    }
    images.push({
      path: f.path,
      subject,
      session: name.entities.ses ? `ses-${name.entities.ses}` : undefined,
      contrast: name.suffix,
      format,
      labels: [],
    });
  }

  // Labels: the longest image stem that starts the derivative's stem (ivadomed: "contains").
  const imagesByStem = new Map<string, DatasetImage[]>();
  for (const img of images) {
    const stem = stemOf(img.path);
    imagesByStem.set(stem, [...(imagesByStem.get(stem) ?? []), img]);
  }
  const stems = [...imagesByStem.keys()].sort((a, b) => b.length - a.length);
  const labelSuffixes = new Set<string>();
  for (const d of derivatives) {
    const dstem = stemOf(d.path);
    const match = stems.find((s) => dstem.startsWith(s) && dstem.length > s.length);
    if (!match) {
      problems.push({ path: d.path, severity: 'warning', message: 'This derivative matches no image (its name must start with the image name, e.g. sub-01_T1w_seg-manual).' });
      continue;
    }
    const suffix = dstem.slice(match.length);
    labelSuffixes.add(suffix);
    for (const img of imagesByStem.get(match)!) img.labels.push({ path: d.path, suffix });
  }

  // Sidecars and headers.
  const work = images.length + images.reduce((n, i) => n + i.labels.length, 0);
  let done = 0;
  const tick = (current: string) => onProgress?.({ phase: 'reading headers', done: ++done, total: work, current });
  onProgress?.({ phase: 'reading headers', done: 0, total: work });
  for (const img of images) {
    const parsed = parseBidsName(img.path);
    const beside = `${dirOf(img.path) ? `${dirOf(img.path)}/` : ''}${parsed.stem}.json`;
    const inherited = `${parsed.suffix}.json`;
    const sidecarPath = byPath.has(beside) ? beside : byPath.has(inherited) ? inherited : undefined;
    if (sidecarPath) {
      img.sidecarPath = sidecarPath;
      img.sidecar = await readSidecar(source, sidecarPath, problems);
    }
    if (img.format === 'nifti') {
      try {
        Object.assign(img, await readHeader(source, img.path, byPath.get(img.path)!.size));
      } catch (err) {
        problems.push({ path: img.path, severity: 'error', message: (err as Error).message });
      }
    } else if (img.sidecar && !('PixelSize' in img.sidecar)) {
      problems.push({ path: sidecarPath!, severity: 'error', message: 'Microscopy images need "PixelSize" (and "PixelSizeUnits") in their sidecar; ivadomed refuses the image without it.' });
    } else if (!img.sidecar) {
      problems.push({ path: img.path, severity: 'error', message: `No JSON sidecar with "PixelSize": expected ${beside}.` });
    }
    tick(img.path);
    for (const label of img.labels) {
      if (imageFormatOfPath(label.path) === 'nifti') {
        try {
          label.shape = (await readHeader(source, label.path, byPath.get(label.path)!.size)).shape;
          if (!sameShape(img.shape, label.shape)) {
            problems.push({ path: label.path, severity: 'error', message: `Label grid ${label.shape.join('×')} differs from its image ${img.path} (${img.shape!.join('×')}).` });
          }
        } catch (err) {
          problems.push({ path: label.path, severity: 'error', message: (err as Error).message });
        }
      }
      tick(label.path);
    }
  }

  for (const img of images) {
    if (img.labels.length === 0) problems.push({ path: img.path, severity: 'warning', message: 'No label in derivatives/: usable for inference, not for training.' });
  }

  let participants: DatasetIndex['participants'];
  if (byPath.has('participants.tsv')) {
    try {
      participants = parseTsv(await readText(source, 'participants.tsv'), 'participants.tsv');
      const listed = new Set(participants.rows.map((r) => r.participant_id).filter(Boolean));
      const present = new Set(images.map((i) => i.subject));
      for (const s of present) if (!listed.has(s)) problems.push({ path: 'participants.tsv', severity: 'warning', message: `${s} has images but no row in participants.tsv.` });
      for (const s of listed) if (!present.has(s!)) problems.push({ path: 'participants.tsv', severity: 'warning', message: `${s} is listed but has no images.` });
    } catch (err) {
      problems.push({ path: 'participants.tsv', severity: 'warning', message: (err as Error).message });
    }
  }

  if (images.length === 0) {
    problems.push({ path: source.name, severity: 'error', message: 'No images found in sub-*/ folders. Pick the BIDS root folder (the one with dataset_description.json and sub-* folders).' });
  }

  onProgress?.({ phase: 'done', done: work, total: work });
  return {
    name: source.name,
    images,
    subjects: [...new Set(images.map((i) => i.subject))].sort(),
    contrasts: [...new Set(images.map((i) => i.contrast))].sort(),
    labelSuffixes: [...labelSuffixes].sort(),
    participants,
    problems,
    fileCount: files.length,
  };
}
