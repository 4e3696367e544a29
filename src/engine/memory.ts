/**
 * Memory accounting and scopes.
 *
 * Ownership model: every tensor is created owned by the innermost open scope (or by nobody when
 * no scope is open). When `scope(fn)` returns, every tensor created inside that is not part of the
 * return value and was not `keep()`-ed is disposed; returned tensors move to the enclosing scope.
 * Disposing a tensor releases the user's reference; its storage is freed once the autograd graph
 * no longer needs it either (see autograd.ts), so intermediates of a forward pass survive until
 * backward() has used them.
 *
 * Scopes are synchronous (like tfjs tidy): a scope function that returns a Promise is an error,
 * because tensors created by other code during the await would be attributed to it.
 */
import type { BackendName } from './backend';

/** What a scope needs of a tensor (kept minimal to avoid a cycle with tensor.ts). */
export interface Tracked {
  readonly id: number;
  isDisposed: boolean;
  kept: boolean;
  dispose(): void;
}

export interface MemoryInfo {
  /** Bytes held by live tensors' storages. */
  liveBytes: number;
  /** Highest liveBytes since start (or since resetPeak()). */
  peakBytes: number;
  /** Tensors whose storage is still held (by the user or by the autograd graph). */
  liveTensors: number;
  /** Bytes of freed GPU buffers kept in the pool for reuse. */
  pooledBytes: number;
}

class MemoryStats {
  private readonly live: Record<BackendName, number> = { cpu: 0, webgpu: 0 };
  private readonly peak: Record<BackendName, number> = { cpu: 0, webgpu: 0 };
  private readonly tensors: Record<BackendName, number> = { cpu: 0, webgpu: 0 };
  readonly pooled: Record<BackendName, number> = { cpu: 0, webgpu: 0 };

  allocated(backend: BackendName, bytes: number): void {
    this.live[backend] += bytes;
    if (this.live[backend] > this.peak[backend]) this.peak[backend] = this.live[backend];
  }
  freed(backend: BackendName, bytes: number): void {
    this.live[backend] -= bytes;
  }
  tensorCreated(backend: BackendName): void {
    this.tensors[backend]++;
  }
  tensorFreed(backend: BackendName): void {
    this.tensors[backend]--;
  }
  resetPeak(backend?: BackendName): void {
    for (const b of backend ? [backend] : (['cpu', 'webgpu'] as const)) this.peak[b] = this.live[b];
  }
  info(backend?: BackendName): MemoryInfo {
    const names: BackendName[] = backend ? [backend] : ['cpu', 'webgpu'];
    const sum = (r: Record<BackendName, number>) => names.reduce((acc, n) => acc + r[n], 0);
    return { liveBytes: sum(this.live), peakBytes: sum(this.peak), liveTensors: sum(this.tensors), pooledBytes: sum(this.pooled) };
  }
}

export const memoryStats = new MemoryStats();

/** Memory statistics of one backend, or of both summed. */
export function memory(backend?: BackendName): MemoryInfo {
  return memoryStats.info(backend);
}

export function resetPeakMemory(backend?: BackendName): void {
  memoryStats.resetPeak(backend);
}

const scopeStack: Set<Tracked>[] = [];

/** Called by every new tensor. */
export function track(t: Tracked): void {
  const top = scopeStack[scopeStack.length - 1];
  if (top) top.add(t);
}

/** Removes a tensor from scope ownership: it lives until disposed explicitly. */
export function untrack(t: Tracked): void {
  for (let i = scopeStack.length - 1; i >= 0; i--) if (scopeStack[i].delete(t)) return;
}

function collect(value: unknown, out: Set<Tracked>, seen: Set<unknown>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if ('dispose' in value && 'isDisposed' in value && 'kept' in value) {
    out.add(value as Tracked);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) collect(v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collect(v, out, seen);
}

/**
 * Runs fn and disposes every tensor it created that is not in its result (tensors found in
 * returned arrays, Maps and plain objects are kept) and was not keep()-ed. Nestable; synchronous.
 */
export function scope<T>(fn: () => T): T {
  const mine = new Set<Tracked>();
  scopeStack.push(mine);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopeStack.pop();
    for (const t of mine) if (!t.kept) t.dispose();
    throw err;
  }
  scopeStack.pop();
  if (result instanceof Promise) {
    for (const t of mine) if (!t.kept) t.dispose();
    throw new Error('scope(fn): fn returned a Promise; scopes are synchronous. Await outside the scope, or dispose tensors explicitly in async code.');
  }
  const returned = new Set<Tracked>();
  collect(result, returned, new Set());
  const parent = scopeStack[scopeStack.length - 1];
  for (const t of mine) {
    if (returned.has(t)) parent?.add(t);
    else if (!t.kept) t.dispose();
  }
  return result;
}

/** Number of open scopes (for tests). */
export function scopeDepth(): number {
  return scopeStack.length;
}
