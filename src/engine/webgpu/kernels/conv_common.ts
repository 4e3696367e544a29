/**
 * Helpers shared by the matmul and convolution kernels: binding sub-ranges of buffers that are
 * larger than maxStorageBufferBindingSize, and packing uniform parameters.
 *
 * A storage binding's offset must be a multiple of minStorageBufferOffsetAlignment (256 bytes),
 * but the element where a chunk starts usually is not; so a chunk is bound from the aligned
 * address at or below its start and the kernel is told the remaining element offset (`base`).
 */
import tileRowsPlainWgsl from '../../../../kernels/tile_rows_plain.wgsl?raw';
import tileRowsSubgroupsWgsl from '../../../../kernels/tile_rows_subgroups.wgsl?raw';
import type { BufferBinding, GpuContext } from '../context';

export interface SubBinding {
  binding: { buffer: GPUBuffer; offset: number; size: number };
  /** Element offset of the chunk's first element inside the binding. */
  base: number;
}

function parts(b: BufferBinding): { buffer: GPUBuffer; offset: number; size: number } {
  if ('buffer' in b) {
    const offset = b.offset ?? 0;
    return { buffer: b.buffer, offset, size: b.size ?? b.buffer.size - offset };
  }
  return { buffer: b, offset: 0, size: b.size };
}

/** Number of f32 elements a binding can hold. */
export function bindingElements(b: BufferBinding): number {
  return Math.floor(parts(b).size / 4);
}

/** Binds elements [first, first + count) of `b` (f32), from the aligned address at or below `first`. */
export function subBinding(ctx: GpuContext, b: BufferBinding, first: number, count: number): SubBinding {
  const whole = parts(b);
  const align = ctx.limits.minStorageBufferOffsetAlignment;
  const start = whole.offset + first * 4;
  const offset = Math.floor(start / align) * align;
  const base = (start - offset) / 4;
  const size = Math.max(4, (base + count) * 4);
  return { binding: { buffer: whole.buffer, offset, size }, base };
}

/**
 * A lower binding limit per context, for tests: WebGPU raises requested limits below the spec
 * default (128 MiB) back to the default, so testDeviceWithLimits cannot force chunking; this can.
 */
const bindingLimitOverride = new WeakMap<GpuContext, number>();

export function setStorageBindingLimitForTesting(ctx: GpuContext, bytes: number | null): void {
  if (bytes === null) bindingLimitOverride.delete(ctx);
  else bindingLimitOverride.set(ctx, bytes);
}

/** The maxStorageBufferBindingSize the matmul/conv kernels plan their chunks with. */
export function storageBindingLimit(ctx: GpuContext): number {
  const device = ctx.limits.maxStorageBufferBindingSize;
  return Math.min(device, bindingLimitOverride.get(ctx) ?? device);
}

/** Largest element count a chunk may have so that its binding (with alignment slack) fits. */
export function maxChunkElements(ctx: GpuContext): number {
  return Math.floor((storageBindingLimit(ctx) - ctx.limits.minStorageBufferOffsetAlignment) / 4);
}

/** Checks that a binding holds at least `needed` f32 elements; names the tensor when not. */
export function checkBinding(kernel: string, name: string, b: BufferBinding, needed: number): void {
  const have = bindingElements(b);
  if (have < needed) {
    throw new Error(`${kernel}: buffer '${name}' holds ${have} f32 elements, needs ${needed}`);
  }
}

/** Packs u32 / i32 fields (in WGSL struct order, all 4-byte scalars) into a uniform block. */
export function packParams(values: number[]): ArrayBuffer {
  const buf = new ArrayBuffer(Math.max(16, Math.ceil(values.length / 4) * 16));
  const u = new Uint32Array(buf);
  const i = new Int32Array(buf);
  values.forEach((v, k) => {
    if (!Number.isInteger(v)) throw new Error(`kernel parameter ${k} is not an integer: ${v}`);
    if (v < 0) i[k] = v;
    else u[k] = v;
  });
  return buf;
}

/**
 * Splits [0, total) into ranges of at most `per` items: chunk boundaries for batches or channels.
 */
export function ranges(total: number, per: number): [number, number][] {
  const out: [number, number][] = [];
  const step = Math.max(1, per);
  for (let s = 0; s < total; s += step) out.push([s, Math.min(step, total - s)]);
  return out;
}

/**
 * How the register-tiled kernels load their row operand (see kernels/tile_rows_*.wgsl):
 * 'subgroups' (one load per lane + subgroup broadcasts) where the device has the feature and
 * subgroups of at least 8 invocations (the tile's TM), else 'plain'.
 */
export type TileVariant = 'plain' | 'subgroups';

const variantOverride = new WeakMap<GpuContext, TileVariant>();

/** Forces a variant on one context (tests run both); null restores the automatic choice. */
export function setTileVariantForTesting(ctx: GpuContext, variant: TileVariant | null): void {
  if (variant === null) variantOverride.delete(ctx);
  else variantOverride.set(ctx, variant);
}

/** Whether this device can run the subgroup variant. */
export function supportsSubgroupTiles(device: GPUDevice): boolean {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { subgroupMinSize?: number } }).adapterInfo;
  return device.features.has('subgroups') && (info?.subgroupMinSize ?? 0) >= 8;
}

export function tileVariant(ctx: GpuContext): TileVariant {
  return variantOverride.get(ctx) ?? (supportsSubgroupTiles(ctx.device) ? 'subgroups' : 'plain');
}

/** A tiled kernel's full source: the row-load/entry-point prelude of the chosen variant + the kernel. */
export function tiledKernelSource(ctx: GpuContext, kernelSource: string): { code: string; variant: TileVariant } {
  const variant = tileVariant(ctx);
  return { code: `${variant === 'subgroups' ? tileRowsSubgroupsWgsl : tileRowsPlainWgsl}\n${kernelSource}`, variant };
}
