/**
 * Optimizers with torch.optim semantics (INVENTORY §g: ivadomed trains with
 * `Adam(params with requires_grad, lr=initial_lr)`), built on the engine's fused in-place updates
 * (adamUpdate / sgdUpdate). Per-parameter state (moments, step counts) lives on the parameter's
 * backend and is created lazily on the parameter's first update, as PyTorch does; a parameter that
 * is frozen (requiresGrad false, transfer learning) or has no gradient this step is skipped and its
 * step count does not advance.
 */
import { adamUpdate, sgdUpdate, tensor, zeros, type FloatArray, type Tensor } from '../engine';

/** What schedulers need from an optimizer: its current learning rate, read and written. */
export interface HasLearningRate {
  lr: number;
}

export interface AdamOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** L2 penalty added to the gradient (torch.optim.Adam's weight_decay, not AdamW). */
  weightDecay?: number;
}

/** Checkpoint form of Adam: plain numbers and arrays, index i = params[i]. */
export interface AdamState {
  kind: 'adam';
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Updates applied to params[i] so far (0 = never updated, then m[i] and v[i] are null). */
  step: number[];
  m: Array<FloatArray | null>;
  v: Array<FloatArray | null>;
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export interface SgdState {
  kind: 'sgd';
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** Momentum buffer of params[i] (null until its first update, or when momentum is 0). */
  buf: Array<FloatArray | null>;
}

function checkPositive(what: string, value: number, allowZero: boolean): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`${what} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${value}`);
  }
}

function checkParams(optimizer: string, params: readonly Tensor[]): void {
  if (params.length === 0) throw new Error(`${optimizer}: got an empty parameter list`);
  if (new Set(params).size !== params.length) throw new Error(`${optimizer}: a parameter appears more than once in the list`);
}

/** Parameters the optimizer updates now: trainable, with a gradient from the last backward(). */
function hasGradient(p: Tensor): p is Tensor & { grad: Tensor } {
  return p.requiresGrad && p.grad !== null;
}

/** A kept zeros tensor shaped, typed and placed like the parameter (optimizer state). */
function stateLike(p: Tensor): Tensor {
  return zeros([...p.shape], { backend: p.backend.name, dtype: p.dtype }).keep();
}

/** A kept tensor holding checkpointed state for parameter p (checks the element count). */
function restoreLike(p: Tensor, data: FloatArray, what: string, index: number): Tensor {
  if (data.length !== p.size) {
    throw new Error(`loadStateDict: ${what}[${index}] has ${data.length} values but parameter ${index}${p.name ? ` ('${p.name}')` : ''} has ${p.size} (shape [${p.shape.join(', ')}]); the checkpoint belongs to another model`);
  }
  return tensor(data, [...p.shape], { backend: p.backend.name, dtype: p.dtype }).keep();
}

function checkStateLength(optimizer: string, params: readonly Tensor[], lists: Record<string, unknown[]>): void {
  for (const [name, list] of Object.entries(lists)) {
    if (!Array.isArray(list) || list.length !== params.length) {
      throw new Error(`${optimizer}.loadStateDict: '${name}' has ${Array.isArray(list) ? list.length : 'no'} entries but the optimizer has ${params.length} parameters`);
    }
  }
}

/** torch.optim.Adam (amsgrad off). */
export class Adam implements HasLearningRate {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly params: readonly Tensor[];
  private readonly steps: number[];
  private readonly m: Array<Tensor | null>;
  private readonly v: Array<Tensor | null>;

