/**
 * Define-by-run autograd. Every op that has an input requiring grad records a GradNode holding its
 * backward rule (written with ops, so it runs on any backend) and retaining the tensors the rule
 * needs. backward() walks the nodes in reverse topological order, accumulating gradients.
 *
 * Memory: a node is owned by the tensor it produced and by the nodes downstream of it. When the
 * last owner goes (the output is disposed and no later node uses it), or after backward ran through
 * it, its retained tensors are released. So a forward pass's intermediates can be disposed by a
 * scope right away: their storage lives exactly until backward() has consumed it.
 */
import type { Tensor } from './tensor';
import { scope } from './memory';
import { formatShape, shapesEqual } from './shape';
import { add, copy } from './ops/elementwise';
import { onesLike } from './ops/creation';

export type BackwardRule = (gy: Tensor) => Array<Tensor | null | undefined>;

export interface GradNode {
  /** The op's name, for error messages. */
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly saved: readonly Tensor[];
  readonly backward: BackwardRule;
  owners: number;
  released: boolean;
}

let gradEnabled = true;
let internalDepth = 0;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording autograd nodes (inference, optimizer updates, running statistics). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Whether the engine itself is running a backward rule (saved tensors may be user-disposed). */
export function internalAccess(): boolean {
  return internalDepth > 0;
}

/** Whether an op on these inputs must record a node. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  return gradEnabled && inputs.some((t) => t.requiresGrad);
}

/**
 * Records `out` as produced by an op with the given inputs; `rule(gy)` returns one gradient per
 * input (null where not needed). `saved` are the tensors the rule reads besides gy.
 * Call only after computing out; does nothing when no input requires grad.
 */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], saved: readonly Tensor[], rule: BackwardRule): Tensor {
  if (!needsGrad(inputs)) return out;
  for (const t of inputs) {
    if (t.isDisposed && !internalAccess()) t.assertUsable();
  }
  for (const t of saved) t.retain();
  for (const t of inputs) if (t.gradFn) t.gradFn.owners++;
  out.gradFn = { name, inputs: [...inputs], saved: [...saved], backward: rule, owners: 1, released: false };
  out.requiresGrad = true;
  return out;
}

function releaseSaved(node: GradNode): void {
  if (node.released) return;
  node.released = true;
  for (const t of node.saved) t.release();
}

/** Drops one owner of a node; frees what it retains (and recursively its inputs' nodes) at zero. */
export function releaseNode(node: GradNode): void {
  // Iterative: graphs of long training loops can be deep.
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    if (--n.owners > 0) continue;
    releaseSaved(n);
    for (const t of n.inputs) if (t.gradFn) stack.push(t.gradFn);
  }
}

function topoOrder(root: GradNode): GradNode[] {
  const order: GradNode[] = [];
  const visited = new Set<GradNode>();
  const stack: Array<{ node: GradNode; next: number }> = [{ node: root, next: 0 }];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next < top.node.inputs.length) {
      const child = top.node.inputs[top.next++].gradFn;
      if (child && !visited.has(child)) {
        visited.add(child);
        stack.push({ node: child, next: 0 });
      }
    } else {
      order.push(top.node);
      stack.pop();
    }
  }
  return order.reverse(); // root first
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.isDisposed) {
    g.dispose();
    return;
  }
  if (leaf.grad) {
    const sum = add(leaf.grad, g);
    leaf.grad.dispose();
    g.dispose();
    leaf.grad = sum.keep();
  } else {
    leaf.grad = g.keep();
  }
}

export function backward(root: Tensor, seed: Tensor | undefined, options: { retainGraph?: boolean } = {}): void {
  if (!root.requiresGrad) {
    throw new Error(`backward(): tensor ${formatShape(root.shape)} does not require grad; no parameter (requireGrad()) was used to compute it, or it was computed under noGrad()`);
  }
  if (!seed && root.size !== 1) {
    throw new Error(`backward(): tensor ${formatShape(root.shape)} is not a scalar; pass the gradient of the output, e.g. t.backward(onesLike(t))`);
  }
  if (seed && !shapesEqual(seed.shape, root.shape)) {
    throw new Error(`backward(): gradient shape ${formatShape(seed.shape)} differs from the output's ${formatShape(root.shape)}`);
  }
  const prevGrad = gradEnabled;
  gradEnabled = false;
  internalDepth++;
  try {
    const start = seed ?? onesLike(root).keep();
    const ownSeed = !seed;
    if (!root.gradFn) {
      accumulateLeaf(root, ownSeed ? start : (seed!.detach().keep()));
      return;
    }
    const grads = new Map<GradNode, Tensor>();
    grads.set(root.gradFn, start);
    for (const node of topoOrder(root.gradFn)) {
      const gy = grads.get(node);
      if (!gy) continue;
      grads.delete(node);
      if (node.released) {
        if (gy !== seed) gy.dispose();
        throw new Error(`backward(): the graph through '${node.name}' was already used by a backward() (or released); pass { retainGraph: true } to the first backward() to run it twice`);
      }
      const inputGrads = scope(() => node.backward(gy).map((g) => g ?? null));
      // Rules may return the same tensor for several inputs (add returns gy twice): each input
      // gets a tensor it owns, copying where one was already handed out (or belongs to the caller).
      const owned = new Set<Tensor>();
      node.inputs.forEach((input, i) => {
        let g = inputGrads[i];
        if (!g || !input.requiresGrad) return;
        if (!shapesEqual(g.shape, input.shape)) {
          throw new Error(`backward(): '${node.name}' produced a gradient of shape ${formatShape(g.shape)} for an input of shape ${formatShape(input.shape)} (engine bug)`);
        }
        if (owned.has(g) || g === seed) g = copy(g);
        owned.add(g);
        g.keep();
        if (input.gradFn) {
          const prev = grads.get(input.gradFn);
          if (prev) {
            grads.set(input.gradFn, add(prev, g).keep());
            prev.dispose();
            g.dispose();
          } else grads.set(input.gradFn, g);
        } else {
          accumulateLeaf(input, g);
        }
      });
      for (const g of new Set([...inputGrads, gy])) if (g && !owned.has(g) && g !== seed) g.dispose();
      if (!options.retainGraph) releaseSaved(node);
    }
    for (const g of grads.values()) g.dispose();
  } finally {
    internalDepth--;
    gradEnabled = prevGrad;
  }
}
