/**
 * BIDS indexing over a FileSource (ivadomed's BidsDataframe, without pybids): raw images with their
 * entities, contrast (suffix), sidecar metadata (BIDS inheritance), participants/samples/sessions/scans
 * columns, matched label derivatives and header geometry. Reads headers, sidecars and tables only.
 * Problems are collected as {file, problem, hint}; one bad file never stops the rest.
 */
import type { FileEntry, FileSource } from '../sources/source';
import { readNifti } from '../nifti/read';
import { verifyImage2D, probeImage2D, probeNifti, ProbeError, type ImageHeader } from './probe';
import { imageFormatOf, labelSuffix, OME_EXTENSIONS, parseBidsName, sidecarApplies, type ImageFormat, type ParsedName } from './filename';
import { parseTsv, type Table } from './tsv';
import { microscopyPixelSizeMm } from '../images/convert';

export type Severity = 'error' | 'warning';

export interface BidsProblem {
  /** Path of the file concerned (relative to the source root), or "" for the dataset as a whole. */
  file: string;
  problem: string;
  hint: string;
  severity: Severity;
}

export interface BidsLabel {
  path: string;
  /** ivadomed target_suffix form: "_seg-manual", "_lesion-manual", "_seg-axon-manual". */
  suffix: string;
  format: ImageFormat;
  header?: ImageHeader;
  /** Voxel size in mm: NIfTI pixdim, or for PNG/TIFF the image's PixelSize (ivadomed reads a label's pixel size from its image's sidecar). */
  spacing?: [number, number, number];
  sidecar: Record<string, unknown>;
}

export interface BidsImage {
  path: string;
  filename: string;
  /** Name before the first '.' ("sub-unf01_T2w"). */
  stem: string;
  extension: string;
  format: ImageFormat;
  size: number;
  /** Subject label without "sub-" ("unf01"). */
  subject: string;
  /** "sub-unf01". */
  participantId: string;
  session?: string;
  sample?: string;
  /** All filename entities (sub, ses, sample, acq, run, ...). */
  entities: Record<string, string>;
  /** BIDS suffix = ivadomed contrast ("T1w", "T2star", "SEM", "ct"). */
  suffix: string;
  /** Folder datatype ("anat", "micr", "ct"). */
  datatype: string;
  /** Header geometry; absent when the file could not be read (see problems). */
  header?: ImageHeader;
  /** Voxel size in mm: NIfTI pixdim, or PixelSize (Y, X, Z) from the sidecar for 2D images. */
  spacing?: [number, number, number];
  /** Merged JSON sidecar (BIDS inheritance: root-most first, nearest last). */
  sidecar: Record<string, unknown>;
  sidecarPaths: string[];
  /** Columns from participants.tsv, samples.tsv, sessions.tsv and scans.tsv rows of this file. */
  columns: Record<string, string | null>;
  /** Label derivatives matched to this image. */
  labels: BidsLabel[];
}

export interface BidsIndex {
  name: string;
  description: Record<string, unknown> | null;
  images: BidsImage[];
  subjects: string[];
  sessions: string[];
  samples: string[];
  contrasts: string[];
  labelSuffixes: string[];
  tables: { participants?: Table; samples?: Table; sessions: Table[]; scans: Table[] };
  /** Derivative files that matched no raw image. */
  orphanLabels: string[];
  problems: BidsProblem[];
}

export interface IndexProgress { done: number; total: number; path: string }

export interface IndexBidsOptions {
  /** Called after each image header (and label) is read. */
  onProgress?: (p: IndexProgress) => void;
  /** 'header' (default): header + trailer checks only; 'full': decode every file (slow, catches everything). */
  verify?: 'header' | 'full';
  /** Concurrent reads (default 8). */
  concurrency?: number;
}

