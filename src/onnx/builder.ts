/**
 * A small ONNX graph builder: named inputs/outputs with symbolic dimensions, float32 initializers,
 * cached int64/float constants, nodes with typed attributes, and serialisation to a ModelProto
 * through onnx-proto (protobufjs classes generated from onnx.proto). The emitters in export/ only
 * talk to this class, never to protobuf.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A dimension: a fixed size or a symbolic name ('batch', 'height', ...). */
export type Dim = number | string;

/** An attribute value, tagged with its ONNX type (ints and floats are different on the wire). */
export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] };

export const int = (value: number): Attr => ({ kind: 'int', value });
export const float = (value: number): Attr => ({ kind: 'float', value });
export const str = (value: string): Attr => ({ kind: 'string', value });
export const ints = (value: number[]): Attr => ({ kind: 'ints', value });
export const floats = (value: number[]): Attr => ({ kind: 'floats', value });

/**
 * A value flowing through the graph while emitting: its name plus what the emitters need to know
 * statically (channel count and rank; batch and spatial sizes stay symbolic).
 */
export interface Value {
  name: string;
  channels: number;
  rank: number;
}

export interface EncodeOptions {
  opset: number;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  metadata?: Record<string, string>;
}

/** ONNX IR version 8 (ONNX 1.10+): enough for opsets up to 17. */
export const IR_VERSION = 8;

function attributeProto(name: string, a: Attr): InstanceType<typeof onnx.AttributeProto> {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int': return onnx.AttributeProto.create({ name, type: T.INT, i: a.value });
    case 'float': return onnx.AttributeProto.create({ name, type: T.FLOAT, f: a.value });
    case 'string': return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(a.value) });
    case 'ints': return onnx.AttributeProto.create({ name, type: T.INTS, ints: a.value });
    case 'floats': return onnx.AttributeProto.create({ name, type: T.FLOATS, floats: a.value });
  }
}

function valueInfo(name: string, dims: readonly Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

export class GraphBuilder {
  private readonly nodes: Array<InstanceType<typeof onnx.NodeProto>> = [];
  private readonly initializers: Array<InstanceType<typeof onnx.TensorProto>> = [];
  private readonly inputs: Array<InstanceType<typeof onnx.ValueInfoProto>> = [];
  private readonly outputs: Array<InstanceType<typeof onnx.ValueInfoProto>> = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  /** Operator types used, for the docs/tests (which ops a backend must run). */
  readonly opTypes = new Set<string>();

  constructor(readonly graphName = 'main') {}

  /** A name not used yet, derived from `base` ("relu", "relu_1", ...). */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  addInput(name: string, dims: readonly Dim[]): string {
    if (this.used.has(name)) throw new Error(`ONNX export: graph input name '${name}' is already used`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Declares `value` as a graph output called `name` (an Identity node renames it when needed). */
  addOutput(value: string, name: string, dims: readonly Dim[]): void {
    if (value !== name) {
      if (this.used.has(name)) throw new Error(`ONNX export: graph output name '${name}' is already used`);
      this.used.add(name);
      this.opTypes.add('Identity');
      this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [value], output: [name], name: this.fresh(`${name}_identity`) }));
    }
    this.outputs.push(valueInfo(name, dims));
  }

  /** A float32 initializer (a weight); `name` is kept when free (state-dict names), else made unique. */
  initializer(name: string, data: Float32Array, dims: readonly number[]): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`ONNX export: initializer '${name}' has ${data.length} values for shape [${dims.join(', ')}]`);
    const unique = this.fresh(name);
    // raw_data is little-endian float32; copy so the proto does not alias a live buffer.
    const raw = new Uint8Array(size * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < size; i++) view.setFloat32(i * 4, data[i], true);
    this.initializers.push(onnx.TensorProto.create({ name: unique, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw }));
    return unique;
  }

  /** A cached int64 constant (shapes, axes, slice bounds). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constants.get(key);
    if (hit) return hit;
    const name = this.fresh(`const_i64_${values.length <= 5 ? values.join('_').replace(/-/g, 'm') : values.length}`);
    this.initializers.push(onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values] }));
    this.constants.set(key, name);
    return name;
  }

  /** A cached float32 constant (scalars for Max/Div, ones/zeros for InstanceNormalization). */
  float32(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    const hit = this.constants.get(key);
    if (hit) return hit;
    const name = this.fresh(`const_f32_${values.length <= 3 ? values.join('_').replace(/[-.]/g, 'p') : values.length}`);
    this.initializers.push(onnx.TensorProto.create({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, floatData: [...values] }));
    this.constants.set(key, name);
    return name;
  }

  /** Adds a node and returns its output names (`outputs` of them). An input '' is an omitted optional input. */
  nodeN(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, outputs = 1, base?: string): string[] {
    const stem = base ?? opType.toLowerCase();
    const outs = Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? stem : `${stem}_out${i}`));
    this.opTypes.add(opType);
    this.nodes.push(onnx.NodeProto.create({
      opType,
      name: this.fresh(`${stem}_node`),
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attributeProto(k, v)),
    }));
    return outs;
  }

  /** Adds a single-output node and returns its output name. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, base?: string): string {
    return this.nodeN(opType, inputs, attrs, 1, base)[0];
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  encode(o: EncodeOptions): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: o.opset }],
      producerName: o.producerName ?? 'ivadomed-web',
      producerVersion: o.producerVersion ?? '',
      docString: o.docString ?? '',
      graph: { name: this.graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
      metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** Decodes a serialised model (tests and inspection: op list, metadata, initializer names). */
export function decodeModel(bytes: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  return onnx.ModelProto.decode(bytes);
}

/** The metadata_props of a serialised model as a record (preprocessing, model spec, ...). */
export function onnxMetadata(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(decodeModel(bytes).metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
}
