/**
 * The kernel interface both backends implement. Ops (ops/*.ts) allocate outputs and call these
 * primitives; autograd rules are written with ops, so they run on either backend unchanged.
 * Each primitive is small and general (a strided gather covers permute, slice, pad, flip and
 * broadcast), which keeps the WGSL and the CPU reference few and easy to compare.
 *
 * All sizes are element counts; all strides are element strides; storages are contiguous.
 */
import type { DType, FloatArray } from './dtype';
import type { ConvGeometry } from './cpu/conv';
import type { MatmulParams } from './cpu/matmul';

export type BackendName = 'cpu' | 'webgpu';

/** Backend-owned memory holding one tensor's elements. */
export interface Storage {
  readonly backend: BackendName;
  /** Logical size in bytes (elements * bytes per element). */
  readonly bytes: number;
}

export const UNARY_OPS = [
  'copy', 'neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'sign', 'relu', 'leakyRelu', 'sigmoid', 'tanh',
  'clamp', 'powScalar', 'affine', 'reciprocal', 'square', 'step', 'leakyReluDeriv', 'clampMask', 'floor',
] as const;
/** Unary ops; `a` and `b` are the scalar parameters of those that take them:
 *  leakyRelu/leakyReluDeriv: a = slope; clamp/clampMask: [a, b] = [min, max]; powScalar: x^a;
 *  affine: a*x + b; step: x > a ? 1 : 0. */
export type UnaryOp = (typeof UNARY_OPS)[number];

export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export const REDUCE_OPS = ['sum', 'max', 'min', 'argmax', 'argmin'] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** Per output dim of a gather: input coordinate = start + i*step, valid when 0 <= coord < bound. */
export interface GatherDim {
  start: number;
  step: number;
  bound: number;
  inStride: number;
}

/** Per source dim of a place: destination coordinate = start + i*step. */
export interface PlaceDim {
  start: number;
  step: number;
  dstStride: number;
}

export type PoolMode = 'max' | 'avg' | 'adaptiveAvg';

/** Pooling over 3 spatial axes (2D pooling uses a leading depth of 1). */
export interface PoolGeometry {
  mode: PoolMode;
  /** n * c planes. */
  planes: number;
  inSize: [number, number, number];
  outSize: [number, number, number];
  kernel: [number, number, number];
  stride: [number, number, number];
  padding: [number, number, number];
  /** avg only: divide by the full kernel volume (PyTorch default) instead of the in-bounds count. */
  countIncludePad: boolean;
}

export type ResizeMode = 'linear' | 'nearest';

/** 1D resize along the middle axis of [outer, inLen, inner] to [outer, outLen, inner]. */
export interface Resize1dParams {
  outer: number;
  inLen: number;
  outLen: number;
  inner: number;
  mode: ResizeMode;
  alignCorners: boolean;
  /** Source coordinate scale (PyTorch area_pixel_compute_scale), computed by the op. */
  scale: number;
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count after this update (for bias correction). */
  step: number;
  /** AdamW: decoupled weight decay (param *= 1 - lr*wd) instead of L2 added to the gradient. */
  decoupled: boolean;
}

export interface SgdParams {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  /** The momentum buffer is initialised to the gradient on the first step (PyTorch). */
  firstStep: boolean;
}

export interface Backend {
  readonly name: BackendName;
  /** Whether the backend can hold this dtype. */
  supports(dtype: DType): boolean;
  alloc(size: number, dtype: DType): Storage;
  upload(data: FloatArray, dtype: DType): Storage;
  /** Returns the storage to the backend (pool). */
  free(s: Storage): void;
  read(s: Storage, size: number, dtype: DType): Promise<FloatArray>;
  /** Submits recorded work; no-op on CPU. */
  flush(): void;
  /** Waits for all submitted work and throws any GPU error raised since the last sync. */
  sync(): Promise<void>;

  fill(out: Storage, size: number, value: number): void;
  /** Copies `size` elements (dst may be a different, same-sized storage: in-place assignment). */
  copy(src: Storage, dst: Storage, size: number): void;
  unary(op: UnaryOp, x: Storage, out: Storage, size: number, a: number, b: number): void;
  binary(op: BinaryOp, a: Storage, aStrides: number[], b: Storage, bStrides: number[], out: Storage, outShape: number[]): void;
  where(c: Storage, cStrides: number[], a: Storage, aStrides: number[], b: Storage, bStrides: number[], out: Storage, outShape: number[]): void;
  /**
   * Reduces each of `rows` runs of `len` elements to one value (arg ops: the index). With
   * outer > 1, x is laid out [outer, rows, len / outer] and each row reduces over the outer and
   * inner axes (a batch-norm statistic over N and space, without a transpose). With midInner > 1,
   * x is laid out [rows / midInner, len, midInner] and rows reduce over the middle axis (softmax
   * or argmax over the channels of NCHW).
   */
  reduce(op: ReduceOp, x: Storage, out: Storage, rows: number, len: number, outer?: number, midInner?: number): void;
  gather(x: Storage, out: Storage, outShape: number[], dims: GatherDim[], fill: number): void;
  /** Writes every element of src (shape srcShape) into dst at the coordinates `dims` describe. */
  place(src: Storage, srcShape: number[], dst: Storage, dims: PlaceDim[]): void;
  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void;
  convForward(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void;
  convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void;
  convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void;
  pool(x: Storage, y: Storage, g: PoolGeometry): void;
  /** Gradient of pool w.r.t. its input (max: recomputes each window's first maximum from x). */
  poolBackward(x: Storage, dy: Storage, dx: Storage, g: PoolGeometry): void;
  resize1d(x: Storage, y: Storage, p: Resize1dParams): void;
  resize1dBackward(dy: Storage, dx: Storage, p: Resize1dParams): void;
  /** Philox-4x32-10 of (seed, stream, element index): uniform [0,1) or standard normal. */
  random(out: Storage, size: number, seed: number, stream: number, normal: boolean): void;
  adam(param: Storage, grad: Storage, m: Storage, v: Storage, size: number, p: AdamParams): void;
  sgd(param: Storage, grad: Storage, buf: Storage | null, size: number, p: SgdParams): void;
}
