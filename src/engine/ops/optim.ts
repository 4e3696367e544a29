/**
 * In-place updates: fused optimizer steps (one kernel per parameter tensor, PyTorch semantics) and
 * assign(). These mutate storage, outside autograd; run them after backward().
 */
import type { AdamParams, SgdParams } from '../backend';
import { formatShape, shapesEqual } from '../shape';
import type { Tensor } from '../tensor';
import { common } from './util';

/** Copies value's elements into target (same shape), in place. */
export function assign(target: Tensor, value: Tensor): void {
  common('assign', target, value);
  if (!shapesEqual(target.shape, value.shape)) throw new Error(`assign: shapes differ: target ${formatShape(target.shape)}, value ${formatShape(value.shape)}`);
  target.backend.copy(value.storage, target.storage, target.size);
}

function checkSame(op: string, param: Tensor, others: Array<[Tensor | null, string]>): void {
  for (const [t, name] of others) {
    if (!t) continue;
    common(op, param, t);
    if (!shapesEqual(t.shape, param.shape)) throw new Error(`${op}: ${name} ${formatShape(t.shape)} must match the parameter's shape ${formatShape(param.shape)}${param.name ? ` ('${param.name}')` : ''}`);
  }
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** AdamW (decoupled weight decay). */
  decoupled?: boolean;
  /** 1-based count of this step (bias correction). */
  step: number;
}

/**
 * One Adam/AdamW step on one parameter, in place: m and v are its state tensors (zeros at
 * first), grad its gradient. torch.optim.Adam semantics (weight_decay as L2 on the gradient) or
 * AdamW (decoupled: param *= 1 - lr * wd).
 */
export function adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, o: AdamOptions): void {
  checkSame('adamUpdate', param, [[grad, 'grad'], [m, 'm'], [v, 'v']]);
  if (!Number.isInteger(o.step) || o.step < 1) throw new Error(`adamUpdate: step must be a positive integer (1 on the first update), got ${o.step}`);
  const p: AdamParams = {
    lr: o.lr, beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, step: o.step, decoupled: o.decoupled ?? false,
  };
  param.backend.adam(param.storage, grad.storage, m.storage, v.storage, param.size, p);
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  /** True on the first step: the momentum buffer starts as the gradient (PyTorch). */
  firstStep: boolean;
}

/** One SGD step on one parameter, in place (buf: momentum buffer, needed when momentum != 0). */
export function sgdUpdate(param: Tensor, grad: Tensor, buf: Tensor | null, o: SgdOptions): void {
  const momentum = o.momentum ?? 0;
  if (momentum !== 0 && !buf) throw new Error('sgdUpdate: momentum != 0 needs a momentum buffer tensor (zeros shaped like the parameter)');
  if (o.nesterov && (momentum <= 0 || (o.dampening ?? 0) !== 0)) throw new Error('sgdUpdate: Nesterov momentum requires momentum > 0 and dampening 0 (PyTorch rule)');
  checkSame('sgdUpdate', param, [[grad, 'grad'], [buf, 'momentum buffer']]);
  const p: SgdParams = { lr: o.lr, momentum, dampening: o.dampening ?? 0, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false, firstStep: o.firstStep };
  param.backend.sgd(param.storage, grad.storage, momentum !== 0 ? buf!.storage : null, param.size, p);
}
