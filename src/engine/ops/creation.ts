/** Creating tensors: from JS data, constants, and random values (Philox, see rng.ts). */
import type { BackendName } from '../backend';
import type { DType, FloatArray } from '../dtype';
import { backendObject } from '../registry';
import { checkShape, formatShape, sizeOf, type Shape } from '../shape';
import { StorageRef, Tensor } from '../tensor';
import { nextStream } from '../rng';
import { empty } from './util';
import { CpuStorage } from '../cpu/backend';
import { record } from '../autograd';

export interface CreateOptions {
  dtype?: DType;
  /** Defaults to the current backend (setBackend). */
  backend?: BackendName;
  /** Make it a parameter (a leaf whose .grad backward() fills). */
  requiresGrad?: boolean;
}

type Nested = number | readonly Nested[];

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as Nested;
  }
  return shape;
}

function flattenInto(data: Nested, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof data !== 'number') throw new Error(`tensor(): ragged nested array (expected a number at depth ${dim})`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new Error(`tensor(): ragged nested array: expected length ${shape[dim]} at depth ${dim}, inferred shape ${formatShape(shape)}`);
  }
  for (const d of data as readonly Nested[]) flattenInto(d, shape, dim + 1, out);
}

/** A tensor from a number, nested arrays or a flat TypedArray/array (then give the shape). */
export function tensor(data: Nested | FloatArray | ArrayLike<number>, shape?: Shape, options: CreateOptions = {}): Tensor {
  const dtype = options.dtype ?? (data instanceof Float64Array ? 'float64' : 'float32');
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (typeof data === 'number') {
    flat = [data];
    inferred = [];
  } else if (ArrayBuffer.isView(data) || (Array.isArray(data) && !data.some((d) => Array.isArray(d)) && shape)) {
    flat = data as ArrayLike<number>;
    inferred = [flat.length];
  } else {
    inferred = inferShape(data as Nested);
    const out: number[] = [];
    flattenInto(data as Nested, inferred, 0, out);
    flat = out;
  }
  const finalShape = shape ? [...shape] : inferred;
  checkShape(finalShape);
  if (sizeOf(finalShape) !== flat.length) {
    throw new Error(`tensor(): ${flat.length} values do not fill shape ${formatShape(finalShape)} (${sizeOf(finalShape)} elements)`);
  }
  const backend = backendObject(options.backend);
  if (!backend.supports(dtype)) throw new Error(`tensor(): the ${backend.name} backend does not support ${dtype}`);
  const typed = dtype === 'float64' ? Float64Array.from(flat) : Float32Array.from(flat);
  const t = new Tensor(new StorageRef(backend.upload(typed, dtype), backend), finalShape, dtype);
  if (options.requiresGrad) t.requireGrad();
  return t;
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  const t = empty(backendObject(options.backend), shape, options.dtype ?? 'float32');
  t.backend.fill(t.storage, t.size, value);
  if (options.requiresGrad) t.requireGrad();
  return t;
}

export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

/** A constant with the backend and dtype of `like` (default: like's shape). */
export function fullLike(like: Tensor, value: number, shape: Shape = like.shape): Tensor {
  const t = empty(like.backend, shape, like.dtype);
  t.backend.fill(t.storage, t.size, value);
  return t;
}

export function zerosLike(like: Tensor): Tensor {
  return fullLike(like, 0);
}

export function onesLike(like: Tensor): Tensor {
  return fullLike(like, 1);
}

export interface RandomOptions extends CreateOptions {
  /** Explicit (seed, stream); default: the next stream of the global generator (manualSeed). */
  seed?: number;
  stream?: number;
}

function random(shape: Shape, normal: boolean, options: RandomOptions): Tensor {
  const t = empty(backendObject(options.backend), shape, options.dtype ?? 'float32');
  const s = options.seed !== undefined ? { seed: options.seed >>> 0, stream: (options.stream ?? 0) >>> 0 } : nextStream();
  t.backend.random(t.storage, t.size, s.seed, s.stream, normal);
  if (options.requiresGrad) t.requireGrad();
  return t;
}

/** Uniform [0, 1) values; identical on CPU and WebGPU for the same seed and stream. */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  return random(shape, false, options);
}

/** Standard normal values (Box-Muller over Philox). */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  return random(shape, true, options);
}

/** Uniform values with the backend and dtype of `like`. */
export function randLike(like: Tensor, shape: Shape, normal = false, seed?: { seed: number; stream: number }): Tensor {
  const t = empty(like.backend, shape, like.dtype);
  const s = seed ?? nextStream();
  t.backend.random(t.storage, t.size, s.seed, s.stream, normal);
  return t;
}

/** 0, 1, ..., n-1 (float). */
export function arange(n: number, options: CreateOptions = {}): Tensor {
  return tensor(Array.from({ length: n }, (_, i) => i), [n], options);
}

/**
 * Copies a tensor to another backend (GPU to CPU reads back, hence async). The copy is a new
 * leaf; requiresGrad is carried over.
 */
export async function toBackend(t: Tensor, name: BackendName): Promise<Tensor> {
  const values = await t.data();
  const dtype = name === 'webgpu' ? 'float32' : t.dtype;
  return tensor(values, t.shape, { backend: name, dtype, requiresGrad: t.requiresGrad && !t.gradFn });
}

/**
 * Converts between float32 and float64 (CPU backend only; WebGPU holds float32). Gradients flow
 * back converted to the input's dtype.
 */
export function astype(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  if (!(t.storage instanceof CpuStorage)) throw new Error(`astype: ${t.backend.name} tensors are float32 only; ${dtype} exists on the CPU backend`);
  const src = t.storage.data;
  const converted = dtype === 'float64' ? Float64Array.from(src.subarray(0, t.size)) : Float32Array.from(src.subarray(0, t.size));
  const out = new Tensor(new StorageRef(t.backend.upload(converted, dtype), t.backend), t.shape, dtype);
  const from = t.dtype;
  return record(out, 'astype', [t], [], (g) => [astype(g, from)]);
}