  constructor(params: readonly Tensor[], opts: AdamOptions) {
    checkParams('Adam', params);
    checkPositive('Adam lr', opts.lr, true);
    const betas = opts.betas ?? [0.9, 0.999];
    for (const [i, b] of betas.entries()) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam betas[${i}] must be in [0, 1), got ${b}`);
    }
    this.params = [...params];
    this.lr = opts.lr;
    this.betas = [betas[0], betas[1]];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    checkPositive('Adam eps', this.eps, true);
    checkPositive('Adam weightDecay', this.weightDecay, true);
    this.steps = params.map(() => 0);
    this.m = params.map(() => null);
    this.v = params.map(() => null);
  }

  step(): void {
    this.params.forEach((p, i) => {
      if (!hasGradient(p)) return;
      this.m[i] ??= stateLike(p);
      this.v[i] ??= stateLike(p);
      this.steps[i] += 1;
      adamUpdate(p, p.grad, this.m[i]!, this.v[i]!, {
        lr: this.lr, beta1: this.betas[0], beta2: this.betas[1], eps: this.eps, weightDecay: this.weightDecay, step: this.steps[i],
      });
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  async stateDict(): Promise<AdamState> {
    return {
      kind: 'adam', lr: this.lr, betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay,
      step: [...this.steps],
      m: await Promise.all(this.m.map((t) => (t ? t.data() : null))),
      v: await Promise.all(this.v.map((t) => (t ? t.data() : null))),
    };
  }

  /** Restores lr, step counts and moments; hyper-parameters other than lr stay as constructed (PyTorch restores them all; ivadomed never changes them). */
  loadStateDict(state: AdamState): void {
    if (state.kind !== 'adam') throw new Error(`Adam.loadStateDict: got a '${String(state.kind)}' optimizer state, expected 'adam'`);
    checkStateLength('Adam', this.params, { step: state.step, m: state.m, v: state.v });
    const restored = this.params.map((p, i) => {
      const step = state.step[i];
      if (!Number.isInteger(step) || step < 0) throw new Error(`Adam.loadStateDict: step[${i}] must be an integer >= 0, got ${step}`);
      const m = state.m[i], v = state.v[i];
      if (step > 0 && (!m || !v)) throw new Error(`Adam.loadStateDict: parameter ${i} has step ${step} but no m/v moments`);
      return step > 0 ? { step, m: restoreLike(p, m!, 'm', i), v: restoreLike(p, v!, 'v', i) } : { step: 0, m: null, v: null };
    });
    this.disposeState();
    restored.forEach((r, i) => {
      this.steps[i] = r.step;
      this.m[i] = r.m;
      this.v[i] = r.v;
    });
    this.lr = state.lr;
  }

  /** Frees the moment tensors (the parameters belong to the caller). */
  dispose(): void {
    this.disposeState();
    this.steps.fill(0);
  }

  private disposeState(): void {
    for (const list of [this.m, this.v]) {
      list.forEach((t, i) => {
        t?.dispose();
        list[i] = null;
      });
    }
  }
}

/** torch.optim.SGD (momentum buffer starts as the first gradient, as in PyTorch). */
export class SGD implements HasLearningRate {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private readonly params: readonly Tensor[];
  private readonly buf: Array<Tensor | null>;

  constructor(params: readonly Tensor[], opts: SgdOptions) {
    checkParams('SGD', params);
    checkPositive('SGD lr', opts.lr, true);
    this.params = [...params];
    this.lr = opts.lr;
    this.momentum = opts.momentum ?? 0;
    this.dampening = opts.dampening ?? 0;
    this.weightDecay = opts.weightDecay ?? 0;
    this.nesterov = opts.nesterov ?? false;
    checkPositive('SGD momentum', this.momentum, true);
    checkPositive('SGD weightDecay', this.weightDecay, true);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error(`SGD: nesterov needs momentum > 0 and dampening 0 (got momentum ${this.momentum}, dampening ${this.dampening})`);
    }
    this.buf = params.map(() => null);
  }

  step(): void {
    this.params.forEach((p, i) => {
      if (!hasGradient(p)) return;
      const firstStep = this.momentum !== 0 && this.buf[i] === null;
      if (firstStep) this.buf[i] = stateLike(p);
      sgdUpdate(p, p.grad, this.buf[i], {
        lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov, firstStep,
      });
    });
  }

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  async stateDict(): Promise<SgdState> {
    return {
      kind: 'sgd', lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov,
      buf: await Promise.all(this.buf.map((t) => (t ? t.data() : null))),
    };
  }

  loadStateDict(state: SgdState): void {
    if (state.kind !== 'sgd') throw new Error(`SGD.loadStateDict: got a '${String(state.kind)}' optimizer state, expected 'sgd'`);
    checkStateLength('SGD', this.params, { buf: state.buf });
    const restored = this.params.map((p, i) => (state.buf[i] ? restoreLike(p, state.buf[i]!, 'buf', i) : null));
    this.dispose();
    restored.forEach((t, i) => (this.buf[i] = t));
    this.lr = state.lr;
  }

  dispose(): void {
    this.buf.forEach((t, i) => {
      t?.dispose();
      this.buf[i] = null;
    });
  }
}
