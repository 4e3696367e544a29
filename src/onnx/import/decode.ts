/**
 * Reads an ONNX ModelProto for import: decodes the bytes with clear errors (not ONNX, truncated,
 * a safetensors file passed by mistake, no graph), and collects the graph's float tensors
 * (initializers and Constant nodes) as float32 arrays with their shapes.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { halfToFloat } from '../../nn/safetensors';

const { onnx } = onnxProto;

export type ModelProto = InstanceType<typeof onnx.ModelProto>;
type TensorProto = OnnxTypes.ITensorProto;
type LongLike = number | { toNumber(): number };

/** A node with its optional protobuf fields filled in. */
export interface NodeProto {
  opType: string;
  name: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: OnnxTypes.IAttributeProto[];
}

/** A graph input: its name and dims (a number, or null when symbolic/unknown). */
export interface GraphInput {
  name: string;
  dims: Array<number | null>;
}

/** The parts of a GraphProto import reads, with optional fields filled in. */
export interface GraphProto {
  node: NodeProto[];
  initializer: TensorProto[];
  input: GraphInput[];
}

/** The decoded graph as plain fields (protobufjs leaves absent repeated/optional fields undefined on nested messages). */
export function graphOf(model: ModelProto): GraphProto {
  const g = model.graph!;
  return {
    node: (g.node ?? []).map((n) => ({
      opType: n.opType ?? '', name: n.name ?? '', domain: n.domain ?? '', input: [...(n.input ?? [])], output: [...(n.output ?? [])], attribute: n.attribute ?? [],
    })),
    initializer: g.initializer ?? [],
    input: (g.input ?? []).map((i) => ({
      name: i.name ?? '',
      dims: (i.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue != null && !d.dimParam && toNumber(d.dimValue as LongLike) > 0 ? toNumber(d.dimValue as LongLike) : null)),
    })),
  };
}

export const toNumber = (v: LongLike): number => (typeof v === 'number' ? v : v.toNumber());

/** A float tensor of the file: initializer or Constant output. */
export interface FileTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** safetensors starts with an 8-byte little-endian header length, then the JSON header '{'. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10 || bytes[8] !== 0x7b) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(0, true);
  return n > 1 && n + 8 <= bytes.length;
}

/** Decodes the bytes; every failure says what the file seems to be and what to do. */
export function decodeOnnx(bytes: Uint8Array, what = 'the file'): ModelProto {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new Error(`ONNX import: ${what} is empty`);
  if (looksLikeSafetensors(bytes)) {
    throw new Error(`ONNX import: ${what} is a safetensors weights file, not an ONNX model; load it with decodeSafetensors (or pretrainedStateFromFile with a .safetensors name)`);
  }
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`ONNX import: ${what} (${bytes.length} bytes) is not an ONNX model or is truncated: protobuf decoding failed (${(e as Error).message}). Export it again or check the download.`);
  }
  const graph = model.graph;
  const nodes = graph?.node?.length ?? 0;
  if (!graph || !(toNumber(model.irVersion as LongLike) > 0) || nodes === 0) {
    throw new Error(
      `ONNX import: ${what} (${bytes.length} bytes) is not an ONNX model: ` +
        (!graph ? 'it has no graph' : nodes === 0 ? 'its graph has no nodes' : 'it has no IR version') +
        ' (a truncated file or another format?)',
    );
  }
  return model;
}

const DT = onnx.TensorProto.DataType;

/** float32 values of a TensorProto (FLOAT, DOUBLE or FLOAT16), or null for integer/other tensors. */
export function floatValues(t: TensorProto): Float32Array | null {
  const shape = (t.dims ?? []).map((d) => toNumber(d as LongLike));
  const size = shape.reduce((a, b) => a * b, 1);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new Error(`ONNX import: tensor '${t.name}' is stored in an external data file; export the model with its weights embedded (one .onnx file)`);
  }
  const raw = t.rawData && t.rawData.length ? new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength) : null;
  const out = new Float32Array(size);
  const need = (bytesPer: number, have: number) => {
    if (have !== size) {
      throw new Error(`ONNX import: tensor '${t.name}' holds ${have} values for shape [${shape.join(', ')}] (${size}); the file is damaged`);
    }
    return bytesPer;
  };
  switch (t.dataType) {
    case DT.FLOAT:
      if (raw) { need(4, raw.byteLength / 4); for (let i = 0; i < size; i++) out[i] = raw.getFloat32(i * 4, true); }
      else { const v = t.floatData ?? []; need(4, v.length); out.set(v); }
      return out;
    case DT.DOUBLE:
      if (raw) { need(8, raw.byteLength / 8); for (let i = 0; i < size; i++) out[i] = raw.getFloat64(i * 8, true); }
      else { const v = t.doubleData ?? []; need(8, v.length); out.set(v); }
      return out;
    case DT.FLOAT16: {
      // float16 comes as raw bytes or as uint16 bit patterns in int32_data.
      const bits = raw ? Array.from({ length: raw.byteLength / 2 }, (_, i) => raw.getUint16(i * 2, true)) : t.int32Data ?? [];
      need(2, bits.length);
      for (let i = 0; i < size; i++) out[i] = halfToFloat(bits[i]);
      return out;
    }
    default:
      return null;
  }
}

/** Every float tensor of the graph by value name: initializers, then Constant nodes' `value`. */
export function graphTensors(graph: GraphProto): Map<string, FileTensor> {
  const out = new Map<string, FileTensor>();
  const add = (name: string, t: TensorProto) => {
    const data = floatValues(t);
    if (data) out.set(name, { name, shape: (t.dims ?? []).map((d) => toNumber(d as LongLike)), data });
  };
  for (const t of graph.initializer) add(t.name ?? '', t);
  for (const n of graph.node) {
    if (n.opType !== 'Constant') continue;
    const value = n.attribute.find((a) => a.name === 'value');
    if (value?.t) add(n.output[0], value.t);
  }
  return out;
}

/** metadata_props as a record. */
export function metadataOf(model: ModelProto): Record<string, string> {
  return Object.fromEntries(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
}

/** The default-domain opset the model imports (0 when absent). */
export function opsetOf(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version as LongLike) : 0;
}
