/**
 * Elementwise ops with NumPy broadcasting, and their backward rules. Number operands become
 * scalar `affine` / `powScalar` kernels where possible (no constant tensor is materialised).
 */
import type { BinaryOp, UnaryOp } from '../backend';
import { record } from '../autograd';
import { broadcastShapes, broadcastStrides } from '../shape';
import type { Tensor } from '../tensor';
import { fullLike } from './creation';
import { sumTo } from './reduce';
import { common, empty } from './util';

// ---------- raw kernels (no autograd) ----------

export function unaryRaw(op: UnaryOp, x: Tensor, a = 0, b = 0): Tensor {
  common(op, x);
  const out = empty(x.backend, x.shape, x.dtype);
  x.backend.unary(op, x.storage, out.storage, x.size, a, b);
  return out;
}

export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  const { backend, dtype } = common(op, a, b);
  const outShape = broadcastShapes(a.shape, b.shape, op);
  const out = empty(backend, outShape, dtype);
  backend.binary(op, a.storage, broadcastStrides(a.shape, outShape), b.storage, broadcastStrides(b.shape, outShape), out.storage, outShape);
  return out;
}

function asTensor(x: Tensor | number, like: Tensor): Tensor {
  return typeof x === 'number' ? fullLike(like, x, []) : x;
}

// ---------- unary ----------

function unary(op: UnaryOp, x: Tensor, a: number, b: number, saveOutput: boolean, rule: ((g: Tensor, x: Tensor, y: Tensor) => Tensor) | null): Tensor {
  const y = unaryRaw(op, x, a, b);
  if (!rule) return y;
  return record(y, op, [x], saveOutput ? [y] : [x], (g) => [rule(g, x, y)]);
}

/** A copy with its own storage (gradient flows through). */
export function copy(x: Tensor): Tensor {
  return unary('copy', x, 0, 0, false, (g) => g);
}
export function neg(x: Tensor): Tensor {
  return unary('neg', x, 0, 0, false, (g) => neg(g));
}
export function exp(x: Tensor): Tensor {
  return unary('exp', x, 0, 0, true, (g, _x, y) => mul(g, y));
}
export function log(x: Tensor): Tensor {
  return unary('log', x, 0, 0, false, (g, xx) => div(g, xx));
}
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', x, 0, 0, true, (g, _x, y) => div(g, scale(y, 2)));
}
export function rsqrt(x: Tensor): Tensor {
  return unary('rsqrt', x, 0, 0, true, (g, _x, y) => mul(g, scale(unaryRaw('powScalar', y, 3), -0.5)));
}
export function abs(x: Tensor): Tensor {
  return unary('abs', x, 0, 0, false, (g, xx) => mul(g, unaryRaw('sign', xx)));
}
export function sign(x: Tensor): Tensor {
  return unaryRaw('sign', x);
}
export function floor(x: Tensor): Tensor {
  return unaryRaw('floor', x);
}
export function relu(x: Tensor): Tensor {
  // Backward in one pass: y = relu(x) is nonzero exactly where x > 0, so where(y, g, 0) is
  // g * step(x) without materialising step(x). Saving y (not x) also frees x after the forward.
  return unary('relu', x, 0, 0, true, (g, _x, y) => where(y, g, 0));
}
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  return unary('leakyRelu', x, slope, 0, false, (g, xx) => mul(g, unaryRaw('leakyReluDeriv', xx, slope)));
}
export function sigmoid(x: Tensor): Tensor {
  // dy/dx = y (1 - y)
  return unary('sigmoid', x, 0, 0, true, (g, _x, y) => mul(g, mul(y, unaryRaw('affine', y, -1, 1))));
}
export function tanh(x: Tensor): Tensor {
  // dy/dx = 1 - y^2
  return unary('tanh', x, 0, 0, true, (g, _x, y) => mul(g, unaryRaw('affine', unaryRaw('square', y), -1, 1)));
}
/** Clamps to [min, max]; the gradient passes where min <= x <= max (PyTorch). */
export function clamp(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  return unary('clamp', x, min, max, false, (g, xx) => mul(g, unaryRaw('clampMask', xx, min, max)));
}
export function square(x: Tensor): Tensor {
  return unary('square', x, 0, 0, false, (g, xx) => mul(g, scale(xx, 2)));
}
export function reciprocal(x: Tensor): Tensor {
  return unary('reciprocal', x, 0, 0, true, (g, _x, y) => neg(mul(g, unaryRaw('square', y))));
}
/** a * x + b for numbers a, b. */
export function affine(x: Tensor, a: number, b: number): Tensor {
  return unary('affine', x, a, b, false, a === 1 ? (g) => g : (g) => scale(g, a));
}
/** x * s for a number s. */
export function scale(x: Tensor, s: number): Tensor {
  return affine(x, s, 0);
}
function powScalar(x: Tensor, p: number): Tensor {
  if (p === 1) return copy(x);
  if (p === 2) return square(x);
  return unary('powScalar', x, p, 0, false, (g, xx) => mul(g, scale(unaryRaw('powScalar', xx, p - 1), p)));
}

// ---------- binary ----------

