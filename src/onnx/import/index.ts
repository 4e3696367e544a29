/**
 * ONNX import into the engine's modules, so an exported model (ours or ivadomed's) can be run and
 * fine-tuned again. The architecture comes from options.spec, else the model_spec the exporter
 * writes in metadata_props, else it is inferred from the graph (infer.ts). The weights are then
 * mapped by structure (match.ts) against the engine's own export of that architecture and loaded
 * strictly. See docs/onnx.md, "Import".
 */
import { createModel, type BuiltModel, type ModelSpec } from '../../nn/models/factory';
import { decodeSafetensors, encodeSafetensors } from '../../nn/safetensors';
import type { StateDict } from '../../nn/module';
import { exportOnnx } from '../export';
import { decodeOnnx, graphOf, graphTensors, metadataOf, opsetOf, type GraphProto } from './decode';
import { checkOperators, paramNodes, topologicalNodes } from './graph';
import { filmSignatures, imageInputOf, inferSpec } from './infer';
import { matchWeights, type GraphSide, type WeightMapping } from './match';

export { decodeOnnx } from './decode';

export interface ImportOptions {
  /** The architecture; overrides the file's model_spec metadata and structure inference. */
  spec?: ModelSpec;
  /** How errors name the file (default 'the file'). */
  fileName?: string;
}

export interface ImportReport {
  /** Where the spec came from. */
  specSource: 'options' | 'metadata' | 'inferred';
  producer: string;
  opset: number;
  /** metadata_props of the file (preprocessing, class names, ...). */
  metadata: Record<string, string>;
  /** Operator counts of the file's graph. */
  operators: Record<string, number>;
  /** Every parameter/buffer loaded, with the file tensor it came from. */
  mapping: WeightMapping[];
  /** Parameters the model's forward does not use (absent from any graph): they keep their initial values. */
  notInGraph: string[];
  /** Float tensors of the file used by no weighted layer (shape constants are not listed). */
  unusedTensors: string[];
  notes: string[];
}

export interface ImportResult {
  model: BuiltModel;
  spec: ModelSpec;
  state: StateDict;
  report: ImportReport;
}

function side(graph: GraphProto): GraphSide {
  const nodes = topologicalNodes(graph);
  return { nodes, params: paramNodes(nodes), tensors: graphTensors(graph) };
}

function specFromMetadata(metadata: Record<string, string>, fileName: string): ModelSpec | null {
  const raw = metadata.model_spec;
  if (!raw) return null;
  try {
    const spec = JSON.parse(raw) as ModelSpec;
    if (typeof spec.name !== 'string') throw new Error('no "name"');
    return spec;
  } catch (e) {
    throw new Error(`ONNX import: ${fileName} has a model_spec metadata entry that is not a model spec (${(e as Error).message}); pass options.spec`);
  }
}

function describe(spec: ModelSpec): string {
  const parts = [`in_channel ${spec.in_channel}`, `out_channel ${spec.out_channel}`];
  for (const k of ['depth', 'n_filters', 'is_2d', 'final_activation', 'attention', 'n_metadata', 'film_layers', 'contrasts'] as const) {
    if (spec[k] !== undefined) parts.push(`${k} ${JSON.stringify(spec[k])}`);
  }
  return `${spec.name} (${parts.join(', ')})`;
}

/** The engine's export of `model`, decoded: the reference the file is matched against. */
async function referenceOf(model: BuiltModel, spec: ModelSpec): Promise<GraphSide> {
  return side(graphOf(decodeOnnx(await exportOnnx(model, spec), 'the reference export')));
}

/** FiLM slots of the file: matched against a reference with every slot on (see filmSignatures). */
async function resolveFilmLayers(spec: ModelSpec, file: GraphSide, imageInput: string, metadataInput: string): Promise<number[]> {
  const slots = spec.name === 'Modified3DUNet' ? 10 : 2 * (spec.depth ?? 3) + 2;
  const all: ModelSpec = { ...spec, film_layers: Array<number>(slots).fill(1) };
  const probe = createModel(all);
  try {
    const ref = await referenceOf(probe, all);
    const refSig = filmSignatures(ref.nodes, 'input', 'metadata');
    const fileSig = filmSignatures(file.nodes, imageInput, metadataInput);
    if (refSig.length !== slots) throw new Error(`ONNX import: internal: ${refSig.length} FiLM layers found in a reference with ${slots}`);
    const flags: number[] = refSig.map((s) => (fileSig.includes(s) ? 1 : 0));
    const on = flags.reduce((a, b) => a + b, 0);
    if (on !== fileSig.length || new Set(refSig).size !== refSig.length) {
      throw new Error(`ONNX import: the file's ${fileSig.length} FiLM layers could not be placed in ${spec.name}'s ${slots} slots; pass the model spec with film_layers (options.spec)`);
    }
    return flags;
  } finally {
    probe.module.dispose();
  }
}

