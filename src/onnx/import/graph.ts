/**
 * Graph walking for import: the nodes in a topological order (the file's own order when it is
 * one, as the ONNX spec asks), the operators an engine model can correspond to, the parameterised
 * nodes (Conv, BatchNormalization, InstanceNormalization, Gemm) in that order with their weight
 * inputs and attributes, and data-flow questions (what a value depends on, what reaches it).
 */
import { toNumber, type GraphProto, type NodeProto } from './decode';

/** Nodes carrying weights; their weight inputs (by position) are what import maps to parameters. */
export const PARAM_OPS: Record<string, { slots: number[]; roles: string[] }> = {
  Conv: { slots: [1, 2], roles: ['weight', 'bias'] },
  BatchNormalization: { slots: [1, 2, 3, 4], roles: ['scale', 'bias', 'running mean', 'running var'] },
  InstanceNormalization: { slots: [1, 2], roles: ['scale', 'bias'] },
  Gemm: { slots: [1, 2], roles: ['weight', 'bias'] },
};

/**
 * Operators an imported U-Net-family / classifier graph may hold: the exporter's own, plus the
 * shape arithmetic, casts and softmax expansions PyTorch's exporter writes (opset 11+). Anything
 * else (ConvTranspose, LSTM, Tanh, ...) has no counterpart in the engine's models and is refused.
 */
export const KNOWN_OPS = new Set([
  ...Object.keys(PARAM_OPS),
  'Relu', 'LeakyRelu', 'Sigmoid', 'Softmax', 'LogSoftmax', 'Exp', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Flatten',
  'Resize', 'Upsample', 'Concat', 'Slice', 'Split', 'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Pow', 'Sqrt', 'Neg', 'Clip',
  'ReduceMax', 'ReduceSum', 'ReduceMean', 'Equal', 'Where', 'Shape', 'Size', 'Gather', 'Unsqueeze', 'Squeeze', 'Reshape',
  'Transpose', 'Identity', 'Dropout', 'Constant', 'ConstantOfShape', 'Cast', 'Floor', 'Ceil', 'Range', 'Expand', 'Pad', 'Not',
]);

export type AttrValue = number | number[] | string;

export function attributes(node: NodeProto): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const a of node.attribute) {
    const name = a.name ?? '';
    switch (a.type) {
      case 1: out[name] = a.f ?? 0; break; // FLOAT
      case 2: out[name] = toNumber((a.i ?? 0) as number); break; // INT
      case 3: out[name] = new TextDecoder().decode(a.s ?? new Uint8Array()); break; // STRING
      case 6: out[name] = [...(a.floats ?? [])]; break; // FLOATS
      case 7: out[name] = (a.ints ?? []).map((v) => toNumber(v as number)); break; // INTS
      default: break;
    }
  }
  return out;
}

export const nodeLabel = (node: NodeProto, index: number): string => `${node.opType} node '${node.name || `#${index}`}'`;

/** Refuses the first operator no engine model has (names it and its node). */
export function checkOperators(graph: GraphProto): void {
  graph.node.forEach((n, i) => {
    if (n.domain && n.domain !== 'ai.onnx') {
      throw new Error(`ONNX import: unknown operator '${n.domain}.${n.opType}' (${nodeLabel(n, i)}): custom-domain operators cannot be imported`);
    }
    if (!KNOWN_OPS.has(n.opType)) {
      throw new Error(
        `ONNX import: unknown operator '${n.opType}' (${nodeLabel(n, i)}, output '${n.output[0] ?? ''}'): the engine's models have no layer for it. ` +
          'Importable graphs hold U-Net-family / classifier layers: Conv, BatchNormalization, InstanceNormalization, Gemm and the activations, pooling, Resize and shape operators of their exports.',
      );
    }
  });
}

/**
 * A topological order: the file's node order when it already is one (it keeps the forward order
 * of the exporter or tracer), otherwise Kahn's algorithm taking ready nodes in file order.
 */
export function topologicalNodes(graph: GraphProto): NodeProto[] {
  const sources = ['', ...graph.input.map((i) => i.name), ...graph.initializer.map((t) => t.name ?? ''), ...constantOutputs(graph)];
  const available = new Set<string>(sources);
  const nodes = graph.node;
  const sorted = nodes.every((n) => {
    const ok = n.input.every((x) => available.has(x));
    n.output.forEach((o) => available.add(o));
    return ok;
  });
  if (sorted) return nodes;
  // Anything read but produced by nothing is a missing weight (or a dangling value): name it.
  const everywhere = new Set(available);
  nodes.forEach((n) => n.output.forEach((o) => everywhere.add(o)));
  nodes.forEach((n, i) => n.input.forEach((x, k) => {
    if (!everywhere.has(x)) {
      throw new Error(`ONNX import: missing initializer '${x}' (input ${k} of ${nodeLabel(n, i)}): no initializer, graph input or node provides it; the file is incomplete`);
    }
  }));
  const produced = new Set<string>(sources);
  const pending = [...nodes];
  const out: NodeProto[] = [];
  while (pending.length) {
    const i = pending.findIndex((n) => n.input.every((x) => produced.has(x)));
    if (i < 0) {
      const n = pending[0];
      const missing = n.input.find((x) => !produced.has(x));
      throw new Error(`ONNX import: ${n.opType} node '${n.name}' reads '${missing}', which no node, input or initializer produces (the graph is incomplete or has a cycle)`);
    }
    const [n] = pending.splice(i, 1);
    n.output.forEach((o) => produced.add(o));
    out.push(n);
  }
  return out;
}

/** Outputs of Constant nodes (available from the start, wherever the node sits). */
function constantOutputs(graph: GraphProto): string[] {
  return graph.node.filter((n) => n.opType === 'Constant').flatMap((n) => n.output);
}

/** A parameterised node with its weight inputs (value names, '' when absent) and attributes. */
export interface ParamNode {
  index: number;
  node: NodeProto;
  op: string;
  weights: string[];
  attrs: Record<string, AttrValue>;
}

export function paramNodes(nodes: readonly NodeProto[]): ParamNode[] {
  const out: ParamNode[] = [];
  nodes.forEach((node, index) => {
    const p = PARAM_OPS[node.opType];
    if (!p) return;
    out.push({ index, node, op: node.opType, weights: p.slots.map((s) => node.input[s] ?? ''), attrs: attributes(node) });
  });
  return out;
}

/**
 * For each value, the set of nodes of `op` among its ancestors (the node producing it included),
 * as sorted index lists are costly we keep Sets of node indices.
 */
export function ancestorsOfType(nodes: readonly NodeProto[], op: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  nodes.forEach((n, i) => {
    const s = new Set<number>();
    for (const x of n.input) for (const a of out.get(x) ?? []) s.add(a);
    if (n.opType === op) s.add(i);
    for (const o of n.output) out.set(o, s);
  });
  return out;
}

/** The values that depend on any of `sources` (graph input names). */
export function dependents(nodes: readonly NodeProto[], sources: readonly string[]): Set<string> {
  const out = new Set(sources);
  for (const n of nodes) if (n.input.some((x) => out.has(x))) n.output.forEach((o) => out.add(o));
  return out;
}