export function add(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a as Tensor, 1, b);
  if (typeof a === 'number') return affine(b, 1, a);
  const y = binaryRaw('add', a, b);
  return record(y, 'add', [a, b], [], (g) => [sumTo(g, a.shape), sumTo(g, b.shape)]);
}

export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return affine(a as Tensor, 1, -b);
  if (typeof a === 'number') return affine(b, -1, a);
  const y = binaryRaw('sub', a, b);
  return record(y, 'sub', [a, b], [], (g) => [sumTo(g, a.shape), b.requiresGrad ? sumTo(neg(g), b.shape) : null]);
}

export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scale(a as Tensor, b);
  if (typeof a === 'number') return scale(b, a);
  const y = binaryRaw('mul', a, b);
  return record(y, 'mul', [a, b], [a, b], (g) => [
    a.requiresGrad ? sumTo(mul(g, b), a.shape) : null,
    b.requiresGrad ? sumTo(mul(g, a), b.shape) : null,
  ]);
}

export function div(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return scale(a as Tensor, 1 / b);
  if (typeof a === 'number') return scale(reciprocal(b), a);
  const y = binaryRaw('div', a, b);
  return record(y, 'div', [a, b], [a, b], (g) => {
    const ga = div(g, b);
    return [a.requiresGrad ? sumTo(ga, a.shape) : null, b.requiresGrad ? sumTo(neg(mul(ga, div(a, b))), b.shape) : null];
  });
}

export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof b === 'number') return powScalar(a as Tensor, b);
  if (typeof a === 'number') return exp(scale(b, Math.log(a)));
  const y = binaryRaw('pow', a, b);
  return record(y, 'pow', [a, b], [a, b, y], (g) => [
    a.requiresGrad ? sumTo(mul(g, mul(b, pow(a, sub(b, 1)))), a.shape) : null,
    // d/db a^b = a^b ln a, taken as 0 where a == 0 (PyTorch's convention).
    b.requiresGrad ? sumTo(mul(g, where(binaryRaw('eq', a, fullLike(a, 0, [])), fullLike(a, 0, []), mul(y, log(a)))), b.shape) : null,
  ]);
}

/** Elementwise maximum; ties split the gradient equally (PyTorch). */
export function maximum(a: Tensor, b: Tensor | number): Tensor {
  const bt = asTensor(b, a);
  const y = binaryRaw('maximum', a, bt);
  return record(y, 'maximum', [a, bt], [a, bt], (g) => {
    const half = scale(binaryRaw('eq', a, bt), 0.5);
    return [
      a.requiresGrad ? sumTo(mul(g, add(binaryRaw('gt', a, bt), half)), a.shape) : null,
      bt.requiresGrad ? sumTo(mul(g, add(binaryRaw('lt', a, bt), half)), bt.shape) : null,
    ];
  });
}

export function minimum(a: Tensor, b: Tensor | number): Tensor {
  const bt = asTensor(b, a);
  const y = binaryRaw('minimum', a, bt);
  return record(y, 'minimum', [a, bt], [a, bt], (g) => {
    const half = scale(binaryRaw('eq', a, bt), 0.5);
    return [
      a.requiresGrad ? sumTo(mul(g, add(binaryRaw('lt', a, bt), half)), a.shape) : null,
      bt.requiresGrad ? sumTo(mul(g, add(binaryRaw('gt', a, bt), half)), bt.shape) : null,
    ];
  });
}

// ---------- comparisons: 0/1 floats, no gradient ----------

function compare(op: BinaryOp, a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  const like = (typeof a === 'number' ? b : a) as Tensor;
  return binaryRaw(op, asTensor(a, like), asTensor(b, like));
}
export const eq = (a: Tensor | number, b: Tensor | number): Tensor => compare('eq', a, b);
export const ne = (a: Tensor | number, b: Tensor | number): Tensor => compare('ne', a, b);
export const gt = (a: Tensor | number, b: Tensor | number): Tensor => compare('gt', a, b);
export const ge = (a: Tensor | number, b: Tensor | number): Tensor => compare('ge', a, b);
export const lt = (a: Tensor | number, b: Tensor | number): Tensor => compare('lt', a, b);
export const le = (a: Tensor | number, b: Tensor | number): Tensor => compare('le', a, b);

/** mask != 0 ? a : b, broadcasting all three. The mask gets no gradient. */
export function where(mask: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  const at = asTensor(a, mask);
  const bt = asTensor(b, mask);
  const { backend, dtype } = common('where', mask, at, bt);
  const outShape = broadcastShapes(broadcastShapes(mask.shape, at.shape, 'where'), bt.shape, 'where');
  const out = empty(backend, outShape, dtype);
  backend.where(
    mask.storage, broadcastStrides(mask.shape, outShape),
    at.storage, broadcastStrides(at.shape, outShape),
    bt.storage, broadcastStrides(bt.shape, outShape),
    out.storage, outShape,
  );
  return record(out, 'where', [at, bt], [mask], (g) => {
    const zero = fullLike(g, 0, []);
    return [at.requiresGrad ? sumTo(where(mask, g, zero), at.shape) : null, bt.requiresGrad ? sumTo(where(mask, zero, g), bt.shape) : null];
  });
}
