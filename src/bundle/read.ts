/**
 * Reading and checking a bundle: the zip opens, bundle.json names this format and version, every
 * member it lists is present with its size and sha256, nothing unlisted was added, and the weights
 * fit the model spec (the model is built and the weights loaded strictly). Every failure is an
 * Error that says what is wrong and what to do.
 */
import { unzipSync } from 'fflate';
import type { FilmEncoderJSON } from '../data/index';
import { decodeSafetensors } from '../nn/index';
import type { ModelSpec } from '../nn/models/index';
import type { RunRecord } from '../train/outputs';
import {
  BUNDLE_FORMAT, BUNDLE_MEMBERS, BUNDLE_VERSION, REQUIRED_MEMBERS, sha256Hex,
  type Bundle, type BundleFileEntry, type BundleManifest,
} from './format';
import { checkWeightsFit } from './weights';

export interface ReadBundleOptions {
  /** Build the model and load the weights strictly (default true). */
  validate?: boolean;
  /** The bundle's file name, for messages. */
  name?: string;
}

const REEXPORT = 'Download or export the bundle again (--export-bundle, or "Download model" in the studio).';

function parseJsonMember(bytes: Uint8Array, member: string, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new Error(`${where}: ${member} is not valid JSON (${(err as Error).message}). ${REEXPORT}`);
  }
}

export async function readBundle(bytes: Uint8Array, options: ReadBundleOptions = {}): Promise<Bundle> {
  const where = `Model bundle${options.name ? ` "${options.name}"` : ''}`;
  if (!bytes || bytes.byteLength === 0) throw new Error(`${where}: the file is empty. ${REEXPORT}`);
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (err) {
    throw new Error(`${where}: not a readable zip file (${(err as Error).message}; ${bytes.byteLength} bytes): the download is truncated or the file is not an ivadomed-web model bundle (*.ivadomed-web.zip). ${REEXPORT}`);
  }
  const memberMap = new Map(Object.entries(members));
  const manifestBytes = memberMap.get(BUNDLE_MEMBERS.manifest);
  if (!manifestBytes) {
    throw new Error(`${where}: ${BUNDLE_MEMBERS.manifest} is missing (the zip holds ${[...memberMap.keys()].join(', ') || 'nothing'}): this is not an ivadomed-web model bundle. ${REEXPORT}`);
  }
  const manifest = parseJsonMember(manifestBytes, BUNDLE_MEMBERS.manifest, where) as BundleManifest;
  if (!manifest || typeof manifest !== 'object' || manifest.format !== BUNDLE_FORMAT) {
    throw new Error(`${where}: ${BUNDLE_MEMBERS.manifest} has format ${JSON.stringify((manifest as { format?: unknown } | null)?.format ?? null)}, expected "${BUNDLE_FORMAT}": this is not an ivadomed-web model bundle.`);
  }
  if (manifest.version !== BUNDLE_VERSION) {
    throw new Error(`${where}: bundle version ${JSON.stringify(manifest.version)} is not supported; this ivadomed-web reads version ${BUNDLE_VERSION}. Update ivadomed-web, or export the bundle again with this version.`);
  }
  if (!Array.isArray(manifest.files)) throw new Error(`${where}: ${BUNDLE_MEMBERS.manifest} has no "files" list. ${REEXPORT}`);

  // ---- members: listed, present, intact ------------------------------------------------------------
  const listed = new Map<string, BundleFileEntry>(manifest.files.map((f) => [f.name, f]));
  for (const required of REQUIRED_MEMBERS) {
    if (!listed.has(required) || !memberMap.has(required)) {
      throw new Error(`${where}: ${required} is missing${listed.has(required) ? ' from the zip (bundle.json lists it)' : ''}. A bundle needs ${REQUIRED_MEMBERS.join(' and ')}. ${REEXPORT}`);
    }
  }
  for (const entry of listed.values()) {
    const data = memberMap.get(entry.name);
    if (!data) throw new Error(`${where}: ${entry.name} is listed in ${BUNDLE_MEMBERS.manifest} but missing from the zip. ${REEXPORT}`);
    const sha = await sha256Hex(data);
    if (sha !== entry.sha256 || data.byteLength !== entry.size) {
      throw new Error(
        `${where}: ${entry.name} is damaged or was modified: sha256 ${sha} (${data.byteLength} bytes) but ${BUNDLE_MEMBERS.manifest} records ${entry.sha256} (${entry.size} bytes). ${REEXPORT}`,
      );
    }
  }
  for (const name of memberMap.keys()) {
    if (name !== BUNDLE_MEMBERS.manifest && !listed.has(name)) {
      throw new Error(`${where}: ${name} is in the zip but not in ${BUNDLE_MEMBERS.manifest}'s file list: the bundle was altered after export. ${REEXPORT}`);
    }
  }

  // ---- contents --------------------------------------------------------------------------------------
  const spec = manifest.model as ModelSpec;
  if (!spec || typeof spec.name !== 'string') throw new Error(`${where}: ${BUNDLE_MEMBERS.manifest} has no "model" (the architecture). ${REEXPORT}`);
  const config = parseJsonMember(memberMap.get(BUNDLE_MEMBERS.config)!, BUNDLE_MEMBERS.config, where) as Record<string, unknown>;
  const weights = memberMap.get(BUNDLE_MEMBERS.weights)!;
  let state;
  try {
    state = decodeSafetensors(weights).state;
  } catch (err) {
    throw new Error(`${where}: ${BUNDLE_MEMBERS.weights} is not a readable safetensors file (${(err as Error).message}). ${REEXPORT}`);
  }
  if (options.validate ?? true) checkWeightsFit(spec, state, BUNDLE_MEMBERS.weights, `the ${spec.name} of ${BUNDLE_MEMBERS.manifest} (${describeSpec(spec)})`);
  const filmBytes = memberMap.get(BUNDLE_MEMBERS.filmEncoder);
  if (spec.n_metadata !== undefined && !filmBytes) {
    throw new Error(`${where}: the ${spec.name} is FiLM-conditioned but ${BUNDLE_MEMBERS.filmEncoder} (its metadata encoder) is missing. ${REEXPORT}`);
  }
  const filmEncoder = filmBytes ? (parseJsonMember(filmBytes, BUNDLE_MEMBERS.filmEncoder, where) as FilmEncoderJSON) : null;
  const recordBytes = memberMap.get(BUNDLE_MEMBERS.runRecord);
  const runRecord = recordBytes ? (parseJsonMember(recordBytes, BUNDLE_MEMBERS.runRecord, where) as RunRecord) : null;
  return { manifest, config, spec, weights, state, filmEncoder, runRecord, onnx: memberMap.get(BUNDLE_MEMBERS.onnx) ?? null, members: memberMap };
}

function describeSpec(spec: ModelSpec): string {
  const keys = ['in_channel', 'out_channel', 'depth', 'n_filters', 'is_2d'] as const;
  return keys.filter((k) => spec[k] !== undefined).map((k) => `${k} ${String(spec[k])}`).join(', ');
}
