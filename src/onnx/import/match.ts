/**
 * Weights mapped by structure: the parameterised nodes of the file and of a reference graph (the
 * engine's own export of the target model, whose initializers carry the state-dict names) are
 * paired in topological order; each pair must have the same operator, the same layer attributes
 * and weights of the same shapes. The file's tensor names do not matter (PyTorch's anonymous
 * 'onnx::Conv_123' works as well as 'encoder.down_path.0.conv1.weight').
 */
import type { StateDict } from '../../nn/module';
import type { FileTensor, NodeProto } from './decode';
import { nodeLabel, PARAM_OPS, type AttrValue, type ParamNode } from './graph';

export interface GraphSide {
  nodes: readonly NodeProto[];
  params: ParamNode[];
  tensors: Map<string, FileTensor>;
}

export interface WeightMapping {
  /** State-dict name in the engine model. */
  state: string;
  /** Tensor name in the file. */
  file: string;
}

export interface MatchResult {
  state: StateDict;
  mapping: WeightMapping[];
  warnings: string[];
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

function opCounts(params: readonly ParamNode[]): string {
  const counts = new Map<string, number>();
  for (const p of params) counts.set(p.op, (counts.get(p.op) ?? 0) + 1);
  return [...counts].map(([op, n]) => `${n} ${op}`).join(', ') || 'none';
}

/** Layer attributes that change the computation, with ONNX defaults filled in. */
function layerAttrs(p: ParamNode, weightShape: readonly number[] | undefined): Record<string, AttrValue> {
  const a = p.attrs;
  if (p.op === 'Conv') {
    const d = Math.max((weightShape?.length ?? 4) - 2, 1);
    return {
      strides: a.strides ?? Array(d).fill(1), dilations: a.dilations ?? Array(d).fill(1), pads: a.pads ?? Array(2 * d).fill(0),
      group: a.group ?? 1, auto_pad: a.auto_pad ?? 'NOTSET',
    };
  }
  if (p.op === 'BatchNormalization' || p.op === 'InstanceNormalization') return { epsilon: Math.fround((a.epsilon as number | undefined) ?? 1e-5) };
  if (p.op === 'Gemm') return { transA: a.transA ?? 0, alpha: a.alpha ?? 1, beta: a.beta ?? 1 };
  return {};
}

/** [in, out] -> [out, in] (Gemm with transB = 0 stores the Linear weight transposed). */
function transpose2d(t: FileTensor): FileTensor {
  const [r, c] = t.shape;
  const data = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[j * r + i] = t.data[i * c + j];
  return { name: t.name, shape: [c, r], data };
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/**
 * Pairs file and reference parameter nodes and returns the state dict (by the reference's names).
 * `stateNames`: the model's parameter and buffer names; a reference weight input that is not one of
 * them is a constant of the export (InstanceNorm without affine: ones/zeros), which the file must
 * match too. `modelLabel` describes the target model in errors.
 */
export function matchWeights(file: GraphSide, ref: GraphSide, stateNames: ReadonlySet<string>, modelLabel: string): MatchResult {
  if (file.params.length !== ref.params.length || file.params.some((p, i) => p.op !== ref.params[i].op)) {
    const i = file.params.findIndex((p, k) => k >= ref.params.length || p.op !== ref.params[k].op);
    const at = i >= 0 ? i : file.params.length; // the file is a prefix of the model: it ends early
    const fileNode = file.params[at];
    const refNode = ref.params[at];
    throw new Error(
      `ONNX import: the graph's layers do not fit ${modelLabel}: the file has ${opCounts(file.params)}; the model has ${opCounts(ref.params)}. ` +
        `First difference at weighted layer ${at + 1}: the file has ${fileNode ? nodeLabel(fileNode.node, fileNode.index) : 'nothing'}, ` +
        `the model expects ${refNode ? refNode.op : 'nothing'}. Pass the right model spec (options.spec: name, depth, n_filters, ...).`,
    );
  }
  const state: StateDict = new Map();
  const source = new Map<string, string>();
  const mapping: WeightMapping[] = [];
  const warnings: string[] = [];

  file.params.forEach((fp, i) => {
    const rp = ref.params[i];
    const where = nodeLabel(fp.node, fp.index);
    const roles = PARAM_OPS[fp.op].roles;
    const refWeight = ref.tensors.get(rp.weights[0]);
    const fileAttrs = layerAttrs(fp, file.tensors.get(fp.weights[0])?.shape);
    const refAttrs = layerAttrs(rp, refWeight?.shape);
    for (const key of Object.keys(refAttrs)) {
      if (JSON.stringify(fileAttrs[key]) !== JSON.stringify(refAttrs[key])) {
        throw new Error(`ONNX import: ${where} has ${key} = ${JSON.stringify(fileAttrs[key])} where the model's layer '${rp.weights[0]}' has ${JSON.stringify(refAttrs[key])} (${modelLabel})`);
      }
    }
    const transposeB = fp.op === 'Gemm' && (fp.attrs.transB ?? 0) !== (rp.attrs.transB ?? 0);

    rp.weights.forEach((refName, k) => {
      const fileName = fp.weights[k];
      const role = roles[k];
      if (!refName) {
        if (fileName) throw new Error(`ONNX import: ${where} has a ${role} input '${fileName}' but the model's layer has none (${modelLabel})`);
        return;
      }
      const isParam = stateNames.has(refName);
      const label = isParam ? `parameter '${refName}'` : `the ${role} of the layer holding '${rp.weights[0]}'`;
      if (!fileName) throw new Error(`ONNX import: ${where} has no ${role} input, but the model needs one for ${label}`);
      let t = file.tensors.get(fileName);
      if (!t) {
        throw new Error(
          `ONNX import: missing initializer '${fileName}' (the ${role} of ${where}) for ${label}: it is neither an initializer nor a Constant ` +
            '(weights computed by other nodes or stored elsewhere cannot be imported)',
        );
      }
      if (k === 0 && transposeB && t.shape.length === 2) t = transpose2d(t);
      const expected = ref.tensors.get(refName);
      if (!expected) throw new Error(`ONNX import: internal: the reference export lacks '${refName}'`);
      if (t.shape.length !== expected.shape.length || t.shape.some((d, j) => d !== expected.shape[j])) {
        throw new Error(`ONNX import: ${label} has shape ${fmt(t.shape)} in the file (tensor '${fileName}', the ${role} of ${where}) but ${fmt(expected.shape)} in ${modelLabel}`);
      }
      if (!isParam) {
        // A constant of the export (affine-free norm): the file's values must be the same, else weights would be lost.
        if (!sameValues(t.data, expected.data)) {
          throw new Error(`ONNX import: ${where} has a non-constant ${role} ('${fileName}') but the model's layer has none (affine-free norm); the weights cannot be kept (${modelLabel})`);
        }
        return;
      }
      const seen = source.get(refName);
      if (seen !== undefined) {
        if (seen !== fileName && !sameValues(state.get(refName)!.data, t.data)) {
          throw new Error(`ONNX import: parameter '${refName}' is shared in the model, but the file holds different values in '${seen}' and '${fileName}' (${where})`);
        }
        return;
      }
      source.set(refName, fileName);
      state.set(refName, { shape: [...t.shape], data: t.data.slice() });
      mapping.push({ state: refName, file: fileName });
      if (fileName !== refName && stateNames.has(fileName)) {
        warnings.push(`tensor '${fileName}' of the file is loaded into '${refName}' (mapped by structure; the names differ)`);
      }
    });
  });
  return { state, mapping, warnings };
}
