/**
 * State dicts as safetensors files (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__},
 * then the raw little-endian tensor bytes. Python reads them with `safetensors.torch.load_file`, so
 * weights trained here can be loaded into ivadomed's PyTorch models by name.
 */
import type { StateDict } from './module';

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Encodes float32 tensors (names sorted, as the reference implementation does) and string metadata. */
export function encodeSafetensors(state: StateDict, metadata: Record<string, string> = {}): Uint8Array {
  const names = [...state.keys()].sort();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const e = state.get(name)!;
    const n = e.shape.reduce((a, b) => a * b, 1);
    if (n !== e.data.length) throw new Error(`encodeSafetensors: '${name}' has ${e.data.length} values but shape [${e.shape.join(', ')}] needs ${n}`);
    header[name] = { dtype: 'F32', shape: e.shape, data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (allowed by the format).
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = state.get(name)!.data;
    for (let i = 0; i < d.length; i++, pos += 4) view.setFloat32(pos, d[i], true);
  }
  return out;
}

/** Decodes a safetensors file (F32, F16 promoted to float32, F64 narrowed) into a state dict. */
export function decodeSafetensors(bytes: Uint8Array): { state: StateDict; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`decodeSafetensors: ${bytes.length} bytes is too short for a safetensors file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) throw new Error(`decodeSafetensors: header length ${headerLen} exceeds the file (${bytes.length} bytes): not a safetensors file or truncated`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new Error(`decodeSafetensors: the header is not valid JSON (${(err as Error).message}): not a safetensors file`);
  }
  const dataStart = 8 + headerLen;
  const state: StateDict = new Map();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as HeaderEntry;
    const [b, end] = e.data_offsets;
    if (dataStart + end > bytes.length) throw new Error(`decodeSafetensors: '${name}' extends past the end of the file (truncated download?)`);
    const n = e.shape.reduce((a, c) => a * c, 1);
    const data = new Float32Array(n);
    const at = dataStart + b;
    if (e.dtype === 'F32') for (let i = 0; i < n; i++) data[i] = view.getFloat32(at + 4 * i, true);
    else if (e.dtype === 'F64') for (let i = 0; i < n; i++) data[i] = view.getFloat64(at + 8 * i, true);
    else if (e.dtype === 'F16') for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(at + 2 * i, true));
    else throw new Error(`decodeSafetensors: '${name}' has dtype ${e.dtype}; only F32, F16 and F64 weights are supported`);
    if ((end - b) !== n * ({ F32: 4, F64: 8, F16: 2 } as Record<string, number>)[e.dtype]) throw new Error(`decodeSafetensors: '${name}' byte range does not match its shape [${e.shape.join(', ')}]`);
    state.set(name, { shape: [...e.shape], data });
  }
  return { state, metadata };
}

/** IEEE 754 half-precision bits -> number (safetensors F16, ONNX FLOAT16). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
