/**
 * The CLI from an e2e test (Node side of the browser/CLI parity checks): runs bin/ivadomed-web.mjs as a
 * child process (its own tsx + ?raw hooks, which Playwright's loader does not provide), writes the
 * sample dataset to disk with the generator the studio's "Sample dataset" uses, and compares NIfTI
 * outputs by decoded voxels.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNodeSource, readNifti, writeSyntheticDataset } from '../src/data/node';

const CLI = fileURLToPath(new URL('../bin/ivadomed-web.mjs', import.meta.url));

/** Runs `ivadomed-web <args>` in cwd; throws with its output when the exit code is not 0. */
export function runCli(args: string[], cwd: string, timeoutMs = 300_000): string {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0) throw new Error(`ivadomed-web ${args.join(' ')} exited with ${run.status ?? run.signal}:\n${output}`);
  return output;
}

/** The studio's sample dataset (generateSyntheticDataset() with default options) written under folder. */
export async function writeSampleDataset(folder: string): Promise<void> {
  await writeSyntheticDataset(createNodeSource(folder, { writable: true }), {});
}

/** How two NIfTI files differ: header fields that must agree, and the largest voxel difference. */
export function compareNifti(a: Uint8Array, b: Uint8Array): { shape: [number[], number[]]; datatype: [unknown, unknown]; affine: [number[], number[]]; maxAbsDiff: number; identicalVoxels: boolean; voxels: number } {
  const va = readNifti(a, 'a');
  const vb = readNifti(b, 'b');
  const da = va.data as ArrayLike<number>;
  const db = vb.data as ArrayLike<number>;
  let maxAbsDiff = da.length === db.length ? 0 : Infinity;
  let identicalVoxels = da.length === db.length;
  for (let i = 0; i < Math.min(da.length, db.length); i++) {
    const d = Math.abs(da[i] - db[i]);
    if (d !== 0) identicalVoxels = false;
    if (!(d <= maxAbsDiff)) maxAbsDiff = d;
  }
  return {
    shape: [[...va.shape], [...vb.shape]],
    datatype: [va.datatype, vb.datatype],
    affine: [[...va.affine], [...vb.affine]],
    maxAbsDiff,
    identicalVoxels,
    voxels: da.length,
  };
}