/**
 * Decodes an ONNX model, rebuilds its architecture with createModel and loads its weights strictly.
 * The model is returned in training mode (as createModel builds it); call model.module.eval() to
 * reproduce the file's (inference) outputs.
 */
export async function importOnnx(bytes: Uint8Array, options: ImportOptions = {}): Promise<ImportResult> {
  const fileName = options.fileName ?? 'the file';
  const proto = decodeOnnx(bytes, fileName);
  const graph = graphOf(proto);
  checkOperators(graph);
  const file = side(graph);
  const metadata = metadataOf(proto);
  const notes: string[] = [];

  let spec: ModelSpec;
  let specSource: ImportReport['specSource'];
  const fromMetadata = options.spec ? null : specFromMetadata(metadata, fileName);
  if (options.spec) [spec, specSource] = [options.spec, 'options'];
  else if (fromMetadata) [spec, specSource] = [fromMetadata, 'metadata'];
  else {
    const inferred = inferSpec({ graph, nodes: file.nodes, params: file.params, tensors: file.tensors });
    spec = inferred.spec;
    specSource = 'inferred';
    notes.push(...inferred.notes);
    if (inferred.filmInput) {
      spec = { ...spec, film_layers: await resolveFilmLayers(spec, file, imageInputOf(graph), inferred.filmInput) };
    }
  }

  const model = createModel(spec);
  try {
    const ref = await referenceOf(model, spec);
    const named = [...model.module.namedParameters(), ...model.module.namedBuffers()];
    const stateNames = new Set(named.map(([n]) => n));
    const matched = matchWeights(file, ref, stateNames, describe(spec));
    notes.push(...matched.warnings);
    const state = matched.state;
    // Parameters no forward uses cannot be in any graph: keep the model's initial values.
    const fresh = await model.module.stateDict();
    const notInGraph = [...stateNames].filter((n) => !state.has(n));
    for (const n of notInGraph) state.set(n, fresh.get(n)!);
    model.module.loadStateDict(state);

    const used = new Set(matched.mapping.map((m) => m.file));
    const usedByAny = new Set(file.params.flatMap((p) => p.weights));
    const readByNodes = new Set(graph.node.flatMap((nd) => nd.input));
    // Float initializers nothing reads (a weighted layer's would have been matched above).
    const unusedTensors = graph.initializer.map((t) => t.name ?? '').filter((n) => file.tensors.has(n) && !used.has(n) && !usedByAny.has(n) && !readByNodes.has(n));
    const operators: Record<string, number> = {};
    for (const n of file.nodes) operators[n.opType] = (operators[n.opType] ?? 0) + 1;
    return {
      model, spec, state,
      report: { specSource, producer: `${proto.producerName ?? ''} ${proto.producerVersion ?? ''}`.trim(), opset: opsetOf(proto), metadata, operators, mapping: matched.mapping, notInGraph, unusedTensors, notes },
    };
  } catch (e) {
    model.module.dispose();
    throw e;
  }
}

/**
 * Pretrained weights for transfer learning from either format: a .safetensors state dict or an
 * .onnx model (imported, its weights returned; the model it built is freed). Other names are
 * recognised by content.
 */
export async function pretrainedStateFromFile(bytes: Uint8Array, name: string): Promise<StateDict> {
  const isOnnx = /\.onnx$/i.test(name) || (!/\.safetensors$/i.test(name) && !looksLikeSafetensorsFile(bytes));
  if (!isOnnx) return decodeSafetensors(bytes).state;
  const { model, state } = await importOnnx(bytes, { fileName: name });
  model.module.dispose();
  return state;
}

function looksLikeSafetensorsFile(bytes: Uint8Array): boolean {
  try {
    decodeSafetensors(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Wraps a TrainOptions.readPretrained reader so transfer_learning.retrain_model may name an .onnx
 * file: its weights are imported and handed to the trainer as safetensors bytes.
 */
export function readPretrainedWithOnnx(read: (path: string) => Promise<Uint8Array>): (path: string) => Promise<Uint8Array> {
  return async (path) => {
    const bytes = await read(path);
    if (!/\.onnx$/i.test(path)) return bytes;
    return encodeSafetensors(await pretrainedStateFromFile(bytes, path), { source: path });
  };
}
