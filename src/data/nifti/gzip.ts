/**
 * gzip for .nii.gz: synchronous (Node, small files), asynchronous (browsers: never blocks the page for
 * long), and prefix decompression (the header of a .nii.gz without inflating the voxels).
 */
import { Gunzip, gunzip, gunzipSync, gzipSync } from 'fflate';

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** ISIZE of the (last) gzip member: uncompressed size mod 2^32, read from the last 4 bytes. */
export function gzipTrailerSize(tail: Uint8Array): number {
  const n = tail.byteLength;
  return new DataView(tail.buffer, tail.byteOffset + n - 4, 4).getUint32(0, true);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function gunzipBytes(bytes: Uint8Array, name = 'file'): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new Error(`${name}: gzip data is truncated or corrupted (${describe(err)}). The file is incomplete; copy it again.`);
  }
}

/**
 * Asynchronous gunzip: DecompressionStream('gzip') where the platform has it (streams in native code,
 * off the JS thread), else fflate's worker-backed async gunzip.
 */
export async function gunzipBytesAsync(bytes: Uint8Array, name = 'file'): Promise<Uint8Array> {
  try {
    if (typeof DecompressionStream !== 'undefined') {
      const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    }
    return await new Promise<Uint8Array>((resolve, reject) => {
      gunzip(bytes, (err, out) => (err ? reject(err) : resolve(out)));
    });
  } catch (err) {
    throw new Error(`${name}: gzip data is truncated or corrupted (${describe(err)}). The file is incomplete; copy it again.`);
  }
}

/**
 * Inflates at least `minBytes` from the start of a gzip stream given only its first compressed bytes.
 * Returns fewer bytes when the compressed prefix is too short (the caller reads more and retries).
 */
export function gunzipPrefix(compressedPrefix: Uint8Array, minBytes: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const g = new Gunzip((chunk) => {
    if (total < minBytes) { chunks.push(chunk); total += chunk.length; }
  });
  try {
    // Push in slices so a highly compressible stream stops early instead of inflating everything.
    const step = 4096;
    for (let off = 0; off < compressedPrefix.byteLength && total < minBytes; off += step) {
      g.push(compressedPrefix.subarray(off, Math.min(off + step, compressedPrefix.byteLength)), false);
    }
  } catch {
    // Corrupted data: return what was inflated; the header parser reports the problem.
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

/** gzip with mtime 0, so the same bytes always give the same file (reproducible datasets and outputs). */
export function gzipBytes(bytes: Uint8Array, level: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 = 6): Uint8Array {
  return gzipSync(bytes, { level, mtime: 0 });
}
