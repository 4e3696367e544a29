/**
 * Model spec from the graph alone (no model_spec metadata, e.g. a file exported by ivadomed/PyTorch):
 * the U-Net family is recognised from its weighted layers. in_channel and n_filters come from the
 * first convolution, is_2d from its kernel rank, depth from the number of convolutions (a Unet has
 * 4 * depth + 3: two per encoder level, bottom and decoder level, plus last_conv), out_channel from
 * the last convolution, the final activation from the operator after it, FiLM and HeMIS from the
 * extra graph inputs. FiLM positions are found by data flow (see filmSignatures). dropout_rate and
 * bn_momentum are not in a graph: the factory's defaults are used.
 */
import type { ModelSpec } from '../../nn/models/factory';
import type { GraphProto, NodeProto } from './decode';
import { ancestorsOfType, dependents, type ParamNode } from './graph';
import type { FileTensor } from './decode';

export interface GraphFacts {
  graph: GraphProto;
  nodes: readonly NodeProto[];
  params: ParamNode[];
  tensors: Map<string, FileTensor>;
}

/** What infer needs to finish a FiLM spec: the flags are found against a reference with every slot on. */
export interface InferredSpec {
  spec: ModelSpec;
  /** Graph input carrying the FiLM metadata, when there is one (film_layers still to resolve). */
  filmInput: string | null;
  notes: string[];
}

function inputDims(graph: GraphProto, name: string): Array<number | null> {
  return graph.input.find((i) => i.name === name)?.dims ?? [];
}

const weightShape = (f: GraphFacts, p: ParamNode): number[] => {
  const t = f.tensors.get(p.weights[0]);
  if (!t) throw new Error(`ONNX import: missing initializer '${p.weights[0]}' (the weight of ${p.op} node '${p.node.name}')`);
  return t.shape;
};

/** Final activation: the first of Softmax / normalised ReLU / Sigmoid downstream of the last convolution. */
function finalActivation(f: GraphFacts, lastConv: ParamNode): string {
  const after = dependents(f.nodes, [lastConv.node.output[0]]);
  const ops = new Set(f.nodes.filter((n) => n.input.some((x) => after.has(x))).map((n) => n.opType));
  if (ops.has('Softmax') || (ops.has('Exp') && ops.has('ReduceSum'))) return 'softmax';
  if (ops.has('Relu')) return 'relu';
  if (ops.has('Sigmoid')) return 'sigmoid';
  throw new Error(
    `ONNX import: no final activation (Sigmoid, Softmax or normalised Relu) after the last convolution '${lastConv.node.name}'; ` +
      'the engine\'s U-Nets always end with one. Pass the model spec (options.spec) if the graph is one of them.',
  );
}

/** Contrast names from state-dict-named initializers ('Encoder_mod.Encoder_T1w....'), in order of use. */
function contrastNames(f: GraphFacts, k: number): string[] {
  const names: string[] = [];
  for (const p of f.params) {
    const m = /^Encoder_mod\.Encoder_([^.]+)\./.exec(p.weights[0]);
    if (m && !names.includes(m[1])) names.push(m[1]);
  }
  return names.length === k ? names : Array.from({ length: k }, (_, i) => `contrast${i}`);
}