const SKIP_TOP = new Set(['code', 'sourcedata', 'stimuli']);

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** Derivatives of this dataset: under the top-level derivatives/ folder, or inside a subject folder. */
function isDerivative(path: string): boolean {
  const parts = path.split('/');
  return parts[0] === 'derivatives' || (parts[0].startsWith('sub-') && parts.includes('derivatives'));
}

/** Indexes a BIDS dataset. Never throws for bad files: see index.problems. */
export async function indexBids(source: FileSource, options: IndexBidsOptions = {}): Promise<BidsIndex> {
  const problems: BidsProblem[] = [];
  const report = (file: string, problem: string, hint: string, severity: Severity = 'error') => problems.push({ file, problem, hint, severity });
  let entries: FileEntry[];
  try {
    entries = await source.list();
  } catch (err) {
    report('', `cannot list the folder: ${describe(err)}`, 'Check that the folder exists and that access was granted.');
    return emptyIndex(source.name, problems);
  }
  const byPath = new Map(entries.map((e) => [e.path, e]));

  // --- dataset_description.json and the BIDS layout check
  let description: Record<string, unknown> | null = null;
  if (byPath.has('dataset_description.json')) {
    try {
      description = JSON.parse(new TextDecoder().decode(await source.read('dataset_description.json'))) as Record<string, unknown>;
    } catch (err) {
      report('dataset_description.json', `invalid JSON: ${describe(err)}`, 'Fix the file: it must be a JSON object with at least "Name" and "BIDSVersion".');
    }
  } else {
    report('', 'not a BIDS folder: dataset_description.json is missing at the top level', 'Pick the dataset\'s root folder (the one holding dataset_description.json and the sub-* folders), or add a dataset_description.json with "Name" and "BIDSVersion".');
  }
  const subjectDirs = new Set(entries.map((e) => e.path.split('/')[0]).filter((p) => /^sub-[^/]+$/.test(p) && !byPath.has(p)));
  if (subjectDirs.size === 0) {
    report('', 'not a BIDS folder: no sub-* subject folders at the top level', 'A BIDS dataset has one folder per subject (sub-01, sub-02, ...) holding the images. Pick the dataset\'s root folder.');
  }

  // --- JSON sidecars (parsed lazily, once)
  const jsonCache = new Map<string, Promise<Record<string, unknown> | null>>();
  const readJsonOnce = (path: string) => {
    let p = jsonCache.get(path);
    if (!p) {
      p = (async () => {
        try {
          const text = new TextDecoder().decode(await source.read(path)).trim();
          if (text === '') return {};
          const v = JSON.parse(text) as unknown;
          if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
          return v as Record<string, unknown>;
        } catch (err) {
          report(path, `unreadable JSON sidecar: ${describe(err)}`, 'Fix or delete the sidecar; its metadata is ignored meanwhile.');
          return null;
        }
      })();
      jsonCache.set(path, p);
    }
    return p;
  };
  const jsonByDir = new Map<string, { path: string; parsed: ParsedName }[]>();
  for (const e of entries) {
    if (!e.path.endsWith('.json') || e.path === 'dataset_description.json') continue;
    const d = dirOf(e.path);
    if (!jsonByDir.has(d)) jsonByDir.set(d, []);
    jsonByDir.get(d)!.push({ path: e.path, parsed: parseBidsName(e.path) });
  }

  /** Sidecars applying to a file: in its folder and every parent up to `top`, root-most first. */
  async function sidecarFor(path: string, top: string): Promise<{ merged: Record<string, unknown>; paths: string[] }> {
    const parsed = parseBidsName(path);
    const dirs: string[] = [];
    let d = dirOf(path);
    for (;;) {
      dirs.unshift(d);
      if (d === top || d === '') break;
      d = dirOf(d);
    }
    const merged: Record<string, unknown> = {};
    const paths: string[] = [];
    for (const dir of dirs) {
      const cands = (jsonByDir.get(dir) ?? []).filter((j) => sidecarApplies(j.parsed, parsed))
        .sort((a, b) => Object.keys(a.parsed.entities).length - Object.keys(b.parsed.entities).length);
      for (const c of cands) {
        const v = await readJsonOnce(c.path);
        if (v) { Object.assign(merged, v); paths.push(c.path); }
      }
    }
    return { merged, paths };
  }

  // --- tables
  async function readTable(path: string): Promise<Table | undefined> {
    try {
      return parseTsv(new TextDecoder().decode(await source.read(path)), path);
    } catch (err) {
      report(path, `unreadable table: ${describe(err)}`, 'Fix the TSV (tab-separated, header row first); its columns are ignored meanwhile.');
      return undefined;
    }
  }
  const participants = byPath.has('participants.tsv') ? await readTable('participants.tsv') : undefined;
  const samplesTable = byPath.has('samples.tsv') ? await readTable('samples.tsv') : undefined;
  const sessionTables: Table[] = [];
  const scanTables: Table[] = [];
  for (const e of entries) {
    if (isDerivative(e.path) || !e.path.startsWith('sub-')) continue;
    if (/_sessions\.tsv$/.test(e.path)) { const t = await readTable(e.path); if (t) sessionTables.push(t); }
    if (/_scans\.tsv$/.test(e.path)) { const t = await readTable(e.path); if (t) scanTables.push(t); }
  }
  if (participants && !participants.columns.includes('participant_id')) {
    report('participants.tsv', 'no participant_id column', 'The first column of participants.tsv must be participant_id (sub-<label>).');
  }

  // --- classify files
  const raw: { entry: FileEntry; parsed: ParsedName; format: ImageFormat }[] = [];
  const derivs: { entry: FileEntry; parsed: ParsedName; format: ImageFormat }[] = [];
  for (const e of entries) {
    const top = e.path.split('/')[0];
    if (SKIP_TOP.has(top)) continue;
    const parsed = parseBidsName(e.path);
    if (OME_EXTENSIONS.some((x) => parsed.extension.endsWith(x))) {
      report(e.path, 'OME-TIFF is not supported (as in ivadomed)', 'Convert the image to a plain .tif or .png.', 'warning');
      continue;
    }
    const format = imageFormatOf(parsed.extension);
    if (!format) continue;
    // files outside sub-* and derivatives/ (e.g. nested example datasets) are not part of this dataset
    if (isDerivative(e.path)) derivs.push({ entry: e, parsed, format });
    else if (top.startsWith('sub-')) raw.push({ entry: e, parsed, format });
  }

  const total = raw.length + derivs.length;
  let done = 0;
  const tick = (path: string) => options.onProgress?.({ done: ++done, total, path });
  const concurrency = options.concurrency ?? 8;

  async function probe(e: FileEntry, format: ImageFormat): Promise<ImageHeader | undefined> {
    try {
      if (e.size === 0) throw new ProbeError(`${e.path}: empty file (0 bytes). Copy the file again.`);
      const h = format === 'nifti' ? await probeNifti(source, e.path, e.size) : await probeImage2D(source, e.path, e.size, format);
      if (options.verify === 'full') {
        if (format === 'nifti') {
          try { readNifti(await source.read(e.path), e.path); } catch (err) { throw new ProbeError(describe(err)); }
        } else await verifyImage2D(source, e.path);
      }
      return h;
    } catch (err) {
      const msg = describe(err);
      const problem = msg.startsWith(e.path) ? msg.slice(e.path.length + 2) : msg;
      report(e.path, `unreadable image: ${problem}`, 'Replace the file with a complete copy, or remove it from the dataset; the other files are indexed.');
      return undefined;
    }
  }

  // --- raw images
  const images: BidsImage[] = [];
  await pool(raw, concurrency, async ({ entry, parsed, format }) => {
    const parts = entry.path.split('/');
    const subject = parts[0].slice(4);
    const fileSub = parsed.entities.sub;
    if (fileSub !== undefined && fileSub !== subject) {
      report(entry.path, `file name says sub-${fileSub} but it is in folder sub-${subject}`, 'Rename or move the file so both agree.', 'warning');
    }
    if (!parsed.suffix) {
      report(entry.path, 'no BIDS suffix (contrast) at the end of the file name', 'Name images <entities>_<suffix>.<ext>, e.g. sub-01_T1w.nii.gz.', 'warning');
    }
    const header = await probe(entry, format);
    const { merged, paths } = await sidecarFor(entry.path, '');
    let spacing = header?.spacing;
    if (header && format !== 'nifti') {
      try {
        spacing = microscopyPixelSizeMm(merged, entry.path);
      } catch (err) {
        report(entry.path, describe(err).replace(`${entry.path}: `, ''), 'ivadomed needs PixelSize and PixelSizeUnits in the image\'s JSON sidecar for PNG/TIFF/JPEG images.');
      }
    }
    images.push({
      path: entry.path, filename: parsed.filename, stem: parsed.stem, extension: parsed.extension, format, size: entry.size,
      subject, participantId: `sub-${subject}`, session: parsed.entities.ses, sample: parsed.entities.sample,
      entities: parsed.entities, suffix: parsed.suffix, datatype: parts.length > 2 ? parts[parts.length - 2] : '',
      header, spacing, sidecar: merged, sidecarPaths: paths, columns: {}, labels: [],
    });
    tick(entry.path);
  });
  images.sort((a, b) => (a.path < b.path ? -1 : 1));

  // --- derivatives: match to raw images by stem (ivadomed's rule), then probe
  const byStem = new Map<string, BidsImage[]>();
  for (const im of images) {
    if (!byStem.has(im.stem)) byStem.set(im.stem, []);
    byStem.get(im.stem)!.push(im);
  }
  const orphanLabels: string[] = [];
  await pool(derivs, concurrency, async ({ entry, parsed, format }) => {
    // candidates: every prefix of the derivative stem at a '_' boundary
    const owners: { image: BidsImage; suffix: string }[] = [];
    const pieces = parsed.stem.split('_');
    for (let k = pieces.length - 1; k >= 1; k--) {
      const stem = pieces.slice(0, k).join('_');
      for (const im of byStem.get(stem) ?? []) {
        const suffix = labelSuffix(im.stem, parsed.stem);
        if (suffix) owners.push({ image: im, suffix });
      }
      if (owners.length) break; // longest matching source stem wins
    }
    if (owners.length === 0) {
      orphanLabels.push(entry.path);
      tick(entry.path);
      return;
    }
    const header = await probe(entry, format);
    const top = entry.path.split('/').slice(0, entry.path.split('/').indexOf('derivatives') + 2).join('/');
    const { merged } = await sidecarFor(entry.path, top);
    for (const { image, suffix } of owners) {
      const spacing = format === 'nifti' ? header?.spacing : image.spacing;
      image.labels.push({ path: entry.path, suffix, format, header, spacing, sidecar: merged });
      if (header && image.header) {
        const a = image.header.shape.slice(0, 3), b = header.shape.slice(0, 3);
        if (a.some((x, i) => x !== b[i])) {
          report(entry.path, `label shape ${b.join('x')} differs from its image ${image.path} (${a.join('x')})`,
            'The label must be drawn on the image\'s own voxel grid: re-export it from the image, or resample it onto the image.');
        }
      }
    }
    tick(entry.path);
  });
  for (const im of images) im.labels.sort((a, b) => (a.path < b.path ? -1 : 1));
  orphanLabels.sort();

  // --- table columns onto images (participants, samples, sessions, scans)
  const participantRows = new Map(participants?.rows.map((r) => [r.participant_id ?? '', r]) ?? []);
  for (const im of images) {
    const cols: Record<string, string | null> = {};
    Object.assign(cols, participantRows.get(im.participantId) ?? {});
    if (samplesTable && im.sample) {
      const row = samplesTable.rows.find((r) => r.sample_id === `sample-${im.sample}` && (r.participant_id ?? im.participantId) === im.participantId);
      if (row) Object.assign(cols, row);
    }
    if (im.session) {
      const t = sessionTables.find((s) => s.path === `${im.participantId}/${im.participantId}_sessions.tsv`);
      const row = t?.rows.find((r) => r.session_id === `ses-${im.session}`);
      if (row) Object.assign(cols, row);
    }
    for (const t of scanTables) {
      const base = dirOf(t.path);
      if (!im.path.startsWith(base + '/')) continue;
      const row = t.rows.find((r) => r.filename === im.path.slice(base.length + 1));
      if (row) Object.assign(cols, row);
    }
    cols.participant_id = im.participantId;
    im.columns = cols;
  }

  // --- dataset-level checks
  for (const sub of subjectDirs) {
    if (!images.some((im) => im.participantId === sub)) {
      report(sub, 'subject folder holds no image (.nii, .nii.gz, .png, .tif)', 'Add the subject\'s images or remove the empty folder.', 'warning');
    }
    if (participants && !participantRows.has(sub)) {
      report('participants.tsv', `${sub} has no row in participants.tsv`, 'Add a row for it; its participant columns are empty meanwhile.', 'warning');
    }
  }
  const hasDerivatives = images.some((im) => im.labels.length > 0);
  if (images.length > 0 && hasDerivatives) {
    for (const im of images) {
      if (im.labels.length === 0) {
        report(im.path, 'no label derivative for this image', `Add e.g. derivatives/labels/${dirOf(im.path)}/${im.stem}_seg-manual${im.extension}; without labels the image can only be segmented, not used for training or evaluation.`, 'warning');
      }
    }
  } else if (images.length > 0) {
    report('derivatives', 'no label derivatives found', 'Training needs labels under derivatives/labels/sub-*/.../<image name>_<target_suffix>.nii.gz (e.g. _seg-manual).', 'warning');
  }
  for (const p of orphanLabels) {
    report(p, 'label matches no image (no raw file whose name it extends)', 'Name labels <image name before the extension>_<suffix>, e.g. sub-01_T1w_seg-manual.nii.gz for sub-01/anat/sub-01_T1w.nii.gz.', 'warning');
  }

  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort();
  return {
    name: source.name,
    description,
    images,
    subjects: uniq([...subjectDirs].map((s) => s.slice(4)).concat(images.map((i) => i.subject))),
    sessions: uniq(images.map((i) => i.session)),
    samples: uniq(images.map((i) => i.sample)),
    contrasts: uniq(images.map((i) => i.suffix)),
    labelSuffixes: uniq(images.flatMap((i) => i.labels.map((l) => l.suffix))),
    tables: { participants, samples: samplesTable, sessions: sessionTables, scans: scanTables },
    orphanLabels,
    problems,
  };
}

function emptyIndex(name: string, problems: BidsProblem[]): BidsIndex {
  return { name, description: null, images: [], subjects: [], sessions: [], samples: [], contrasts: [], labelSuffixes: [], tables: { sessions: [], scans: [] }, orphanLabels: [], problems };
}

/**
 * One flat row per image, like a row of ivadomed's bids_dataframe: entities, filename, path, suffix,
 * every sidecar key and every table column (for split_method, balance, FiLM metadata).
 */
export function dataframeRow(im: BidsImage): Record<string, unknown> {
  const row: Record<string, unknown> = {
    filename: im.filename, path: im.path, subject: im.subject, suffix: im.suffix, extension: im.extension, datatype: im.datatype,
  };
  const names: Record<string, string> = { sub: 'subject', ses: 'session', acq: 'acquisition', rec: 'reconstruction', ce: 'ceagent', dir: 'direction' };
  for (const [k, v] of Object.entries(im.entities)) row[names[k] ?? k] = v;
  Object.assign(row, im.sidecar, im.columns);
  if (im.sample) row.sample_id = `sample-${im.sample}`;
  if (im.session) row.session_id = `ses-${im.session}`;
  return row;
}
