/**
 * Tensor: a contiguous n-d array (NCHW / NCDHW for images) on one backend, with autograd fields.
 * Tensors are immutable to the user (ops return new tensors; optimizers update parameters in place).
 * Reading values is explicit and asynchronous: `await t.data()`.
 *
 * Lifetime: see memory.ts (scopes) and autograd.ts (the graph retains what backward needs).
 */
import type { Backend, Storage } from './backend';
import type { DType, FloatArray } from './dtype';
import { memoryStats, track, untrack, type Tracked } from './memory';
import { formatShape, sizeOf, type Shape } from './shape';
import type { GradNode } from './autograd';
import { releaseNode, backward as runBackward, internalAccess } from './autograd';
import * as ew from './ops/elementwise';
import * as red from './ops/reduce';
import * as sh from './ops/shape';
import { matmul } from './ops/matmul';

/** A storage shared by a tensor and its reshaped views. */
export class StorageRef {
  refs = 0;
  constructor(
    readonly storage: Storage,
    readonly backend: Backend,
  ) {}
}

let nextId = 1;

export class Tensor implements Tracked {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: DType;
  readonly backend: Backend;
  /** True for parameters (leaves whose .grad backward fills) and results computed from them. */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after backward(); owned by this tensor. */
  grad: Tensor | null = null;
  /** The autograd node that produced this tensor (null for leaves). */
  gradFn: GradNode | null = null;
  /** The user's reference was released (dispose() or the end of its scope). */
  isDisposed = false;
  /** Exempt from scope disposal (keep()). */
  kept = false;
  /** Optional name (parameters), shown in error messages. */
  name?: string;
  private readonly ref: StorageRef;
  private retains = 0;
  private freed = false;

  constructor(ref: StorageRef, shape: Shape, dtype: DType) {
    this.ref = ref;
    ref.refs++;
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.dtype = dtype;
    this.backend = ref.backend;
    memoryStats.tensorCreated(this.backend.name);
    track(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The backend storage; throws if the tensor was disposed (unless autograd still holds it, internally). */
  get storage(): Storage {
    this.assertUsable();
    return this.ref.storage;
  }

  /** @internal The shared storage reference (reshape views share it). */
  get storageRef(): StorageRef {
    this.assertUsable();
    return this.ref;
  }

  assertUsable(): void {
    if (this.freed || (this.isDisposed && !internalAccess())) {
      throw new Error(`tensor #${this.id}${this.name ? ` '${this.name}'` : ''} ${formatShape(this.shape)} was disposed and cannot be used; keep() it or return it from its scope`);
    }
  }

  toString(): string {
    return `Tensor(#${this.id}, ${formatShape(this.shape)}, ${this.dtype}, ${this.backend.name}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  /** Reads the values back (a copy): Float32Array, or Float64Array for float64 tensors. */
  async data(): Promise<FloatArray> {
    this.assertUsable();
    return this.backend.read(this.ref.storage, this.size, this.dtype);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`item(): tensor ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return (await this.data())[0];
  }

  /** Nested JS arrays of the values (for tests and printing small tensors). */
  async array(): Promise<unknown> {
    const d = await this.data();
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.rank) return d[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  /** Exempts this tensor from scope disposal; it lives until dispose(). Returns this. */
  keep(): this {
    this.kept = true;
    untrack(this);
    return this;
  }

  /** Releases the user's reference (and the gradient). Storage is freed once autograd is done with it. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    untrack(this);
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
    const node = this.gradFn;
    if (node) releaseNode(node);
    this.maybeFree();
  }

  /** @internal The autograd graph holds this tensor for a backward rule. */
  retain(): void {
    this.assertUsable();
    this.retains++;
  }

  /** @internal */
  release(): void {
    this.retains--;
    this.maybeFree();
  }

  private maybeFree(): void {
    if (this.freed || !this.isDisposed || this.retains > 0) return;
    this.freed = true;
    memoryStats.tensorFreed(this.backend.name);
    if (--this.ref.refs === 0) this.backend.free(this.ref.storage);
  }

  /** Marks a leaf as a parameter: backward() will fill its .grad. Returns this. */
  requireGrad(flag = true): this {
    if (this.gradFn) throw new Error(`requireGrad(): tensor #${this.id} is computed by '${this.gradFn.name}', not a leaf; use detach() first`);
    this.requiresGrad = flag;
    return this;
  }

  /** Drops the gradient (like optimizer.zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  /** Back-propagates from this tensor (a scalar unless `grad` is given) into the leaves' .grad. */
  backward(grad?: Tensor, options: { retainGraph?: boolean } = {}): void {
    runBackward(this, grad, options);
  }

  // ---- common ops as methods (the functions in ops/ are the full API) ----
  add(b: Tensor | number): Tensor { return ew.add(this, b); }
  sub(b: Tensor | number): Tensor { return ew.sub(this, b); }
  mul(b: Tensor | number): Tensor { return ew.mul(this, b); }
  div(b: Tensor | number): Tensor { return ew.div(this, b); }
  pow(b: Tensor | number): Tensor { return ew.pow(this, b); }
  neg(): Tensor { return ew.neg(this); }
  exp(): Tensor { return ew.exp(this); }
  log(): Tensor { return ew.log(this); }
  sqrt(): Tensor { return ew.sqrt(this); }
  abs(): Tensor { return ew.abs(this); }
  square(): Tensor { return ew.square(this); }
  clamp(min: number, max: number): Tensor { return ew.clamp(this, min, max); }
  relu(): Tensor { return ew.relu(this); }
  sigmoid(): Tensor { return ew.sigmoid(this); }
  tanh(): Tensor { return ew.tanh(this); }
  eq(b: Tensor | number): Tensor { return ew.eq(this, b); }
  gt(b: Tensor | number): Tensor { return ew.gt(this, b); }
  ge(b: Tensor | number): Tensor { return ew.ge(this, b); }
  lt(b: Tensor | number): Tensor { return ew.lt(this, b); }
  le(b: Tensor | number): Tensor { return ew.le(this, b); }
  sum(axes?: number | number[], keepdim = false): Tensor { return red.sum(this, axes, keepdim); }
  mean(axes?: number | number[], keepdim = false): Tensor { return red.mean(this, axes, keepdim); }
  max(axes?: number | number[], keepdim = false): Tensor { return red.max(this, axes, keepdim); }
  min(axes?: number | number[], keepdim = false): Tensor { return red.min(this, axes, keepdim); }
  argmax(axis: number, keepdim = false): Tensor { return red.argmax(this, axis, keepdim); }
  reshape(shape: number[]): Tensor { return sh.reshape(this, shape); }
  permute(perm: number[]): Tensor { return sh.permute(this, perm); }
  transpose(a = -2, b = -1): Tensor { return sh.transpose(this, a, b); }
  squeeze(axes?: number | number[]): Tensor { return sh.squeeze(this, axes); }
  unsqueeze(axis: number): Tensor { return sh.unsqueeze(this, axis); }
  flatten(startAxis = 0, endAxis = -1): Tensor { return sh.flatten(this, startAxis, endAxis); }
  broadcastTo(shape: number[]): Tensor { return sh.broadcastTo(this, shape); }
  matmul(b: Tensor): Tensor { return matmul(this, b); }
  /** A tensor sharing this one's storage, outside the autograd graph. */
  detach(): Tensor { return sh.detach(this); }
}