export function inferSpec(f: GraphFacts): InferredSpec {
  const convs = f.params.filter((p) => p.op === 'Conv');
  if (convs.length === 0) throw new Error('ONNX import: the graph has no Conv layer, so it is not a U-Net-family model; pass the model spec (options.spec)');
  const notes = ['dropout_rate and bn_momentum are not stored in an ONNX graph: the defaults are used (pass options.spec to set them)'];
  const ops = new Set(f.nodes.map((n) => n.opType));
  if (ops.has('GlobalAveragePool') || ops.has('Flatten')) {
    throw new Error('ONNX import: this looks like a classifier (GlobalAveragePool/Flatten); its structure cannot be inferred: pass the model spec (options.spec) or export with the spec in the metadata');
  }
  const first = weightShape(f, convs[0]);
  const last = weightShape(f, convs[convs.length - 1]);
  const is2d = first.length === 4;
  if (first.length !== 4 && first.length !== 5) throw new Error(`ONNX import: the first convolution's weight has shape [${first.join(', ')}]; 2D or 3D kernels expected`);
  const nFilters = first[0];
  const imageInput = imageInputOf(f.graph);
  const extraInputs = f.graph.input.map((i) => i.name).filter((n) => n !== imageInput && !f.graph.initializer.some((t) => t.name === n));
  const availability = extraInputs.find((n) => /availab|indexes_mod|mask/i.test(n)) ?? null;
  const gemms = f.params.filter((p) => p.op === 'Gemm');
  const filmInput = gemms.length ? extraInputs.find((n) => n !== availability) ?? null : null;
  if (gemms.length && !filmInput) throw new Error('ONNX import: the graph has Gemm (linear) layers but no metadata input to drive them; FiLM graphs take [batch, n_metadata] as a second input');
  const nMetadata = gemms.length ? weightShape(f, gemms[0])[gemms[0].attrs.transB ? 1 : 0] : undefined;
  const film = filmInput ? { film_layers: [] as number[], n_metadata: nMetadata } : {};

  if (ops.has('LeakyRelu')) {
    if (is2d) throw new Error('ONNX import: LeakyRelu layers with 2D kernels: not a Modified3DUNet (3D only) nor a Unet; pass the model spec (options.spec)');
    const spec: ModelSpec = {
      name: 'Modified3DUNet', in_channel: first[1], out_channel: last[0], n_filters: nFilters, is_2d: false,
      attention: f.params.some((p) => p.op === 'BatchNormalization'), final_activation: finalActivation(f, convs[convs.length - 1]), ...film,
    };
    return { spec, filmInput, notes };
  }

  if (availability) {
    const k = inputDims(f.graph, availability)[1] ?? inputDims(f.graph, imageInput)[1];
    if (!k) throw new Error(`ONNX import: HeMIS graph: the number of contrasts is unknown (input '${availability}' has no fixed second dimension)`);
    const depth = (convs.length - 1 - 2 * k) / (2 * k + 2);
    if (!Number.isInteger(depth) || depth < 1) {
      throw new Error(`ONNX import: ${convs.length} convolutions do not make a HeMISUnet with ${k} contrasts (k * 2 * (depth + 1) + 2 * depth + 1); pass the model spec (options.spec)`);
    }
    const spec: ModelSpec = {
      name: 'HeMISUnet', in_channel: k, out_channel: last[0], depth, n_filters: nFilters, is_2d: true, contrasts: contrastNames(f, k),
      final_activation: finalActivation(f, convs[convs.length - 1]),
    };
    return { spec, filmInput: null, notes };
  }

  const depth = (convs.length - 3) / 4;
  if (!Number.isInteger(depth) || depth < 1) {
    throw new Error(`ONNX import: ${convs.length} convolutions do not make a Unet (4 * depth + 3: two per encoder level, bottom and decoder level, plus the last one); pass the model spec (options.spec)`);
  }
  const spec: ModelSpec = {
    name: filmInput ? 'FiLMedUnet' : 'Unet', in_channel: first[1], out_channel: last[0], depth, n_filters: nFilters, is_2d: is2d,
    final_activation: finalActivation(f, convs[convs.length - 1]), ...film,
  };
  return { spec, filmInput, notes };
}

/**
 * One number per FiLM layer of a graph, in node order: the count of convolutions upstream of the
 * modulated feature map (a FiLM layer is a Mul of an image-dependent value by a value that depends
 * on the metadata input only). A model's FiLM slots sit after different numbers of convolutions,
 * so the numbers of a reference with every slot on tell which slots the file uses.
 */
export function filmSignatures(nodes: readonly NodeProto[], imageInput: string, metadataInput: string): number[] {
  const fromImage = dependents(nodes, [imageInput]);
  const fromMeta = dependents(nodes, [metadataInput]);
  const convs = ancestorsOfType(nodes, 'Conv');
  const out: number[] = [];
  for (const n of nodes) {
    if (n.opType !== 'Mul' || n.input.length !== 2) continue;
    const [a, b] = n.input;
    const metaOnly = (v: string) => fromMeta.has(v) && !fromImage.has(v);
    const x = metaOnly(b) && fromImage.has(a) ? a : metaOnly(a) && fromImage.has(b) ? b : null;
    if (x !== null) out.push(convs.get(x)?.size ?? 0);
  }
  return out;
}

/** The image input: the first graph input that is not an initializer (IR < 4 lists initializers as inputs). */
export function imageInputOf(graph: GraphProto): string {
  const inits = new Set(graph.initializer.map((t) => t.name ?? ''));
  return graph.input.find((i) => !inits.has(i.name))?.name ?? 'input';
}
